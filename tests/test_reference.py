"""Reference palettes (models/reference.py): k-means in ab, steering each family's decoding,
strength 0 changing nothing, grayscale references refused, saved palettes, and the CLI."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data

from colorizer_app.cli.main import main
from colorizer_app.imaging.lab import rgb_to_lab
from colorizer_app.models import pipeline
from colorizer_app.models.checkpoint import new_model, save_model
from colorizer_app.models.pipeline import Settings
from colorizer_app.models.reference import (
    Palette, Reference, ReferenceError, load_palette, palette_from_path, palette_from_pixels,
    saved_palettes, save_palette,
)

TINY = {"widths": (8, 8, 16), "blocks": 2}
RED, BLUE = (200, 30, 30), (30, 60, 200)


def ab_of(rgb) -> np.ndarray:
    t = torch.tensor(rgb, dtype=torch.float32).view(3, 1, 1) / 255
    return rgb_to_lab(t)[1:, 0, 0].numpy()


def two_colour_image(frac_red: float = 0.75, size: int = 64) -> np.ndarray:
    img = np.empty((size, size, 3), np.uint8)
    cut = round(size * frac_red)
    img[:cut] = RED
    img[cut:] = BLUE
    return img


def test_kmeans_finds_both_colours_with_their_weights():
    pal = palette_from_pixels([two_colour_image(0.75)], k=8)
    assert len(pal.colours) == 2  # coincident centres merged
    (c1, c2), (w1, w2) = pal.colours, pal.weights
    assert np.allclose(c1, ab_of(RED), atol=0.5) and np.allclose(c2, ab_of(BLUE), atol=0.5)
    assert w1 == pytest.approx(0.75, abs=0.01) and w2 == pytest.approx(0.25, abs=0.01)
    assert palette_from_pixels([two_colour_image(0.75)], k=8) == pal  # deterministic


def test_palette_of_a_photo_is_deterministic_and_bounded():
    photo = data.coffee()[::4, ::4]
    a = palette_from_pixels([photo], k=12)
    assert a == palette_from_pixels([photo], k=12)
    assert 2 <= len(a.colours) <= 12 and sum(a.weights) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        palette_from_pixels([photo], k=4)
    assert a.rgb().shape == (len(a.colours), 3)


def test_grayscale_reference_is_refused_naming_the_file(tmp_path):
    gray = tmp_path / "grandad.png"
    Image.fromarray(data.camera()[::4, ::4]).convert("RGB").save(gray)  # RGB file, gray content
    with pytest.raises(ReferenceError, match="grandad.png.*grayscale"):
        palette_from_path(gray)
    folder = tmp_path / "grays"
    folder.mkdir()
    Image.fromarray(data.camera()[::4, ::4]).save(folder / "a.png")
    with pytest.raises(ReferenceError, match="grays.*no colour photos"):
        palette_from_path(folder)


def test_folder_palette_mixes_its_colour_photos(tmp_path):
    Image.fromarray(np.full((32, 32, 3), RED, np.uint8)).save(tmp_path / "red.png")
    Image.fromarray(np.full((32, 32, 3), BLUE, np.uint8)).save(tmp_path / "blue.png")
    Image.fromarray(data.camera()[::8, ::8]).save(tmp_path / "gray.png")  # skipped
    pal = palette_from_path(tmp_path, k=8)
    assert len(pal.colours) == 2 and pal.weights[0] == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize("family", ["classification", "regression", "gan"])
def test_strength_zero_is_bit_identical(family):
    torch.manual_seed(0)
    m = new_model(family, TINY)
    photo = data.astronaut()[::8, ::8].copy()
    pal = palette_from_pixels([data.coffee()[::8, ::8]], k=8)
    plain = pipeline.colorize(m, photo, Settings(size=64))
    zero = pipeline.colorize(m, photo, Settings(size=64, reference=Reference(pal, 0.0)))
    assert np.array_equal(plain, zero)
    steered = pipeline.colorize(m, photo, Settings(size=64, reference=Reference(pal, 1.0)))
    assert not np.array_equal(plain, steered)


def _net_output(logits: torch.Tensor) -> pipeline.NetOutput:
    return pipeline.NetOutput(logits, torch.zeros(1, 1, *logits.shape[-2:]), (8, 8), 4)


def test_classification_reweighting_moves_the_colour_toward_the_palette():
    m = new_model("classification", TINY)
    bins = m.bins
    torch.manual_seed(1)
    logits = torch.randn(1, bins.shape[0], 2, 2)  # a broad distribution: decodes to a dull mean
    target = np.array(ab_of(BLUE))
    pal = Palette(((float(target[0]), float(target[1])),), (1.0,))
    out = _net_output(logits)
    before = pipeline.decode(m, out, 0.38)
    dists = []
    for s in (0.0, 0.3, 1.0):
        ab = pipeline.decode(m, out, 0.38, Reference(pal, s))
        dists.append(float((ab - torch.tensor(target).view(1, 2, 1, 1)).norm(dim=1).mean()))
    assert torch.equal(pipeline.decode(m, out, 0.38, Reference(pal, 0.0)), before)
    assert dists[0] > dists[1] > dists[2]
    assert dists[2] < 15  # at full strength close to the palette's one colour
    mode = pipeline.decode(m, out, 0.0, Reference(pal, 1.0))  # the mode path too
    assert float((mode - torch.tensor(target).view(1, 2, 1, 1)).norm(dim=1).mean()) < 10


def test_regression_pull_moves_ab_toward_the_nearest_palette_colour():
    m = new_model("regression", TINY)
    raw = torch.zeros(1, 2, 2, 2)
    raw[0, 0], raw[0, 1] = 40.0, 20.0  # an orange-red everywhere, nearer the first colour
    pal = Palette(((60.0, 40.0), (-10.0, -50.0)), (0.5, 0.5))
    half = pipeline.decode(m, _net_output(raw), reference=Reference(pal, 0.5))
    full = pipeline.decode(m, _net_output(raw), reference=Reference(pal, 1.0))
    assert torch.allclose(full[0, :, 0, 0], torch.tensor([60.0, 40.0]), atol=3)  # the nearer one
    assert torch.allclose(half, (raw + full) / 2, atol=1e-4)


def test_strength_is_checked():
    pal = Palette(((0.0, 0.0),), (1.0,))
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError):
            Reference(pal, bad)


def test_palettes_are_saved_and_loaded_by_name():
    pal = palette_from_pixels([two_colour_image()], k=8, source="x.png")
    save_palette(pal, "Town postcard")
    assert saved_palettes() == ["Town postcard"]
    back = load_palette("Town postcard")
    assert np.allclose(back.colours, pal.colours, atol=1e-3) and np.allclose(back.weights, pal.weights, atol=1e-5)
    with pytest.raises(ValueError):
        save_palette(pal, "../evil")
    with pytest.raises(ReferenceError, match="no saved palette"):
        load_palette("missing")


# --------------------------------------------------------------------------- the command line


@pytest.fixture
def tiny_models(tmp_path, monkeypatch):
    folder = tmp_path / "weights"
    for family in ("regression", "classification"):
        torch.manual_seed(0)
        m = new_model(family, TINY)
        save_model(folder / f"{family}.safetensors", m.net, {"name": family, "steps": 1}, bins=m.bins)
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(folder))
    return folder


def test_cli_colorize_with_a_reference(tiny_models, tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    # the photo: the cup in black and white; the reference: the same cup in colour, mirrored
    Image.fromarray(data.coffee()[::8, ::8]).convert("L").save(src / "cup.png")
    ref = tmp_path / "coffee.png"
    Image.fromarray(np.ascontiguousarray(data.coffee()[::8, ::-8])).save(ref)
    plain, steered = tmp_path / "plain", tmp_path / "steered"
    assert main(["colorize", str(src), "-o", str(plain), "--model", "classification"]) == 0
    assert main(["colorize", str(src), "-o", str(steered), "--model", "classification",
                 "--reference", str(ref), "--reference-strength", "1", "--save-palette", "coffee"]) == 0
    a, b = (np.array(Image.open(d / "cup.png")) for d in (plain, steered))
    assert a.shape == b.shape and not np.array_equal(a, b)
    assert saved_palettes() == ["coffee"]
    # the saved palette is the photo's palette: the same colours as a folder holding only that photo
    # (a palette says which colours, not where: it steers differently from the photo itself)
    folder = tmp_path / "refs"
    folder.mkdir()
    Image.fromarray(np.ascontiguousarray(data.coffee()[::8, ::-8])).save(folder / "coffee.png")
    again, by_folder = tmp_path / "again", tmp_path / "by_folder"
    for out, spec in ((again, "coffee"), (by_folder, str(folder))):
        assert main(["colorize", str(src), "-o", str(out), "--model", "classification",
                     "--reference", spec, "--reference-strength", "1"]) == 0
    c, d = (np.array(Image.open(p / "cup.png")).astype(int) for p in (again, by_folder))
    assert np.abs(c - d).max() <= 1  # the saved palette's colours are rounded to 0.001 in its JSON
    assert not np.array_equal(c, a)


def test_cli_refuses_a_bad_reference(tiny_models, tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(data.camera()[::8, ::8]).save(src / "camera.png")
    out = tmp_path / "out"
    assert main(["colorize", str(src), "-o", str(out), "--reference", str(src / "camera.png")]) == 2
    err = capsys.readouterr().err
    assert "camera.png" in err and "grayscale" in err
    assert not out.exists()  # refused before any photo (or folder) is written
    assert main(["colorize", str(src), "-o", str(out), "--reference", str(tmp_path / "nope.jpg")]) == 2
    assert "nope.jpg" in capsys.readouterr().err
    assert main(["colorize", str(src), "-o", str(out), "--reference", str(src / "camera.png"),
                 "--reference-strength", "3"]) == 2
    assert "--reference-strength" in capsys.readouterr().err


def test_cli_eval_reference_rows(tiny_models, tmp_path, capsys):
    folder = tmp_path / "val"
    folder.mkdir()
    for name in ("astronaut", "coffee", "chelsea"):
        Image.fromarray(getattr(data, name)()[::8, ::8]).save(folder / f"{name}.png")
    for extra in (["--reference-self"], ["--reference-neighbour"], ["--reference", str(folder / "coffee.png")]):
        assert main(["eval", "--model", "classification", "--model", "regression", "--data", str(folder),
                     *extra, "--reference-strength", "0.5", "--reference-strength", "1"]) == 0
        out = capsys.readouterr().out
        assert "vivid + " in out and "s=0.5" in out and "natural + " in out and "s=1" in out
