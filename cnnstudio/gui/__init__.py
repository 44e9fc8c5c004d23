"""The window: the only package that imports PySide6 and pyqtgraph.

PySide6 is imported before pyqtgraph everywhere, so pyqtgraph binds to it.
"""
