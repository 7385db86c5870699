#!/usr/bin/env python3
"""pickle_registry.py - the model registry's command line from a repository checkout, without
installing the Python package: the same as `python -m pickle_ext` (bindings/python/pickle_ext/cli.py),
loading dist/pickle_ext.so (or $PICKLE_EXT_SO / --ext). `import pickle_registry` gives the
pickle_ext.registry API.

    scripts/pickle_registry.py --db shop.db register churn model.pkl --alias staging
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "bindings", "python"))

from pickle_ext.registry import *  # noqa: E402,F401,F403
from pickle_ext.registry import RegistryError  # noqa: E402,F401

if __name__ == "__main__":
    from pickle_ext.cli import main
    sys.exit(main())
