"""Colours a model finds likely at a point of a photo: the suggestions offered when a hint is
placed (as ideepcolor's suggestion palette does). They come from a classification model's
distribution over the ab bins there, its distinct modes in order of probability; a model that
predicts one colour (regression, gan) has one suggestion, its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from . import hint_spread
from .checkpoint import LoadedModel
from .pipeline import NetOutput

MIN_SEPARATION = 18.0  # ab units between two suggestions: closer ones are the same colour to the eye
MIN_SHARE = 0.02  # bins less likely than this are not offered


@dataclass(frozen=True)
class Suggestion:
    a: float
    b: float
    probability: float  # of the colours around this one; 1.0 for a model that predicts one colour


def grid_cell(out: NetOutput, x: float, y: float) -> tuple[int, int]:
    """The cell of the network's output grid that holds the point (x, y), fractions of the photo."""
    return hint_spread.grid_cell(x, y, out.working, out.out_stride, tuple(out.raw.shape[-2:]))


@torch.inference_mode()
def likely_colours(model: LoadedModel, out: NetOutput, x: float, y: float, k: int = 6) -> list[Suggestion]:
    """Up to `k` distinct colours, most likely first, at the point (x, y) of the photo whose
    network output is `out` (one photo; the 3 x 3 cells around the point are pooled)."""
    row, col = grid_cell(out, x, y)
    r0, c0 = max(0, row - 1), max(0, col - 1)
    cells = out.raw[0, :, r0:row + 2, c0:col + 2].float()
    if model.family != "classification":
        ab = cells.mean(dim=(1, 2))
        return [Suggestion(float(ab[0]), float(ab[1]), 1.0)]
    p = torch.softmax(cells, dim=0).mean(dim=(1, 2))
    centres = model.bins.float()
    chosen: list[Suggestion] = []
    for i in torch.argsort(p, descending=True).tolist():
        if len(chosen) == k or float(p[i]) < MIN_SHARE:
            break
        a, b = (float(v) for v in centres[i])
        if all((a - s.a) ** 2 + (b - s.b) ** 2 >= MIN_SEPARATION ** 2 for s in chosen):
            near = (centres - centres[i]).square().sum(1) < MIN_SEPARATION ** 2
            chosen.append(Suggestion(a, b, float(p[near].sum())))  # the mode and the bins around it
    return chosen
