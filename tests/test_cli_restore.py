"""`colorizer-cli restore` and `colorize --restore` on real files: restored photos written
atomically beside nothing they could overwrite, EXIF and ICC kept, bad input named and skipped."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from PIL import Image, ImageCms
from skimage import data

from colorizer_app.cli.main import main
from colorizer_app.models.checkpoint import new_model, save_model


@pytest.fixture
def tiny_models(tmp_path, monkeypatch):
    folder = tmp_path / "weights"
    torch.manual_seed(0)
    m = new_model("regression", {"widths": (8, 8, 16), "blocks": 2})
    save_model(folder / "regression.safetensors", m.net, {"name": "regression", "steps": 1})
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(folder))
    return folder


def cracked(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h, w = gray.shape
    cover = np.zeros((h, w), np.float32)
    pts = np.array([[w * 0.1, h * 0.2], [w * 0.4, h * 0.35], [w * 0.6, h * 0.6], [w * 0.9, h * 0.7]], np.int32)
    cv2.polylines(cover, [pts.reshape(-1, 1, 2)], False, 1.0, 2, cv2.LINE_AA)
    return np.clip(gray * (1 - cover) + 250 * cover, 0, 255).astype(np.uint8), cover > 0.35


@pytest.fixture
def photos(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    gray, crack = cracked(np.array(Image.fromarray(data.chelsea()).convert("L"), np.float32))
    exif = Image.Exif()
    exif[270] = "a cracked print"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(gray).convert("RGB").save(src / "cracked.jpg", quality=95, exif=exif.tobytes(), icc_profile=icc)
    Image.fromarray(data.coffee()[::3, ::3]).save(src / "coffee.png")  # a colour photo: its lightness
    (src / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return src, crack


def test_restore_writes_restored_gray_photos_and_names_bad_input(photos, tmp_path, capsys):
    src, crack = photos
    out = tmp_path / "out"
    rc = main(["restore", str(src), "-o", str(out)])
    captured = capsys.readouterr()
    assert rc == 1  # one photo failed; the others were written
    assert "broken.png" in captured.err and "2 of 3 photos written" in captured.out
    assert sorted(p.name for p in out.iterdir()) == ["coffee_restored.png", "cracked_restored.png"]  # no temp files
    with Image.open(out / "cracked_restored.png") as o, Image.open(src / "cracked.jpg") as i:
        assert o.size == i.size and o.mode == "RGB"  # as the input: its sRGB profile still fits
        assert o.getexif().get(270) == "a cracked print" and o.info.get("icc_profile") == i.info.get("icc_profile")
        restored, original = np.array(o.convert("L")), np.array(i.convert("L"))
    assert restored[crack].mean() < original[crack].mean() - 50  # the crack is gone
    assert np.abs(restored[~crack].astype(int) - original[~crack]).mean() < 2.5  # the rest kept
    with Image.open(out / "coffee_restored.png") as o:
        assert o.size == (200, 134)
        rgb = np.array(o)
        assert (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all()  # black and white
    gray_in = src.parent / "gray_in"
    gray_in.mkdir()
    Image.fromarray(data.camera()[::4, ::4]).save(gray_in / "camera.png")
    assert main(["restore", str(gray_in), "-o", str(tmp_path / "gray_out")]) == 0
    with Image.open(tmp_path / "gray_out" / "camera_restored.png") as o:
        assert o.mode == "L" and o.size == (128, 128)


def test_restore_options_and_refusals(photos, tmp_path, capsys):
    src, _ = photos
    one = src / "cracked.jpg"
    assert main(["restore", str(one), "-o", str(tmp_path / "o1"), "--no-repair"]) == 2
    assert "nothing to do" in capsys.readouterr().err
    assert main(["restore", str(one), "-o", str(tmp_path / "o2"), "--no-repair", "--contrast", "--denoise",
                 "--format", "jpg", "--pattern", "{stem}_clean"]) == 0
    assert (tmp_path / "o2" / "cracked_clean.jpg").is_file()
    # never over the original, even when asked to write beside it under its own name
    assert main(["restore", str(one), "-o", str(src), "--pattern", "{stem}", "--format", "jpg"]) == 1
    assert "refusing to overwrite an input file" in capsys.readouterr().err
    assert main(["restore", str(one), str(tmp_path / "missing.png"), "-o", str(tmp_path / "o3")]) == 1
    captured = capsys.readouterr()
    assert captured.err.count("missing.png") == 1 and "missing.png: no such file or folder" in captured.err
    assert f"1 of 2 photos written to {tmp_path / 'o3'}; 1 failed" in captured.out


def test_colorize_restore_colours_the_repaired_photo(tiny_models, photos, tmp_path):
    src, crack = photos
    one = src / "cracked.jpg"
    assert main(["colorize", str(one), "-o", str(tmp_path / "plain"), "--model", "regression"]) == 0
    assert main(["colorize", str(one), "-o", str(tmp_path / "fixed"), "--model", "regression", "--restore"]) == 0
    plain = np.array(Image.open(tmp_path / "plain" / "cracked.png").convert("L")).astype(int)
    fixed = np.array(Image.open(tmp_path / "fixed" / "cracked.png").convert("L")).astype(int)
    assert fixed[crack].mean() < plain[crack].mean() - 50
    assert main(["colorize", str(one), "-o", str(tmp_path / "all"), "--model", "regression", "--restore",
                 "--denoise", "--contrast"]) == 0
    with Image.open(tmp_path / "all" / "cracked.png") as o:
        assert o.size == (451, 300)
