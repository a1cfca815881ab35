"""Colours from a reference photo by meaning: the reference's colours go where the same things are.

Exemplar-based colourisation (He et al. 2018, "Deep Exemplar-based Colorization"): the photo and
the reference (its lightness only, so colour cannot guide the match) go through the ImageNet-
pretrained encoder; every cell of the photo (an 8 x 8 pixel square of the working image) is
compared with every cell of the reference by the cosine similarity of their features at three
levels (strides 8, 16 and 32: texture, parts, objects), and takes the colours of the cells that
look most alike (a softmax over the reference). How alike the best match is gives a confidence:
where nothing in the reference looks like this part of the photo (a face against a forest) it is
near 0 and the model's own colour stands.

    reference photo -> ReferencePhoto (its cells' features and mean colours; once)
    photo's working L -> match -> colour and confidence per cell -> steer (in pipeline.decode)
"""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from ..imaging.lab import rgb_to_lab
from .effnet_lite import EfficientNetLite, pretrained_encoder

MATCH_SIDE = 256  # short side both photos are matched at (the app's working size)
CELL = 8  # pixels of the working image per matched cell (the finest feature level's stride)
MAX_REFERENCE_CELLS = 64 * 64  # a reference of extreme aspect is reduced further to stay within this
SOFTMAX_T = 0.02  # cosine similarity units: the reference cells within a few hundredths of the best share
# The confidence ramps from 0 to 1 as the best match's similarity goes from TRUST_LOW to TRUST_HIGH;
# measured on the validation photos (scripts/reference_matching.py): the photo's own colour original,
# flipped and cropped, matches at 0.85-0.95, unrelated photos (forest for a portrait) at 0.5-0.65.
TRUST_LOW, TRUST_HIGH = 0.62, 0.8
MATCHES_KEPT = 8


@functools.lru_cache(maxsize=1)
def encoder() -> EfficientNetLite:
    """The ImageNet weights as they come (the installed registry package): what a photo shows,
    the same for every colour model."""
    return pretrained_encoder().eval()


def match_size(h: int, w: int, side: int = MATCH_SIDE) -> tuple[int, int]:
    """A photo's size for matching: short side about `side`, both sides multiples of 32 (the
    encoder's stride), aspect kept as nearly as that allows."""
    s = side / min(h, w)
    return max(32, round(h * s / 32) * 32), max(32, round(w * s / 32) * 32)


def _working(L: torch.Tensor) -> torch.Tensor:
    """(B, 1, h, w) -> its match_size."""
    size = match_size(*L.shape[-2:])
    return F.interpolate(L, size=size, mode="bilinear", align_corners=False, antialias=size[0] < L.shape[-2])


@torch.inference_mode()
def cell_features(L: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) L at a multiple of 32 -> (B, D, H/8, W/8) unit-length feature vectors: the
    three deepest-but-one levels, each normalised, so the cosine similarity is their mean."""
    enc = encoder()
    (_, f8, f16, f32), _ = enc.features(enc.stem(enc.stem_input(L)))
    size = f8.shape[-2:]
    levels = [F.normalize(f8, dim=1)]
    for f in (f16, f32):
        levels.append(F.normalize(F.interpolate(f, size=size, mode="bilinear", align_corners=False), dim=1))
    return torch.cat(levels, dim=1) / len(levels) ** 0.5


@dataclass(frozen=True, eq=False)
class ReferencePhoto:
    """A reference photo ready to match against: its cells' features and mean colours. Compared
    and hashed by identity: the same chosen photo is the same reference (pipeline settings key
    cached previews by it)."""

    features: torch.Tensor  # (D, N)
    ab: torch.Tensor  # (2, N)
    shape: tuple[int, int]  # cells (rows, columns)
    source: str = ""
    _matches: dict = field(default_factory=dict, repr=False)  # id(L) -> (weakref to L, colour, trust)

    def remembered(self, L: torch.Tensor):
        entry = self._matches.get(id(L))
        return entry[1:] if entry is not None and entry[0]() is L else None

    def remember(self, L: torch.Tensor, colour: torch.Tensor, trust: torch.Tensor) -> None:
        """Kept for the few photos last matched (one per photo on screen), not beyond."""
        self._matches.pop(id(L), None)
        self._matches[id(L)] = (weakref.ref(L), colour, trust)
        while len(self._matches) > MATCHES_KEPT:
            self._matches.pop(next(iter(self._matches)))


@torch.inference_mode()
def reference_photo(pixels: np.ndarray, source: str = "") -> ReferencePhoto:
    """A colour uint8 (H, W, 3) photo -> its ReferencePhoto (about 30 ms at 256 px on two cores)."""
    h, w = pixels.shape[:2]
    side = MATCH_SIDE
    nh, nw = match_size(h, w, side)
    while side > 32 and (nh // CELL) * (nw // CELL) > MAX_REFERENCE_CELLS:  # a very wide photo: larger cells
        side -= 32
        nh, nw = match_size(h, w, side)
    # brought to its matching size before anything else (a 24 MP reference costs what a small one
    # does), with the filter the photo's lightness is brought to its size with (_working)
    rgb = torch.from_numpy(np.ascontiguousarray(pixels[..., :3])).permute(2, 0, 1)[None].float() / 255.0
    rgb = F.interpolate(rgb, size=(nh, nw), mode="bilinear", align_corners=False, antialias=nh < h)
    lab = rgb_to_lab(rgb.clamp(0.0, 1.0))
    feats = cell_features(lab[:, :1])[0]
    ab = F.avg_pool2d(lab[:, 1:], CELL)[0]
    rows, cols = feats.shape[-2:]
    return ReferencePhoto(feats.reshape(feats.shape[0], -1).contiguous(), ab.reshape(2, -1).contiguous(),
                          (rows, cols), source)


@torch.inference_mode()
def match(L_work: torch.Tensor, ref: ReferencePhoto) -> tuple[torch.Tensor, torch.Tensor]:
    """The photo's working L (B, 1, h, w) -> for each cell the reference's colour (B, 2, r, c) and
    the confidence in it (B, 1, r, c), 0 to 1; cells of CELL pixels at MATCH_SIDE. Kept with the
    reference for as long as the photo's L lives, so a strength change does not match again."""
    cached = ref.remembered(L_work)
    if cached is not None:
        return cached
    feats = cell_features(_working(L_work.float()))
    b, d, r, c = feats.shape
    sims = torch.einsum("bdn,dm->bnm", feats.reshape(b, d, -1), ref.features)  # (B, cells, ref cells)
    best = sims.max(dim=2).values
    weights = torch.softmax((sims - best[..., None]) / SOFTMAX_T, dim=2)
    colour = torch.einsum("bnm,cm->bcn", weights, ref.ab).reshape(b, 2, r, c)
    trust = ((best - TRUST_LOW) / (TRUST_HIGH - TRUST_LOW)).clamp(0, 1).reshape(b, 1, r, c)
    ref.remember(L_work, colour, trust)
    return colour, trust


def on_grid(cells: torch.Tensor, grid: tuple[int, int], covered: tuple[int, int]) -> torch.Tensor:
    """Per-cell values (B, C, r, c) over the whole working image -> the network's output grid
    `grid`, of which the first `covered` rows and columns are the image (the rest is padding)."""
    x = F.interpolate(cells, size=covered, mode="bilinear", align_corners=False)
    return F.pad(x, (0, grid[1] - covered[1], 0, grid[0] - covered[0]), mode="replicate")


def steer(ab: torch.Tensor, colour: torch.Tensor, trust: torch.Tensor, strength: float,
          covered: tuple[int, int] | None = None) -> torch.Tensor:
    """ab (B, 2, H, W) at the network's resolution, moved toward the matched colours by the
    strength times the confidence; `covered`: how much of that grid is the photo (default all)."""
    grid = tuple(ab.shape[-2:])
    covered = covered or grid
    w = strength * on_grid(trust, grid, covered)
    return ab.float() * (1 - w) + on_grid(colour, grid, covered) * w

