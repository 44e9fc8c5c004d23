"""The frozen app's entry point (PyInstaller runs this file as __main__)."""

import multiprocessing
import sys

from cnnstudio.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # DataLoader worker processes start by re-running this file
    sys.exit(main())
