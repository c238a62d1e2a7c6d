"""``python -m linregions.cli``: the same as the ``linregions`` command."""

import sys

from . import main

sys.exit(main())
