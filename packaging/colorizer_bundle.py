"""The PyInstaller bundle's entry script: the desktop app, as the `colorizer` command starts it.

Freeze support comes first, before anything else is imported, so that a child process started by
multiprocessing runs its task instead of another copy of the app.
"""

import multiprocessing

if __name__ == "__main__":
    multiprocessing.freeze_support()

    import sys

    from colorizer_app.gui.app import main

    sys.exit(main())
