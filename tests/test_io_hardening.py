"""Reading and writing photos under awkward conditions: formats beyond the usual five, frames,
float ranges, non-finite pixels, photos too large for the memory there is, stopped saves."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from colorizer_app.imaging import io as imio
from colorizer_app.imaging.io import (
    READABLE_EXTENSIONS,
    ImageError,
    SaveAbandoned,
    check_writable_folder,
    iter_image_files,
    load_image,
    save_image,
)
from colorizer_app.imaging.lab import lab_to_uint8, lightness_from_uint8


def ramp(h: int = 24, w: int = 36) -> np.ndarray:
    return np.tile(np.linspace(0, 255, w).astype(np.uint8), (h, 1))


def test_still_image_formats_are_found_in_folders(tmp_path):
    assert {".gif", ".tga", ".ppm", ".pgm", ".pcx", ".qoi"} <= READABLE_EXTENSIONS
    for name, fmt in (("a.gif", "GIF"), ("b.tga", "TGA"), ("c.pgm", "PPM"), ("d.pcx", "PCX")):
        Image.fromarray(ramp()).save(tmp_path / name, fmt)
    (tmp_path / "e.ico").write_bytes(b"not looked for")
    found = [p.name for p in iter_image_files([tmp_path])]
    assert found == ["a.gif", "b.tga", "c.pgm", "d.pcx"]
    for name in found:
        img = load_image(tmp_path / name)
        assert img.size == (36, 24) and img.notes == []


def test_a_multi_page_tiff_gives_its_first_page_with_a_note(tmp_path):
    pages = [Image.fromarray(np.full((20, 30), v, np.uint8)) for v in (40, 180)]
    pages[0].save(tmp_path / "scan.tif", save_all=True, append_images=pages[1:])
    img = load_image(tmp_path / "scan.tif")
    assert int(img.pixels.mean()) == 40
    assert img.notes == ["TIFF file with 2 frames: the first one is used"]


def test_float_images_are_scaled_by_their_real_range(tmp_path):
    values = np.array([[0.0, 0.51, 1.02]], dtype=np.float32)
    Image.fromarray(values, "F").save(tmp_path / "over.tif")
    img = load_image(tmp_path / "over.tif")
    assert img.pixels.tolist() == [[0, 128, 255]]
    assert img.notes == ["floating-point values up to 1.02: scaled so that 1.02 is white"]


def test_non_finite_pixels_are_clamped_with_a_note_or_refused(tmp_path):
    values = np.array([[0.0, 0.5, np.inf], [np.nan, 1.0, -np.inf]], dtype=np.float32)
    Image.fromarray(values, "F").save(tmp_path / "odd.tif")
    img = load_image(tmp_path / "odd.tif")
    assert img.pixels.tolist() == [[0, 128, 255], [0, 255, 0]]
    assert img.notes == ["3 pixels not a finite number (NaN or infinite): NaN taken as black, "
                         "infinity as the brightest value"]
    Image.fromarray(np.full((4, 4), np.nan, np.float32), "F").save(tmp_path / "nan.tif")
    with pytest.raises(ImageError, match="nan.tif: cannot decode image: no pixel has a finite value"):
        load_image(tmp_path / "nan.tif")


def png_of(width: int, height: int) -> bytes:
    """A whole, valid 1-bit PNG of this size, a few KB however large (it compresses to nothing)."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    z = zlib.compressobj(9)
    data = b"".join(z.compress(row) for _ in range(height)) + z.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def test_a_photo_too_large_for_the_memory_there_is_is_refused_before_decoding(tmp_path, monkeypatch):
    path = tmp_path / "huge.png"
    path.write_bytes(png_of(15000, 15000))  # 225 MP in a few KB
    assert path.stat().st_size < 300_000
    monkeypatch.setattr(imio, "available_memory", lambda: 2 * 2**30)  # a machine with 2 GiB free
    with pytest.raises(ImageError) as info:
        load_image(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: image is too large for the memory available (15000x15000 = 225 MP")
    assert "2.0 GiB is free" in msg
    small = tmp_path / "small.png"
    small.write_bytes(png_of(300, 200))
    assert load_image(small).size == (300, 200)  # what fits is read as before


def test_the_output_folder_is_checked_and_made(tmp_path):
    assert check_writable_folder(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert list((tmp_path / "a" / "b").iterdir()) == []  # the probe is gone
    (tmp_path / "file").write_text("x")
    with pytest.raises(ImageError, match="file: is a file, not a folder"):
        check_writable_folder(tmp_path / "file")


def test_a_stopped_save_leaves_nothing(tmp_path):
    with pytest.raises(SaveAbandoned):
        save_image(ramp(), tmp_path / "out.png", should_stop=lambda: True)
    assert list(tmp_path.iterdir()) == []


def test_temporary_photo_names_carry_the_process_and_match_the_cleanup_pattern(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr(imio.os, "replace", spy)
    save_image(ramp(), tmp_path / "photo.jpg")
    [name] = seen
    assert name.startswith(f".photo.{os.getpid()}-") and name.endswith(".tmp.jpg")
    assert imio.TEMP_NAME.fullmatch(name)


def test_png_compression_choice(tmp_path):
    img = (np.random.default_rng(0).normal(128, 20, (120, 160))).clip(0, 255).astype(np.uint8)
    save_image(img, tmp_path / "fast.png")
    save_image(img, tmp_path / "small.png", png="small")
    assert (tmp_path / "small.png").stat().st_size <= (tmp_path / "fast.png").stat().st_size
    assert np.array_equal(np.asarray(Image.open(tmp_path / "fast.png")), img)
    with pytest.raises(ValueError, match="unknown PNG compression 'tiny'"):
        save_image(img, tmp_path / "x.png", png="tiny")


def test_full_resolution_conversions_give_the_same_pixels_on_any_number_of_threads():
    g = torch.Generator().manual_seed(1)
    rgb = (torch.rand((700, 900, 3), generator=g) * 255).to(torch.uint8)  # several stripes
    L1 = lightness_from_uint8(rgb, workers=1)
    assert torch.equal(L1, lightness_from_uint8(rgb, workers=3))
    ab = torch.randn((2, 700, 900), generator=g) * 60
    assert torch.equal(lab_to_uint8(L1, ab, workers=1), lab_to_uint8(L1, ab, workers=3))
