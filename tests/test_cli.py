"""`colorizer-cli` end to end on real files: colourise, evaluate, list models."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data
from skimage.color import lab2rgb, rgb2lab

from colorizer_app.cli.main import main
from colorizer_app.models.checkpoint import load_model, new_model, save_model


@pytest.fixture
def tiny_models(tmp_path, monkeypatch):
    """Tiny trained-format models of each family in a temporary bundled-weights folder."""
    folder = tmp_path / "weights"
    for family in ("regression", "classification", "gan"):
        torch.manual_seed(0)
        m = new_model(family, {"widths": (8, 8, 16), "blocks": 2})
        save_model(folder / f"{family}.safetensors", m.net, {"name": family, "steps": 1}, bins=m.bins)
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(folder))
    return folder


@pytest.fixture
def photos(tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    Image.fromarray(data.camera()[::4, ::3]).save(src / "camera.png")  # 128x171 gray
    Image.fromarray(data.astronaut()[::5, ::4]).convert("L").save(src / "sub" / "astro.jpg", quality=90)
    Image.fromarray(data.coffee()[::4, ::4]).save(src / "coffee.tif")  # colour input
    return src


def test_colorize_folder_writes_same_size_outputs(tiny_models, photos, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["colorize", str(photos), "-o", str(out), "--model", "regression", "--format", "jpg"])
    assert rc == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == ["astro.jpg", "camera.jpg", "coffee.jpg"]
    for name, src in (("camera.jpg", photos / "camera.png"), ("astro.jpg", photos / "sub" / "astro.jpg")):
        with Image.open(out / name) as o, Image.open(src) as i:
            assert o.size == i.size and o.mode == "RGB"
    captured = capsys.readouterr()
    assert "coffee.tif is already in colour" in captured.out
    assert "3 of 3 photos written" in captured.out


@pytest.mark.parametrize("fmt", ["png", "tif", "webp"])
def test_colorize_formats(tiny_models, photos, tmp_path, fmt):
    out = tmp_path / "out"
    assert main(["colorize", str(photos / "camera.png"), "-o", str(out), "--model", "classification",
                 "--format", fmt, "--pattern", "{stem}_color"]) == 0
    [f] = list(out.iterdir())
    assert f.name == f"camera_color.{fmt}"
    with Image.open(f) as o:
        assert o.size == (171, 128)


def test_bad_files_are_reported_and_the_batch_goes_on(tiny_models, photos, tmp_path, capsys):
    (photos / "notes.jpg").write_text("not a photo")
    good = (photos / "camera.png").read_bytes()
    (photos / "cut.png").write_bytes(good[: len(good) // 2])
    out = tmp_path / "out"
    rc = main(["colorize", str(photos), "-o", str(out), "--model", "gan"])
    assert rc == 1
    err = capsys.readouterr().err
    assert "notes.jpg" in err and "cut.png" in err
    names = sorted(p.name for p in out.iterdir())
    assert names == ["astro.png", "camera.png", "coffee.png"]  # nothing half-written, no temp files


def test_each_missing_input_is_named_once_and_counted_once(tiny_models, photos, tmp_path, capsys):
    gone_file, gone_folder = tmp_path / "nothere.jpg", tmp_path / "nodir"
    out = tmp_path / "out"
    rc = main(["colorize", str(photos / "camera.png"), str(gone_file), str(gone_folder), "-o", str(out)])
    captured = capsys.readouterr()
    assert rc == 1
    assert captured.err.count(str(gone_file)) == 1 and captured.err.count(str(gone_folder)) == 1
    assert f"1 of 3 photos written to {out}; 2 failed" in captured.out
    assert [p.name for p in out.iterdir()] == ["camera.png"]
    # nothing to write at all: the output folder is not made
    nowhere = tmp_path / "nowhere"
    assert main(["colorize", str(gone_file), str(gone_folder), "-o", str(nowhere)]) == 1
    captured = capsys.readouterr()
    assert captured.err.count(str(gone_file)) == 1
    assert f"0 of 2 photos written to {nowhere}; 2 failed" in captured.out
    assert not nowhere.exists()


def test_never_writes_over_an_input(tiny_models, photos, capsys):
    original = (photos / "camera.png").read_bytes()
    rc = main(["colorize", str(photos / "camera.png"), "-o", str(photos), "--format", "png"])
    assert rc == 1
    assert "refusing to overwrite" in capsys.readouterr().err
    assert (photos / "camera.png").read_bytes() == original
    assert not [p for p in photos.iterdir() if p.name.startswith(".")]


def test_same_stem_in_two_folders_gives_two_outputs(tiny_models, photos, tmp_path):
    Image.fromarray(data.camera()[::8, ::8]).save(photos / "sub" / "camera.png")
    out = tmp_path / "out"
    assert main(["colorize", str(photos), "-o", str(out)]) == 0
    assert {"camera.png", "camera_2.png"} <= {p.name for p in out.iterdir()}


def test_unknown_model_and_bad_checkpoint(tiny_models, photos, tmp_path, capsys):
    assert main(["colorize", str(photos), "-o", str(tmp_path / "o"), "--model", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown model 'nope'" in err and "natural" in err
    fake = tmp_path / "evil.safetensors"
    fake.write_bytes(b"\x80\x04\x95not safetensors at all")
    assert main(["colorize", str(photos), "-o", str(tmp_path / "o"), "--model", str(fake)]) == 2
    assert "evil.safetensors" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_eval_prints_model_and_baseline(tiny_models, tmp_path, capsys):
    folder = tmp_path / "val"
    folder.mkdir()
    for name in ("astronaut", "coffee", "chelsea"):
        Image.fromarray(getattr(data, name)()[::6, ::6]).save(folder / f"{name}.png")
    Image.fromarray(data.camera()[::6, ::6]).save(folder / "gray.png")  # no colour: not a ground truth
    report = tmp_path / "r.json"
    assert main(["eval", "--model", "regression", "--model", "classification", "--data", str(folder),
                 "--json", str(report)]) == 0
    out = capsys.readouterr().out
    assert "grayscale baseline" in out and "natural" in out and "vivid" in out  # the plain names
    figures = json.loads(report.read_text())
    base = figures["grayscale baseline"]
    assert base["count"] == 3
    assert base["colourfulness"] < 1.0 and 0 < base["auc"] < 1
    assert set(figures["natural"]) >= {"psnr", "ssim", "colourfulness", "auc", "ciede2000",
                                          "wrong_colour", "cast_a", "cast_b"}
    assert "cast a, b" in out and "bluer" in out  # the column and what its signs mean


def test_eval_per_photo_csv_holds_each_photos_own_figures(tiny_models, tmp_path, capsys):
    """The per-photo file shows where a mean comes from: a line per photo and row, whose mean is the
    table's figure, and the baseline's PSNR is that of the photo with its colour taken away (by
    scikit-image's own Lab conversion)."""
    folder = tmp_path / "val"
    (folder / "sub").mkdir(parents=True)
    photos = {"astronaut.png": data.astronaut()[::6, ::6], "sub/coffee.png": data.coffee()[::6, ::6]}
    for name, px in photos.items():
        Image.fromarray(px).save(folder / name)
    Image.fromarray(data.camera()[::6, ::6]).save(folder / "gray.png")  # no truth: no line
    report, per_photo = tmp_path / "r.json", tmp_path / "photos.csv"
    assert main(["eval", "--model", "regression", "--data", str(folder), "--json", str(report),
                 "--per-photo", str(per_photo)]) == 0
    rows = list(csv.DictReader(per_photo.open()))
    assert {(r["photo"], r["model"]) for r in rows} == {(p, m) for p in photos for m in ("grayscale baseline", "natural")}
    figures = json.loads(report.read_text())
    for model in ("grayscale baseline", "natural"):
        for key in ("psnr", "wrong_colour", "ciede2000"):
            mean = np.mean([float(r[key]) for r in rows if r["model"] == model])
            assert mean == pytest.approx(figures[model][key], rel=1e-4, abs=1e-6)
    for name, px in photos.items():
        lab = rgb2lab(px)
        lab[..., 1:] = 0
        gray = np.clip(np.round(lab2rgb(lab) * 255), 0, 255).astype(np.uint8)
        expected = 10 * np.log10(255.0**2 / np.mean((gray.astype(float) - px.astype(float)) ** 2))
        base = next(r for r in rows if r["photo"] == name and r["model"] == "grayscale baseline")
        assert float(base["psnr"]) == pytest.approx(expected, abs=0.05)
        assert float(base["colourfulness_ratio"]) < 0.02
    assert {p.name for p in tmp_path.iterdir()} == {"photos.csv", "r.json", "val", "weights"}  # no temporary files
    nowhere = tmp_path / "no such folder" / "photos.csv"
    assert main(["eval", "--model", "regression", "--data", str(folder), "--per-photo", str(nowhere)]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_eval_labels_a_model_file_by_its_path_where_its_name_is_a_bundled_models(tiny_models, tmp_path, capsys):
    """A trained file is named by its family unless told otherwise: beside the bundled model, its row
    must not pass for it; a file with a name of its own keeps that name."""
    folder = tmp_path / "val"
    folder.mkdir()
    Image.fromarray(data.astronaut()[::8, ::8]).save(folder / "astronaut.png")
    bundled = load_model(tiny_models / "regression.safetensors")
    mine = tmp_path / "mine.safetensors"
    save_model(mine, bundled.net, {**bundled.meta, "name": "regression"})
    named = tmp_path / "named.safetensors"
    save_model(named, bundled.net, {**bundled.meta, "name": "Sepia portraits"})
    report = tmp_path / "r.json"
    assert main(["eval", "--model", "natural", "--model", str(mine), "--model", str(named),
                 "--data", str(folder), "--json", str(report), "--size", "64"]) == 0
    assert set(json.loads(report.read_text())) == {"grayscale baseline", "natural", str(mine), "Sepia portraits"}


def test_info_lists_models_and_devices(tiny_models, capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "devices: cpu" in out
    for family in ("regression", "classification", "gan"):
        assert family in out
