"""The command line's commands, grouped by what they work on; cnnstudio/cli.py dispatches."""

EXIT_FAILED_RUN = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # what shells report for a program ended by Ctrl+C
