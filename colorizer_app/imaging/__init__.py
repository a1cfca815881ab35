"""File I/O, CIE Lab conversion, resizing and quality metrics (no Qt, no models)."""
