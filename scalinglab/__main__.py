"""``python -m scalinglab``: the same command as the ``scalinglab`` console script."""

from .cli import main

raise SystemExit(main())
