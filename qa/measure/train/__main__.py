"""`python -m qa.measure.train FILE`: see qa.measure.train.run."""

from qa.measure.train.run import main

raise SystemExit(main())
