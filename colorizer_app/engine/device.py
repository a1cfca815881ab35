"""Device choice: CUDA, then Apple MPS, then the CPU, or what the user names, never hard-coded."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class DeviceChoice:
    device: torch.device
    message: str | None = None  # set when the request could not be honoured

    @property
    def label(self) -> str:
        if self.device.type == "cuda":
            return f"CUDA ({torch.cuda.get_device_name(self.device)})"
        return {"mps": "Apple MPS", "cpu": "CPU"}.get(self.device.type, str(self.device))


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps and mps.is_available())


def available_devices() -> list[str]:
    """Device names a user can pick here: 'cpu' always, 'cuda[:N]' and 'mps' when really present."""
    names = ["cpu"]
    if torch.cuda.is_available():
        n = torch.cuda.device_count()
        names += ["cuda"] if n == 1 else [f"cuda:{i}" for i in range(n)]
    if _mps_available():
        names.append("mps")
    return names


def choose_device(request: str = "auto") -> DeviceChoice:
    request = (request or "auto").lower()
    if request == "auto":
        if torch.cuda.is_available():
            return DeviceChoice(torch.device("cuda"))
        if _mps_available():
            return DeviceChoice(torch.device("mps"))
        return DeviceChoice(torch.device("cpu"))
    if request.startswith("cuda"):
        if not torch.cuda.is_available():
            why = ("this PyTorch build has no CUDA support" if torch.version.cuda is None
                   else "no CUDA GPU is visible")
            return DeviceChoice(torch.device("cpu"), f"CUDA requested but {why}; using the CPU")
        dev = torch.device(request)
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            return DeviceChoice(torch.device("cuda"), f"{request} does not exist; using cuda:0")
        return DeviceChoice(dev)
    if request == "mps":
        if not _mps_available():
            return DeviceChoice(torch.device("cpu"), "Apple MPS requested but not available; using the CPU")
        return DeviceChoice(torch.device("mps"))
    if request == "cpu":
        return DeviceChoice(torch.device("cpu"))
    raise ValueError(f"unknown device {request!r} (use auto, cpu, cuda, cuda:N or mps)")
