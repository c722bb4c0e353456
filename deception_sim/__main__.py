"""``python -m deception_sim``: the ``deception-sim`` command line."""

import sys

from .cli import main

sys.exit(main())
