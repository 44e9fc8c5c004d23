"""The window: the only package that imports PySide6 and pyqtgraph.

pyqtgraph picks its Qt binding when it is first imported: whatever PYQTGRAPH_QT_LIB names, else the
first it finds. Set here, before any module of this package can import pyqtgraph, it always binds
to PySide6, whatever the import order in a module or the user's environment says.
"""

import os

os.environ["PYQTGRAPH_QT_LIB"] = "PySide6"
