"""The Qt-free core: run spec, layers, datasets, training engine, metrics.

Nothing in this package imports PySide6, pyqtgraph or cnnstudio.gui.
"""
