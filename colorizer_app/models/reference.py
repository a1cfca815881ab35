"""A reference palette: the colours of a colour photo (or a folder of them) that steer a colouring.

    photo(s) -> ab of a sample of their pixels -> k-means in ab (8 to 32 colours, numpy, fixed
    seed) -> `Palette`: colours with weights (the share of the photos each covers)

`Reference` is a palette and a strength; it travels inside the pipeline's frozen `Settings` and
is applied where the network's output is decoded (pipeline.decode):

- classification: the predicted distribution over the ab bins is reweighted by the palette's
  smoothed ab histogram h before the annealed mean, p'(q) ~ p(q) * (h(q) + eps)^s, which is
  softmax(logits / T + s * log(h + eps)).
- regression, gan (ab predicted directly): each pixel's ab moves toward a soft, distance- and
  coverage-weighted mix of the palette colours, by the fraction s (1: only palette colours).

Strength 0 (or no reference) leaves the output bit for bit as it was. Palettes are saved by name
as JSON in the user data folder (`palettes_dir`). Nothing here imports Qt, and torch
only when colours are computed: the GUI holds palettes before torch has loaded.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    import torch

    from .matching import ReferencePhoto

import numpy as np

from ..temp_files import write_text_atomic

MIN_COLOURS, MAX_COLOURS, DEFAULT_COLOURS = 8, 32, 16
MAX_STRENGTH = 1.0
SAMPLE_PIXELS = 40_000  # pixels drawn from all the reference photos together
ANALYSIS_SIDE = 256  # each reference is reduced to this long side first
SEED = 0
HIST_SIGMA = 10.0  # ab units: the palette smoothed onto the bins (one bin = 10)
HIST_EPS = 1e-3  # h is scaled to a maximum of 1; bins far from every palette colour get eps
PULL_SIGMA = 15.0  # ab units: how far a palette colour reaches in the soft mix (regression, gan)
MERGE_DISTANCE = 1.0  # k-means centres closer than this in ab are one colour


class ReferenceError(ValueError):
    """A reference that cannot give a palette; the message names the file or folder."""


@dataclass(frozen=True)
class Palette:
    """Colours (a, b) and their weights (summing to 1), heaviest first. Hashable: it is part of
    the settings that key cached previews."""

    colours: tuple[tuple[float, float], ...]
    weights: tuple[float, ...]
    source: str = ""  # what it was made from, or its saved name

    def __post_init__(self) -> None:
        if not self.colours or len(self.colours) != len(self.weights):
            raise ValueError("a palette needs at least one colour and one weight per colour")

    def ab(self) -> "torch.Tensor":
        import torch

        return torch.tensor(self.colours, dtype=torch.float32)

    def w(self) -> "torch.Tensor":
        import torch

        return torch.tensor(self.weights, dtype=torch.float32)

    def rgb(self, lightness: float = 65.0) -> np.ndarray:
        """(K, 3) uint8 swatch colours at one lightness (for showing the palette)."""
        import torch

        from ..imaging.lab import lab_to_uint8

        ab = self.ab().T[:, :, None]  # (2, K, 1)
        L = torch.full((1, ab.shape[1], 1), float(lightness))
        return lab_to_uint8(L, ab).numpy()[:, 0, :]

    def display_order(self) -> list[int]:
        """Indices for showing the swatches: near-neutral colours first, then by hue."""
        def key(i: int) -> tuple:
            a, b = self.colours[i]
            return (math.hypot(a, b) >= 8.0, math.atan2(b, a) % (2 * math.pi))

        return sorted(range(len(self.colours)), key=key)

    def histogram(self, centres: torch.Tensor, sigma: float = HIST_SIGMA) -> torch.Tensor:
        """The palette smoothed onto ab bin centres (Q, 2): h (Q,), scaled to a maximum of 1."""
        import torch

        d2 = torch.cdist(centres.float(), self.ab()).square()
        h = (torch.exp(-d2 / (2 * sigma**2)) * self.w()).sum(dim=1)
        return h / h.max().clamp_min(1e-12)

    def to_json(self) -> dict:
        return {"version": 1, "source": self.source,
                "colours": [[round(a, 3), round(b, 3)] for a, b in self.colours],
                "weights": [round(w, 6) for w in self.weights]}

    @classmethod
    def from_json(cls, data: dict, source: str = "") -> "Palette":
        colours = tuple((float(a), float(b)) for a, b in data["colours"])
        weights = np.asarray(data["weights"], dtype=np.float64)
        if len(colours) != len(weights) or not np.all(np.isfinite(weights)) or np.any(weights < 0) \
                or not all(math.isfinite(a) and math.isfinite(b) for a, b in colours) or weights.sum() <= 0:
            raise ValueError("not a palette: colours and weights must be finite and match")
        weights = weights / weights.sum()
        return cls(colours, tuple(float(w) for w in weights), source or str(data.get("source", "")))


@dataclass(frozen=True)
class Reference:
    """What steers the colours and how strongly: 0 ignores it, MAX_STRENGTH keeps to it.

    A single reference photo comes as `photo` (models/matching.py): its colours go where the same
    things are, and where nothing matches the model's own colour stands. A folder or a saved
    palette comes as `palette` only: its colours exist, but not where they go. A photo's palette
    is kept beside it for showing its swatches and saving it."""

    palette: Palette | None
    strength: float = 0.5
    photo: "ReferencePhoto | None" = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.strength) and 0.0 <= self.strength <= MAX_STRENGTH):
            raise ValueError(f"reference strength must be from 0 to {MAX_STRENGTH:g}, not {self.strength}")
        if self.palette is None and self.photo is None:
            raise ValueError("a reference needs a palette or a photo")

    @property
    def active(self) -> bool:
        return self.strength > 0.0


# --------------------------------------------------------------------------- applying


def reweight_logits(logits: torch.Tensor, centres: torch.Tensor, temperature: float,
                    reference: Reference) -> torch.Tensor:
    """logits (B, Q, H, W) -> logits' such that softmax(logits') = p * (h + eps)^s / Z with
    p = softmax(logits / T); returned at temperature 1 (decode with T = 1)."""
    import torch

    h = reference.palette.histogram(centres.to(torch.float32).cpu()).to(logits.device)
    bias = reference.strength * torch.log(h + HIST_EPS)
    return logits.float() / temperature + bias[None, :, None, None]


def pull_toward(ab: torch.Tensor, reference: Reference, sigma: float = PULL_SIGMA) -> torch.Tensor:
    """ab (B, 2, H, W) -> ab moved toward the palette: a soft mix of palette colours (weighted by
    closeness and by how much of the reference each covers), blended in by the strength."""
    import torch

    pal = reference.palette.ab().to(ab.device)  # (K, 2)
    logw = torch.log(reference.palette.w().to(ab.device).clamp_min(1e-6))
    flat = ab.permute(0, 2, 3, 1).reshape(-1, 2).float()
    d2 = torch.cdist(flat, pal).square()
    mix = torch.softmax(-d2 / (2 * sigma**2) + logw, dim=1) @ pal  # (N, 2)
    target = mix.reshape(ab.shape[0], ab.shape[2], ab.shape[3], 2).permute(0, 3, 1, 2)
    s = float(reference.strength)
    return ab.float() * (1.0 - s) + target * s


# --------------------------------------------------------------------------- making


def kmeans_ab(ab: np.ndarray, k: int = DEFAULT_COLOURS, seed: int = SEED, iterations: int = 30
              ) -> tuple[np.ndarray, np.ndarray]:
    """ab (N, 2) -> (centres (K', 2), weights (K',)), K' <= k after merging coincident centres
    and dropping empty ones; heaviest first. k-means++ start with a fixed seed: deterministic."""
    ab = np.asarray(ab, dtype=np.float64)
    n = len(ab)
    if n == 0:
        raise ValueError("no pixels to make a palette from")
    k = max(1, min(int(k), n))
    rng = np.random.default_rng(seed)
    centres = [ab[rng.integers(n)]]
    d2 = ((ab - centres[0]) ** 2).sum(1)
    for _ in range(1, k):
        total = d2.sum()
        if total <= 1e-12:  # fewer distinct colours than k
            break
        centres.append(ab[rng.choice(n, p=d2 / total)])
        d2 = np.minimum(d2, ((ab - centres[-1]) ** 2).sum(1))
    c = np.array(centres)
    for _ in range(iterations):
        labels = ((ab[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
        new = np.array([ab[labels == j].mean(0) if np.any(labels == j) else c[j] for j in range(len(c))])
        if np.allclose(new, c, atol=1e-3):
            c = new
            break
        c = new
    labels = ((ab[:, None, :] - c[None]) ** 2).sum(-1).argmin(1)
    counts = np.bincount(labels, minlength=len(c)).astype(np.float64)
    # merge centres that coincide (k larger than the number of distinct colours)
    out_c: list[np.ndarray] = []
    out_w: list[float] = []
    for j in np.argsort(-counts):
        if counts[j] == 0:
            continue
        for i, oc in enumerate(out_c):
            if np.hypot(*(oc - c[j])) < MERGE_DISTANCE:
                total = out_w[i] + counts[j]
                out_c[i] = (oc * out_w[i] + c[j] * counts[j]) / total
                out_w[i] = total
                break
        else:
            out_c.append(c[j].copy())
            out_w.append(counts[j])
    w = np.array(out_w) / n
    order = np.argsort(-w, kind="stable")
    return np.array(out_c)[order], w[order]


def ab_of_pixels(pixels: np.ndarray) -> np.ndarray:
    """uint8 (H, W, 3) -> ab (H*W, 2) float64."""
    import torch

    from ..imaging.lab import rgb_to_lab

    rgb = torch.from_numpy(np.ascontiguousarray(pixels)).permute(2, 0, 1).float().div_(255.0)
    lab = rgb_to_lab(rgb)
    return lab[1:].reshape(2, -1).T.double().numpy()


def _reduced(pixels: np.ndarray, side: int = ANALYSIS_SIDE) -> np.ndarray:
    from PIL import Image

    h, w = pixels.shape[:2]
    if max(h, w) <= side:
        return pixels
    s = side / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return np.array(Image.fromarray(pixels).resize(size, Image.Resampling.BOX))


def palette_from_pixels(images: Iterable[np.ndarray], k: int = DEFAULT_COLOURS, source: str = "",
                        seed: int = SEED) -> Palette:
    """Colour uint8 images -> their palette; each image counts by its share of the pixels
    sampled (photos reduced to the same long side weigh about the same)."""
    if not MIN_COLOURS <= k <= MAX_COLOURS:
        raise ValueError(f"a palette has {MIN_COLOURS} to {MAX_COLOURS} colours, not {k}")
    abs_ = [ab_of_pixels(_reduced(p)) for p in images]
    ab = np.concatenate(abs_) if abs_ else np.zeros((0, 2))
    rng = np.random.default_rng(seed)
    if len(ab) > SAMPLE_PIXELS:
        ab = ab[rng.choice(len(ab), SAMPLE_PIXELS, replace=False)]
    centres, weights = kmeans_ab(ab, k, seed)
    return Palette(tuple((float(a), float(b)) for a, b in centres), tuple(float(w) for w in weights), source)


def colour_photo(path: str | Path) -> np.ndarray:
    """A reference photo's pixels; a grayscale one is refused with a message naming it."""
    from ..imaging.io import ImageError, is_colour_pixels, load_image

    try:
        img = load_image(path)
    except ImageError as e:
        raise ReferenceError(str(e)) from e
    if img.pixels.ndim != 3 or not is_colour_pixels(img.pixels):
        raise ReferenceError(f"{path}: is a grayscale photo; a reference must be a colour photo")
    return img.pixels


def reference_parts(path: str | Path, k: int = DEFAULT_COLOURS) -> tuple[Palette, "ReferencePhoto | None"]:
    """What a chosen photo or folder gives: its palette and, for a single photo, the photo ready
    to be matched by meaning (models/matching.py); the palette is shown as swatches and is what a
    saved palette keeps. The GUI makes these on a worker thread, then sets the strength."""
    path = Path(path)
    if not path.is_file():
        return palette_from_path(path, k), None
    from .matching import reference_photo

    pixels = colour_photo(path)
    return palette_from_pixels([pixels], k, source=str(path)), reference_photo(pixels, str(path))


def reference_from(spec: str | Path, strength: float, k: int = DEFAULT_COLOURS) -> Reference:
    """A photo (matched by meaning), a folder or a saved palette's name (a palette) -> a Reference."""
    if Path(spec).exists():
        palette, photo = reference_parts(spec, k)
        return Reference(palette, strength, photo)
    return Reference(resolve(spec, k), strength)


def palette_from_path(path: str | Path, k: int = DEFAULT_COLOURS, limit: int = 200) -> Palette:
    """A colour photo, or a folder of photos (its colour ones, up to `limit`), -> its palette.
    A grayscale photo, or a folder with no colour photo, is refused with a message naming it."""
    from ..imaging.io import ImageError, is_colour_pixels, iter_image_files, load_image

    path = Path(path)
    if not path.exists():
        raise ReferenceError(f"{path}: no such file or folder")
    if path.is_dir():
        images = []
        for f in iter_image_files([path])[:limit]:
            try:
                img = load_image(f)
            except ImageError:
                continue
            if img.pixels.ndim == 3 and is_colour_pixels(img.pixels):
                images.append(_reduced(img.pixels))
        if not images:
            raise ReferenceError(f"{path}: no colour photos in this folder to take colours from")
        return palette_from_pixels(images, k, source=str(path))
    return palette_from_pixels([colour_photo(path)], k, source=str(path))


# --------------------------------------------------------------------------- saved palettes


_NAME = re.compile(r"^[\w][\w .-]{0,63}$")


def palettes_dir() -> Path:
    import platformdirs

    from .registry import APP_NAME

    env = os.environ.get("COLORIZER_PALETTES")
    return Path(env) if env else Path(platformdirs.user_data_dir(APP_NAME)) / "palettes"


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.match(name) or name.endswith("."):
        raise ValueError(f"{name!r} is not a usable palette name (letters, digits, space, . _ -)")
    return name


def save_palette(palette: Palette, name: str) -> Path:
    name = check_name(name)
    folder = palettes_dir()
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{name}.json"
    write_text_atomic(dest, json.dumps(palette.to_json(), indent=1))
    return dest


def saved_palettes() -> list[str]:
    folder = palettes_dir()
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


def load_palette(name: str) -> Palette:
    f = palettes_dir() / f"{check_name(name)}.json"
    try:
        return Palette.from_json(json.loads(f.read_text()), source=name)
    except FileNotFoundError:
        raise ReferenceError(f"no saved palette named {name!r} (saved: {', '.join(saved_palettes()) or 'none'})")
    except (ValueError, KeyError, TypeError) as e:
        raise ReferenceError(f"{f}: not a palette ({e})") from e


def resolve(spec: str | Path, k: int = DEFAULT_COLOURS) -> Palette:
    """A photo, a folder, or the name of a saved palette -> a palette."""
    p = Path(spec)
    if p.exists():
        return palette_from_path(p, k)
    try:
        check_name(str(spec))
    except ValueError:
        raise ReferenceError(f"{spec}: no such file or folder")
    if (palettes_dir() / f"{str(spec).strip()}.json").exists():
        return load_palette(str(spec))
    raise ReferenceError(f"{spec}: no such file, folder or saved palette")
