"""``python -m scalinglab``: the same command as the ``scalinglab`` console script."""

from scalinglab.book.cli import main

raise SystemExit(main())
