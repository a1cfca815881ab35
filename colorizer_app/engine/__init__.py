"""The Colorizer engine: device choice, preprocessing, batching and postprocessing."""

from .colorizer import ColorizeResult, Colorizer
from .device import DeviceChoice, available_devices, choose_device

__all__ = ["Colorizer", "ColorizeResult", "DeviceChoice", "available_devices", "choose_device"]
