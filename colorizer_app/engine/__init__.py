"""The Colorizer engine: a model on a device (CUDA, MPS or the CPU) running the one pipeline."""

from .colorizer import ColorizeResult, Colorizer
from .device import DeviceChoice, available_devices, choose_device

__all__ = ["Colorizer", "ColorizeResult", "DeviceChoice", "available_devices", "choose_device"]
