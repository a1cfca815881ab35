"""Colours from a reference photo by meaning (models/matching.py): they land on what matches,
wherever it is, and leave alone what the reference does not show."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data
from skimage.color import rgb2lab
from skimage.transform import resize

from colorizer_app.cli.main import main
from colorizer_app.engine import Colorizer
from colorizer_app.imaging.lab import uint8_to_lab_batch
from colorizer_app.models import matching
from colorizer_app.models.checkpoint import new_model, save_model
from colorizer_app.models.reference import Reference, ReferenceError, reference_from, reference_parts

SQUARE = 80


def scene(corner: tuple[int, int], red: bool, seed: int = 0) -> np.ndarray:
    """A gray, softly waving background with a striped square at `corner` (red in a reference)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:256, 0:256]
    base = 110 + 25 * np.sin(xx / 9.0) * np.cos(yy / 13.0) + 6 * rng.normal(size=(256, 256))
    img = np.repeat(np.clip(base, 0, 255)[..., None], 3, axis=2)
    sy, sx = np.mgrid[0:SQUARE, 0:SQUARE]
    stripes = np.where(((sx + sy) // 6) % 2 == 0, 230.0, 40.0)
    patch = np.stack([stripes, stripes * 0.25, stripes * 0.2] if red else [stripes] * 3, axis=-1)
    y, x = corner
    img[y:y + SQUARE, x:x + SQUARE] = patch
    return img.round().astype(np.uint8)


def lightness(rgb: np.ndarray) -> torch.Tensor:
    return uint8_to_lab_batch(torch.from_numpy(np.ascontiguousarray(rgb))[None])[:, :1]


def test_colour_lands_on_the_square_wherever_it_moved():
    ref = matching.reference_photo(scene((150, 150), red=True))
    colour, trust = matching.match(lightness(scene((20, 30), red=False, seed=1)), ref)
    cell = matching.CELL
    inside = (slice(None), slice(None), slice(20 // cell + 1, (20 + SQUARE) // cell - 1),
              slice(30 // cell + 1, (30 + SQUARE) // cell - 1))
    where_it_was = (slice(None), slice(None), slice(160 // cell, 220 // cell), slice(160 // cell, 220 // cell))
    assert float(colour[:, :1][inside].mean()) > 25  # red (a > 0) on the square
    assert float(trust[inside].mean()) > 0.8
    assert abs(float(colour[:, :1][where_it_was].mean())) < 5  # the background's gray where it was


@pytest.mark.parametrize("reference", ["stripes", "coffee"])
def test_a_reference_with_nothing_alike_leaves_the_colours(reference):
    """A portrait against a striped pattern or a cup of coffee: nothing matches, no colour moves."""
    torch.manual_seed(0)
    model = new_model("regression", {"widths": (8, 8, 16), "blocks": 2})
    photo = (resize(data.astronaut(), (192, 192), anti_aliasing=True) * 255).astype(np.uint8)
    pixels = scene((100, 100), red=True) if reference == "stripes" else data.coffee()
    c = Colorizer(model, device="cpu")
    plain = c.colorize(photo).rgb
    steered = c.colorize(photo, c.settings.__class__(reference=Reference(None, 1.0, matching.reference_photo(pixels)))).rgb
    assert np.abs(plain.astype(int) - steered.astype(int)).max() <= 2


def test_the_pipeline_steers_by_the_match_and_by_the_strength():
    torch.manual_seed(0)
    model = new_model("regression", {"widths": (8, 8, 16), "blocks": 2})
    photo = scene((100, 40), red=False, seed=2)
    ref = matching.reference_photo(scene((10, 150), red=True))
    c = Colorizer(model, device="cpu")
    square = (slice(110, 170), slice(50, 110))
    a = {}
    for s in (0.0, 0.5, 1.0):
        settings = c.settings.__class__(reference=Reference(None, s, ref))
        a[s] = float(rgb2lab(c.colorize(photo, settings).rgb)[square][..., 1].mean())
    assert a[0.0] < a[0.5] < a[1.0] and a[1.0] > 20


def test_reference_photo_of_any_size_and_grayscale_refused(tmp_path):
    wide = tmp_path / "wide.png"
    Image.fromarray(np.tile(data.coffee(), (1, 6, 1))).save(wide)  # 400 x 3600
    palette, photo = reference_parts(wide)
    assert photo is not None and photo.features.shape[1] <= matching.MAX_REFERENCE_CELLS
    assert photo.features.shape[1] == photo.ab.shape[1] == photo.shape[0] * photo.shape[1]
    gray = tmp_path / "gray.png"
    Image.fromarray(data.camera()).save(gray)
    with pytest.raises(ReferenceError, match="grayscale"):
        reference_from(gray, 0.5)
    folder = tmp_path / "folder"
    folder.mkdir()
    Image.fromarray(data.coffee()).save(folder / "c.png")
    assert reference_from(folder, 0.5).photo is None  # a folder gives a palette only


def test_cli_eval_shifted_and_colorize_with_a_photo_reference(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "weights"
    for family in ("regression", "classification"):
        torch.manual_seed(0)
        m = new_model(family, {"widths": (8, 8, 16), "blocks": 2})
        save_model(folder / f"{family}.safetensors", m.net, {"name": family, "steps": 1}, bins=m.bins)
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(folder))
    val = tmp_path / "val"
    val.mkdir()
    Image.fromarray(scene((40, 40), red=True)).save(val / "square.png")
    Image.fromarray(data.coffee()[::4, ::4]).save(val / "coffee.png")
    assert main(["eval", "--model", "natural", "--model", "vivid", "--data", str(val), "--size", "128",
                 "--reference-shifted", "--reference-strength", "1"]) == 0
    out = capsys.readouterr().out
    rows = {line.split("  ")[0].strip(): line for line in out.splitlines()}
    assert "natural + own colours shifted s=1" in rows and "vivid + own colours shifted s=1" in rows
    assert "ab error" in out
    gray = tmp_path / "in"
    gray.mkdir()
    Image.fromarray(scene((120, 100), red=False)).convert("L").save(gray / "g.png")
    assert main(["colorize", str(gray), "-o", str(tmp_path / "out"), "--reference", str(val / "square.png"),
                 "--reference-strength", "1"]) == 0
    result = rgb2lab(np.asarray(Image.open(tmp_path / "out" / "g.png")))
    assert result[130:190, 110:170, 1].mean() > 15  # the red went onto the square
