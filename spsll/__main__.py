"""``python -m spsll``: the ``spsll`` command line (see :mod:`spsll.cli`)."""
import sys

from .cli import main

sys.exit(main())
