"""Entry point of `python -m devserver` (what `make run` calls)."""

from devserver.server import main

raise SystemExit(main())
