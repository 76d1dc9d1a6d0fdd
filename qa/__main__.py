"""`python -m qa` runs the command-line interface."""

from qa.cli import main

raise SystemExit(main())
