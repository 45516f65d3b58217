"""``python -m sim``: the ``resettle`` command line."""

import sys

from .app.cli import main

sys.exit(main())
