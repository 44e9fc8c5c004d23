"""Entry point: `cnnstudio` and `python -m cnnstudio`."""

import multiprocessing
import sys


def main(argv: list[str] | None = None) -> int:
    from cnnstudio.cli import run
    from cnnstudio.logs import setup_logging

    setup_logging()
    return run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    multiprocessing.freeze_support()  # DataLoader workers in a frozen app re-enter here
    sys.exit(main())
