"""python -m pickle_ext: the registry's command line (see pickle_ext.cli)."""
import sys

from pickle_ext.cli import main

sys.exit(main())
