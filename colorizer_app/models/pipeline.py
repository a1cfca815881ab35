"""The one inference pipeline, as pure functions: what the app shows and exports, what the CLI
writes, and what training validation and the fine-tune preview measure are all made here.

    pixels -> lightness (full resolution) -> restored (optional: damage filled, grain, contrast;
              restore/restore.py) -> working_L (short side `size`, aspect kept; a smaller photo only up
              to the next multiple of the stride)
           -> network_output (padded to the stride; logits or ab at 1/4, and the guide: the
              working L on that grid; a network with hint inputs also gets the colour hints there)
           -> decode (annealed mean for classification; ab at the network's resolution; hints,
              if any, carried on along L's edges: models/hint_spread.py)
           -> upsample_ab (to the lightness it is merged with: guided by it, so colour keeps to
              the photo's own edges, or bilinear) -> merge (vibrance, Lab -> sRGB with gamut
              mapping that keeps the photo's own lightness)

The network's output is the expensive step and does not depend on temperature or vibrance, so
callers keep it (`NetOutput`) and redo only `decode` and `render` when those change, at whatever
resolution is on screen. Settings travel as a frozen `Settings`; nothing here keeps state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from ..defaults import DEFAULT_SIZE, DEFAULT_TEMPERATURE
from ..imaging.lab import lab_to_uint8, lightness_from_uint8
from ..imaging.upsample import bilinear_upsample, guided_upsample
from .bins import annealed_mean
from .checkpoint import LoadedModel
from .hint_spread import spread_hints
from . import matching
from .hints import Hint, hint_planes
from .reference import Reference, pull_toward, reweight_logits
from ..restore.options import Restore


UPSAMPLERS = ("guided", "bilinear")  # guided: colour follows the photo's own edges at full size


@dataclass(frozen=True)
class Settings:
    """Everything besides the model and the device that decides a colourisation."""

    size: int = DEFAULT_SIZE  # short side of the image the network sees
    temperature: float | None = None  # classification only; None: the model's own default
    vibrance: float = 1.0
    upsample: str = "guided"  # one of UPSAMPLERS
    reference: Reference | None = None  # a palette that steers the colours (models/reference.py)
    hints: tuple[Hint, ...] = ()  # the user's colour hints (models/hints.py); every model follows them
    restore: Restore | None = None  # restore the lightness first (scratches, spots; grain, contrast)

    def __post_init__(self) -> None:
        if self.upsample not in UPSAMPLERS:
            raise ValueError(f"unknown upsampling {self.upsample!r} (known: {', '.join(UPSAMPLERS)})")
        object.__setattr__(self, "hints", tuple(self.hints))

    def for_model(self, model: LoadedModel) -> "Settings":
        """The temperature resolved for this model (None for families without one)."""
        if model.family != "classification":
            return replace(self, temperature=None)
        t = self.temperature if self.temperature is not None else default_temperature(model)
        return replace(self, temperature=float(t))


@dataclass(frozen=True)
class NetOutput:
    """The network's raw output for photos at one working size: logits over the ab bins
    (classification) or ab (regression, gan), at 1/out_stride of the padded working size, on the
    CPU; with the working L averaged onto the same grid, which guides the upsampling, and the
    colour hints (a network with hint inputs has seen them; decode carries them on along the
    photo's edges)."""

    raw: torch.Tensor  # (B, C, h', w') float32
    guide: torch.Tensor  # (B, 1, h', w') float32
    working: tuple[int, int]  # the working size (h, w), before padding
    out_stride: int  # working pixels per output pixel
    hints: tuple[Hint, ...] = ()
    work_L: torch.Tensor | None = None  # (B, 1, h, w) the working L: a reference photo is matched to it

    @property
    def nbytes(self) -> int:
        extra = self.work_L.numel() if self.work_L is not None else 0
        return (self.raw.numel() + self.guide.numel() + extra) * 4

    @property
    def covered(self) -> tuple[int, int]:
        """Rows and columns of the output grid that are the photo (the rest is padding)."""
        return -(-self.working[0] // self.out_stride), -(-self.working[1] // self.out_stride)

    def item(self, i: int) -> "NetOutput":
        work_L = self.work_L[i:i + 1] if self.work_L is not None and self.work_L.shape[0] > 1 else self.work_L
        return NetOutput(self.raw[i:i + 1], self.guide[i:i + 1], self.working, self.out_stride, self.hints, work_L)


def has_hint_inputs(model: LoadedModel) -> bool:
    """Whether the model's network sees colour hints itself (every model follows them: decode)."""
    return model.net.spec.hint_channels > 0


def default_temperature(model: LoadedModel) -> float:
    """A model's own annealed-mean temperature (its card), else the app's default."""
    return float(model.meta.get("default_temperature", DEFAULT_TEMPERATURE))


def lightness(pixels: np.ndarray, workers: int = 1) -> torch.Tensor:
    """uint8 (H, W), (H, W, 1) or (H, W, 3) -> L* (1, H, W) float32 (`workers` threads share it)."""
    if pixels.dtype != np.uint8:
        raise TypeError("the pipeline expects uint8 pixels (imaging.io.load_image gives them)")
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[..., 0]
    return lightness_from_uint8(np.ascontiguousarray(pixels), workers)


def restored(L: torch.Tensor, restore: Restore | None, odds: torch.Tensor | None = None) -> torch.Tensor:
    """L with the restoration `restore` asks for (none: L itself); `odds`: the damage the
    detector found on this photo, when the caller keeps it (restore/mask.py find_damage)."""
    if restore is None or not restore.active:
        return L
    from ..restore.restore import restore_lightness  # OpenCV: loaded when a photo is restored

    return restore_lightness(L, restore, odds).L


def working_shape(h: int, w: int, size: int, stride: int) -> tuple[int, int]:
    """Short side `size`, aspect kept. A photo smaller than that is not enlarged to it: each side
    goes up to the next multiple of the stride instead, so that the network sees no padding. It
    never saw any in training (its crops are multiples of the stride), and on a small photo the
    padded strip is a large share of the picture: the network then hedges its colours all over
    (docs/how-it-works.md, "Small photos")."""
    if min(h, w) < size:
        return -(-h // stride) * stride, -(-w // stride) * stride
    scale = size / min(h, w)
    return max(1, round(h * scale)), max(1, round(w * scale))


def working_L(L: torch.Tensor, size: int, stride: int) -> torch.Tensor:
    """(1, H, W) L -> (1, 1, h, w) at the working size (area-filtered when reducing)."""
    h, w = L.shape[-2:]
    wh, ww = working_shape(h, w, size, stride)
    if (wh, ww) == (h, w):
        return L[None]
    return F.interpolate(L[None], size=(wh, ww), mode="bilinear", align_corners=False, antialias=True)


@torch.inference_mode()
def network_output(model: LoadedModel, L_work: torch.Tensor, device: torch.device | str = "cpu",
                   hints: tuple[Hint, ...] = ()) -> NetOutput:
    """Run the network on (B, 1, h, w) L, padded (replicate) to its stride. Half precision on CUDA.
    `hints` apply to every photo of the batch: a network with hint inputs sees them, and they are
    kept with the output for decode."""
    spec = model.net.spec
    h, w = L_work.shape[-2:]
    ph, pw = (-h) % spec.stride, (-w) % spec.stride
    x = F.pad(L_work, (0, pw, 0, ph), mode="replicate") if ph or pw else L_work
    device = torch.device(device)
    guide = F.avg_pool2d(x.float().cpu(), spec.out_stride)
    x = x.to(device)
    inputs = (x,)
    if has_hint_inputs(model):
        planes = F.pad(hint_planes(hints, (h, w)), (0, pw, 0, ph)).expand(x.shape[0], -1, -1, -1)
        inputs = (x, planes.to(device))
    if device.type == "cuda":
        with torch.autocast("cuda", dtype=torch.float16):
            out = model.net(*inputs)
    else:
        out = model.net(*inputs)
    return NetOutput(out.float().cpu(), guide, (h, w), spec.out_stride, tuple(hints), L_work.float().cpu())


@torch.inference_mode()
def decode(model: LoadedModel, out: NetOutput, temperature: float | None = None,
           reference: Reference | None = None) -> torch.Tensor:
    """Network output -> ab (B, 2, h', w') at the network's resolution. A reference with a
    strength above 0 steers it (models/reference.py): for classification by reweighting the
    distribution over the bins before the annealed mean, otherwise by pulling ab toward the
    palette. A reference photo steers by meaning instead (models/matching.py): the model's own
    colours move toward the reference's where its content matches, by the strength times the
    confidence of the match. Without one (or at strength 0) the output is exactly the unsteered one. The hints
    (`out.hints`) are then carried on along the photo's edges (models/hint_spread.py), last, so
    that they hold over the palette: every model follows hints this way, and a network with hint
    inputs has seen them too."""
    steer = reference is not None and reference.active
    by_meaning = steer and reference.photo is not None and out.work_L is not None
    steer = steer and not by_meaning and reference.palette is not None
    if model.family != "classification":
        ab = pull_toward(out.raw, reference) if steer else out.raw
    else:
        t = default_temperature(model) if temperature is None else temperature
        if not steer:
            ab = annealed_mean(out.raw, model.bins, t)
        elif t <= 1e-4:  # the mode of the reweighted distribution
            ab = annealed_mean(reweight_logits(out.raw, model.bins, 1.0, reference), model.bins, 0.0)
        else:
            ab = annealed_mean(reweight_logits(out.raw, model.bins, t, reference), model.bins, 1.0)
    if by_meaning:
        colour, trust = matching.match(out.work_L, reference.photo)
        ab = matching.steer(ab, colour, trust, reference.strength, out.covered)
    if not out.hints:
        return ab
    return torch.stack([spread_hints(ab[i], out.guide[i], out.hints, out.working, out.out_stride)
                        for i in range(ab.shape[0])])


@torch.inference_mode()
def upsample_ab(ab_low: torch.Tensor, L: torch.Tensor, out: NetOutput, method: str = "guided") -> torch.Tensor:
    """ab (2, h', w') of one photo at the network's resolution -> (2, H, W) at the size of the
    lightness `L` (1, H, W) it will be merged with: the photo's full size, or a screen-size
    view of it. The low grid is mapped onto L exactly (the padding falls off its edges);
    `guided` follows L's edges (imaging/upsample.py), `bilinear` does not."""
    H, W = L.shape[-2:]
    h, w = out.working
    scale = (out.out_stride * H / h, out.out_stride * W / w)
    if method == "bilinear":
        return bilinear_upsample(ab_low, (H, W), scale)
    return guided_upsample(ab_low, out.guide[0], L, scale)


@torch.inference_mode()
def merge(L: torch.Tensor, ab: torch.Tensor, vibrance: float = 1.0, workers: int = 1) -> np.ndarray:
    """(1, H, W) L and (2, H, W) ab -> (H, W, 3) uint8 sRGB. `ab` is scaled in place by the
    vibrance; gamut mapping keeps L and gives up chroma."""
    if vibrance != 1.0:
        ab.mul_(vibrance)
    return lab_to_uint8(L.cpu(), ab.cpu(), workers).numpy()


def render(L: torch.Tensor, ab_low: torch.Tensor, out: NetOutput, settings: Settings = Settings()) -> np.ndarray:
    """The colour photo at the resolution of `L`: upsample_ab, then merge."""
    return merge(L, upsample_ab(ab_low, L, out, settings.upsample), settings.vibrance)


def colorize(model: LoadedModel, pixels: np.ndarray, settings: Settings = Settings(),
             device: torch.device | str = "cpu") -> np.ndarray:
    """uint8 photo -> uint8 (H, W, 3) colour photo of the same size, every step above."""
    settings = settings.for_model(model)
    L = restored(lightness(pixels), settings.restore)
    out = network_output(model, working_L(L, settings.size, model.net.spec.stride), device, settings.hints)
    return render(L, decode(model, out, settings.temperature, settings.reference)[0], out, settings)
