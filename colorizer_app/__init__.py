"""Colorizer: colourise black-and-white photographs offline, at full resolution."""

__version__ = "0.16.1"
