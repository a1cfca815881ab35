"""The damage detector: a small U-Net giving each pixel's odds of being a scratch, crack, spot or
speck, and its bundled weights (weights/damage.safetensors, fp16, metadata as JSON).

It sees the photo at most DETECT_SIDE pixels on its long side: large enough for a crack a few
pixels wide on a 12 MP scan, small enough to run in a few tenths of a second on two cores. The
first step folds 2x2 pixels into four channels (pixel unshuffle), so everything runs at half
resolution or less while a one-pixel line still reaches the net whole; the last step unfolds
four outputs back to full resolution.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from ..resources import data_root

DETECT_SIDE = 1280
KIND = "colorizer damage detector"
WIDTHS = (24, 32, 48)
MULTIPLE = 8  # the input's sides are padded to a multiple of this


def _conv(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation), nn.ReLU(inplace=True))


class DamageNet(nn.Module):
    def __init__(self, widths: tuple[int, int, int] = WIDTHS):
        super().__init__()
        a, b, c = widths
        self.widths = tuple(widths)
        self.enc1 = nn.Sequential(_conv(4, a), _conv(a, a))  # 1/2
        self.enc2 = nn.Sequential(_conv(a, b, 2), _conv(b, b, dilation=2))  # 1/4
        self.enc3 = nn.Sequential(_conv(b, c, 2), _conv(c, c, dilation=2), _conv(c, c, dilation=4))  # 1/8
        self.dec2 = _conv(c + b, b)
        self.dec1 = _conv(b + a, a)
        self.out = nn.Conv2d(a, 4, 1)

    def forward(self, L: torch.Tensor) -> torch.Tensor:
        """L (B, 1, H, W) in [0, 100], H and W multiples of 8 -> logits (B, 1, H, W)."""
        x = F.pixel_unshuffle(L / 50.0 - 1.0, 2)
        e1 = self.enc1(x)
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        d2 = self.dec2(torch.cat([F.interpolate(e3, scale_factor=2.0, mode="nearest"), e2], 1))
        d1 = self.dec1(torch.cat([F.interpolate(d2, scale_factor=2.0, mode="nearest"), e1], 1))
        return F.pixel_shuffle(self.out(d1), 2)


@dataclass
class Detector:
    net: DamageNet
    meta: dict
    path: Path | None = None

    @property
    def threshold(self) -> float:
        """Odds at which a pixel is taken for damage (chosen on the val crops: training/damage_detector.py)."""
        return float(self.meta.get("threshold", 0.5))

    @torch.inference_mode()
    def probability(self, L: torch.Tensor) -> torch.Tensor:
        """L (1, H, W) in [0, 100], any size -> damage probability (1, H, W), float32."""
        h, w = L.shape[-2:]
        ph, pw = -h % MULTIPLE, -w % MULTIPLE
        x = L[None].float()
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph), mode="replicate")
        dev = next(self.net.parameters()).device
        # bf16 halves its time on the CPU; the odds move by a few hundredths at most
        with torch.autocast(dev.type, dtype=torch.bfloat16):
            logits = self.net(x.to(dev))
        return torch.sigmoid(logits.float())[0, :, :h, :w].cpu()


def bundled_path() -> Path:
    """Beside the colouring models, in a folder of its own (it is not one of them)."""
    return data_root() / "weights" / "restore" / "damage.safetensors"


def save_detector(net: DamageNet, path: Path, meta: dict) -> None:
    """fp16 weights and the metadata, written atomically (a temporary file, then a rename)."""
    path = Path(path)
    state = {k: v.detach().to(torch.float16).contiguous().cpu() for k, v in net.state_dict().items()}
    full = {"kind": KIND, "widths": list(net.widths), **meta}
    tmp = path.with_name(f".{path.name}.part")
    save_file(state, str(tmp), metadata={"colorizer": json.dumps(full)})
    os.chmod(tmp, 0o644)  # an ordinary data file, readable wherever the app is installed
    tmp.replace(path)


class DetectorError(ValueError):
    pass


def load_detector(path: str | Path | None = None) -> Detector:
    """The detector from `path` (default: the bundled one), on the CPU in float32."""
    path = Path(path) if path is not None else bundled_path()
    if not path.is_file():
        raise DetectorError(f"{path}: the damage detector file is missing (it comes with Colorizer: reinstall it)")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads((f.metadata() or {}).get("colorizer", "{}"))
            state = {k: f.get_tensor(k).float() for k in f.keys()}
    except (OSError, SafetensorError, json.JSONDecodeError) as e:
        raise DetectorError(f"{path}: not a damage detector file ({e})") from e
    if meta.get("kind") != KIND:
        raise DetectorError(f"{path}: not a damage detector file (it holds {meta.get('kind', 'something else')!r})")
    net = DamageNet(tuple(meta.get("widths", WIDTHS)))
    try:
        net.load_state_dict(state)
    except RuntimeError as e:
        raise DetectorError(f"{path}: the damage detector's weights do not fit its network ({e})") from e
    return Detector(net.eval(), meta, path)


@lru_cache(maxsize=1)
def bundled_detector() -> Detector:
    return load_detector()
