"""Allow ``python -m netviz``."""

from netviz.cli import main

raise SystemExit(main())
