"""The Qt layer: windows, views and workers; only this package imports PySide6."""
