"""Hints carried along the photo's edges after the network (models/hint_spread.py): a hint's
colour holds at its point, reaches the region it sits in, stops at an edge, fades far away, and
reaches the photo through the pipeline; the colour a user sees at a hint is the hint's."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage import color

from colorizer_app.engine import Colorizer
from colorizer_app.models import pipeline
from colorizer_app.models.checkpoint import new_model
from colorizer_app.models.hint_spread import REACH, REFERENCE_CELLS, grid_cell, spread_hints
from colorizer_app.models.hints import Hint

STRIDE = 4


def grid(h: int, w: int, left_L: float = 50.0, right_L: float = 50.0):
    """A flat ab = 0 prediction on an (h, w) grid, and a guide with an L step in its middle."""
    guide = torch.full((1, h, w), left_L)
    guide[..., w // 2:] = right_L
    return torch.zeros((2, h, w)), guide, (h * STRIDE, w * STRIDE)


def hint_at(row: int, col: int, shape, a: float, b: float) -> Hint:
    h, w = shape
    return Hint((col + 0.5) / w, (row + 0.5) / h, a, b)


def test_without_hints_the_colours_are_untouched():
    ab = torch.randn(2, 12, 16)
    out = spread_hints(ab, torch.rand(1, 12, 16) * 100, (), (48, 64), STRIDE)
    assert torch.equal(out, ab)


def test_the_hint_holds_at_its_point_and_reaches_its_neighbourhood():
    ab, guide, working = grid(36, 36)
    ab += torch.tensor([5.0, 10.0])[:, None, None]  # the network's colour everywhere
    out = spread_hints(ab, guide, (hint_at(18, 18, (36, 36), 40.0, -30.0),), working, STRIDE)
    assert out[:, 18, 18].tolist() == pytest.approx([40.0, -30.0], abs=1.0)
    assert out[:, 19, 19].tolist() == pytest.approx([40.0, -30.0], abs=1.0)  # its 5 x 5 square: 2 x 2 cells
    near = out[:, 18, 21] - ab[:, 18, 21]  # two cells past the square: most of the correction
    assert near[0] > 0.5 * 35 and near[1] < 0.5 * -40


def test_the_correction_stops_at_an_edge_in_the_lightness():
    ab, guide, working = grid(36, 36, left_L=30.0, right_L=80.0)
    out = spread_hints(ab, guide, (hint_at(18, 15, (36, 36), 40.0, 0.0),), working, STRIDE)
    same_side = float(out[0, 18, 17])  # next to the hint's cells (15, 16), before the edge at column 18
    across = float(out[0, 18, 18])  # just past the edge
    flat, _, _ = grid(36, 36)
    unblocked = float(spread_hints(flat, grid(36, 36)[1], (hint_at(18, 15, (36, 36), 40.0, 0.0),),
                                   working, STRIDE)[0, 18, 18])
    assert same_side > 30.0
    assert across < 0.05 * unblocked  # the edge holds back almost all of what an even photo passes


def test_the_correction_fades_with_distance_on_photos_of_any_size():
    for cells in (REFERENCE_CELLS, 2 * REFERENCE_CELLS):
        ab, guide, working = grid(cells, cells)
        out = spread_hints(ab, guide, (hint_at(0, 0, (cells, cells), 50.0, 0.0),), working, STRIDE)
        profile = out[0, 0].numpy()
        assert np.all(np.diff(profile) <= 1e-6)  # never grows away from the hint
        far = profile[int(3 * REACH * cells / REFERENCE_CELLS)]  # the reach is a share of the photo
        assert far < 0.1 * 50.0, f"{cells} cells: {far:.1f} left three reaches away"


def test_hint_cells_map_fractions_of_the_photo_onto_the_padded_grid():
    # a 50 x 70 working image, padded to 52 x 72 and output at 1/4: 13 x 18 cells
    assert grid_cell(0.0, 0.0, (50, 70), 4, (13, 18)) == (0, 0)
    assert grid_cell(1.0, 1.0, (50, 70), 4, (13, 18)) == (12, 17)
    assert grid_cell(0.5, 0.5, (50, 70), 4, (13, 18)) == (6, 8)


def test_the_photo_takes_the_hint_colour_at_the_hint_and_not_across_an_edge():
    """Through the whole pipeline, with a tiny untrained hint model: whatever the network makes of
    the hint, the user sees the hint's colour where they put it, and the other side of a sharp
    edge keeps the network's colours."""
    torch.manual_seed(0)
    model = new_model("regression", {"widths": (8, 8, 16), "blocks": 2, "hint_channels": 3})
    c = Colorizer(model, device="cpu")
    photo = np.full((240, 320), 150, np.uint8)  # two flat grays, an edge down the middle
    photo[:, 160:] = 90
    hint = Hint(0.25, 0.5, 15.0, -20.0)  # a mild blue, in gamut at this lightness
    lab = color.rgb2lab(c.colorize(photo, pipeline.Settings(hints=(hint,))).rgb)
    plain = color.rgb2lab(c.colorize(photo).rgb)
    assert lab[118:123, 78:83, 1:].mean(axis=(0, 1)) == pytest.approx([hint.a, hint.b], abs=2.5)  # its square
    assert np.abs(lab[:, 168:, 1:] - plain[:, 168:, 1:]).max() < 2.0
