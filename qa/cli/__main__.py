"""`python -m qa.cli` runs the command-line interface."""

from qa.cli import main

raise SystemExit(main())
