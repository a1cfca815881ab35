"""Tests for colorizer_app.imaging.io: every image is made here, in tmp_path."""

from __future__ import annotations

import os
import pickle
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile, JpegImagePlugin

from colorizer_app.imaging import io as imio
from colorizer_app.imaging.io import (
    MAX_PIXELS,
    OUTPUT_FORMATS,
    SUPPORTED_EXTENSIONS,
    ImageError,
    LoadedImage,
    iter_image_files,
    load_image,
    output_path,
    save_image,
)

MAKE = 0x010F
ORIENTATION = 0x0112


# --------------------------------------------------------------------------- helpers


def gradient(h: int = 24, w: int = 36) -> np.ndarray:
    """A smooth, clearly coloured RGB image (smooth so lossy codecs stay close)."""
    y, x = np.mgrid[0:h, 0:w]
    r = 40 + 180 * x / (w - 1)
    g = 200 - 150 * y / (h - 1)
    b = np.full_like(r, 90.0)
    return np.stack([r, g, b], axis=2).round().astype(np.uint8)


def gray_ramp(h: int = 24, w: int = 36) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return (20 + 200 * (x + y) / (h + w - 2)).round().astype(np.uint8)


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def exif_bytes(**tags: object) -> bytes:
    exif = Image.Exif()
    for name, value in tags.items():
        exif[getattr(ExifTags.Base, name)] = value
    return exif.tobytes()


def raw_exif_with_thumbnail_ifd(orientation: int) -> bytes:
    """Big-endian EXIF: IFD0 = Make "Cam" + Orientation, linked to an IFD1 (thumbnail)."""
    ifd0 = 8
    ifd1 = ifd0 + 2 + 2 * 12 + 4
    tiff = b"MM" + struct.pack(">HI", 42, ifd0)
    tiff += struct.pack(">H", 2)
    tiff += struct.pack(">HHI4s", MAKE, 2, 4, b"Cam\x00")
    tiff += struct.pack(">HHIHH", ORIENTATION, 3, 1, orientation, 0)
    tiff += struct.pack(">I", ifd1)
    tiff += struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0103, 3, 1, 6, 0) + struct.pack(">I", 0)
    return b"Exif\x00\x00" + tiff


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height but which holds almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def rgb16_tiff(data: np.ndarray) -> bytes:
    """An uncompressed little-endian 16-bit-per-channel RGB TIFF (Pillow cannot write one)."""
    h, w, _ = data.shape
    pixels = data.astype("<u2").tobytes()
    entries = [  # tag, type, count, value (None: offset filled in below)
        (256, 3, 1, w), (257, 3, 1, h), (258, 3, 3, None), (259, 3, 1, 1), (262, 3, 1, 2),
        (273, 4, 1, None), (277, 3, 1, 3), (278, 3, 1, h), (279, 4, 1, len(pixels)), (284, 3, 1, 1),
    ]
    bps_offset = 8 + 2 + 12 * len(entries) + 4
    pixel_offset = bps_offset + 6
    out = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        if tag == 258:
            out += struct.pack("<HHII", tag, kind, count, bps_offset)
        elif tag == 273:
            out += struct.pack("<HHII", tag, kind, count, pixel_offset)
        elif kind == 3:
            out += struct.pack("<HHIHH", tag, kind, count, value, 0)
        else:
            out += struct.pack("<HHII", tag, kind, count, value)
    return out + struct.pack("<I", 0) + struct.pack("<HHH", 16, 16, 16) + pixels


def files_in(folder: Path) -> list[str]:
    """Everything in folder, hidden temporaries included."""
    return sorted(p.name for p in folder.iterdir())


def noise_jpeg(path: Path) -> bytes:
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (64, 96, 3), dtype=np.uint8)).save(path, "JPEG")
    return path.read_bytes()


# --------------------------------------------------------------------------- constants, small API


def test_constants():
    assert SUPPORTED_EXTENSIONS == {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp"}
    assert OUTPUT_FORMATS == {"png": ".png", "jpg": ".jpg", "tif": ".tif", "webp": ".webp"}
    assert MAX_PIXELS == 250_000_000


def test_image_error_names_file_and_pickles(tmp_path):
    err = ImageError(tmp_path / "photo.jpg", "file is truncated")
    assert str(err) == f"{tmp_path / 'photo.jpg'}: file is truncated"
    assert err.path == tmp_path / "photo.jpg"
    copy = pickle.loads(pickle.dumps(err))  # batch workers send errors between processes
    assert str(copy) == str(err) and copy.path == err.path


def test_loaded_image_size_is_width_height(tmp_path):
    Image.fromarray(gradient(24, 36)).save(tmp_path / "a.png")
    img = load_image(str(tmp_path / "a.png"))
    assert isinstance(img, LoadedImage)
    assert img.path == tmp_path / "a.png"
    assert img.size == (36, 24)


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize(
    "ext, exact",
    [("png", True), ("tif", True), ("tiff", True), ("bmp", True),
     ("jpg", False), ("jpeg", False), ("webp", False)],
)
def test_colour_round_trip(tmp_path, ext, exact):
    rgb = gradient()
    out = save_image(rgb, tmp_path / f"out.{ext}")
    assert out == tmp_path / f"out.{ext}"
    assert files_in(tmp_path) == [f"out.{ext}"]  # no temporary file left
    img = load_image(out)
    assert img.pixels.dtype == np.uint8 and img.pixels.shape == (24, 36, 3)
    assert img.is_colour
    diff = np.abs(img.pixels.astype(int) - rgb)
    if exact:
        assert diff.max() == 0
    else:
        assert diff.mean() < 3 and diff.max() < 25


@pytest.mark.parametrize(
    "ext, exact", [("png", True), ("tif", True), ("bmp", True), ("jpg", False), ("webp", False)]
)
def test_gray_round_trip_stays_2d(tmp_path, ext, exact):
    gray = gray_ramp()
    img = load_image(save_image(gray, tmp_path / f"g.{ext}"))
    assert img.pixels.shape == gray.shape and not img.is_colour
    diff = np.abs(img.pixels.astype(int) - gray)
    assert diff.max() == 0 if exact else diff.max() <= 3


def test_jpeg_quality_and_subsampling(tmp_path):
    rgb = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    high = save_image(rgb, tmp_path / "high.jpg", quality=95)
    low = save_image(rgb, tmp_path / "low.jpg", quality=50)
    with Image.open(high) as im:
        assert JpegImagePlugin.get_sampling(im) == 0  # 4:4:4
    with Image.open(low) as im:
        assert JpegImagePlugin.get_sampling(im) == 2  # Pillow's default 4:2:0
    assert low.stat().st_size < high.stat().st_size


# --------------------------------------------------------------------------- input modes


def test_mode_1(tmp_path):
    bits = np.zeros((10, 16), dtype=bool)
    bits[:, 8:] = True
    Image.fromarray(bits).save(tmp_path / "bits.png")
    img = load_image(tmp_path / "bits.png")
    assert img.source_mode == "1" and not img.is_colour
    assert img.pixels.shape == (10, 16)
    assert set(np.unique(img.pixels)) == {0, 255} and img.pixels[0, 15] == 255


def test_mode_l(tmp_path):
    Image.fromarray(gray_ramp()).save(tmp_path / "l.png")
    img = load_image(tmp_path / "l.png")
    assert img.source_mode == "L" and not img.is_colour
    np.testing.assert_array_equal(img.pixels, gray_ramp())


def test_mode_la_composited_over_white(tmp_path):
    la = np.zeros((4, 3, 2), dtype=np.uint8)
    la[..., 0] = 100
    la[:, 0, 1] = 0  # transparent -> white
    la[:, 1, 1] = 255  # opaque -> 100
    la[:, 2, 1] = 128  # half -> between
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    img = load_image(tmp_path / "la.png")
    assert img.source_mode == "LA" and not img.is_colour and img.pixels.ndim == 2
    assert list(img.pixels[0]) == [255, 100, round((100 * 128 + 255 * 127) / 255)]


def test_mode_rgba_composited_over_white(tmp_path):
    rgba = np.zeros((2, 2, 4), dtype=np.uint8)
    rgba[0, 0] = (200, 10, 10, 255)
    rgba[0, 1] = (200, 10, 10, 0)
    rgba[1, :] = (0, 0, 255, 255)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "rgba.png")
    img = load_image(tmp_path / "rgba.png")
    assert img.source_mode == "RGBA" and img.is_colour
    assert img.pixels[0, 0].tolist() == [200, 10, 10]
    assert img.pixels[0, 1].tolist() == [255, 255, 255]
    assert img.pixels[1, 0].tolist() == [0, 0, 255]


def test_mode_p_colour_palette(tmp_path):
    pal = Image.new("P", (8, 4))
    pal.putpalette([255, 0, 0, 0, 128, 0] + [0] * 762)
    pal.paste(1, (4, 0, 8, 4))
    pal.save(tmp_path / "p.png")
    img = load_image(tmp_path / "p.png")
    assert img.source_mode == "P" and img.is_colour
    assert img.pixels[0, 0].tolist() == [255, 0, 0]
    assert img.pixels[0, 7].tolist() == [0, 128, 0]


def test_mode_p_with_transparency(tmp_path):
    pal = Image.new("P", (8, 4))
    pal.putpalette([0, 0, 200, 60, 60, 60] + [0] * 762)
    pal.paste(1, (4, 0, 8, 4))
    pal.save(tmp_path / "pt.png", transparency=1)  # index 1 is transparent
    img = load_image(tmp_path / "pt.png")
    assert img.source_mode == "P" and img.is_colour
    assert img.pixels[0, 0].tolist() == [0, 0, 200]
    assert img.pixels[0, 7].tolist() == [255, 255, 255]


def test_gray_palette_comes_back_2d(tmp_path):
    Image.fromarray(gray_ramp()).convert("P").save(tmp_path / "gp.png")
    img = load_image(tmp_path / "gp.png")
    assert img.source_mode == "P" and not img.is_colour
    np.testing.assert_array_equal(img.pixels, gray_ramp())


@pytest.mark.parametrize("ext", ["jpg", "tif"])
def test_mode_cmyk(tmp_path, ext):
    cmyk = np.zeros((8, 12, 4), dtype=np.uint8)
    cmyk[:, 4:8, 0] = 255  # cyan
    cmyk[:, 8:, 3] = 255  # black
    Image.fromarray(cmyk, "CMYK").save(tmp_path / f"c.{ext}")
    img = load_image(tmp_path / f"c.{ext}")
    assert img.source_mode == "CMYK" and img.is_colour and img.pixels.shape == (8, 12, 3)
    tol = 0 if ext == "tif" else 6
    np.testing.assert_allclose(img.pixels[4, 1], [255, 255, 255], atol=tol)
    np.testing.assert_allclose(img.pixels[4, 5], [0, 255, 255], atol=tol)
    np.testing.assert_allclose(img.pixels[4, 10], [0, 0, 0], atol=tol)


def test_cmyk_with_unusable_profile_falls_back_and_drops_it(tmp_path):
    cmyk = np.zeros((8, 8, 4), dtype=np.uint8)
    cmyk[..., 0] = 255
    # An RGB profile on CMYK data: lcms refuses it, so Pillow's plain conversion is used.
    Image.fromarray(cmyk, "CMYK").save(tmp_path / "c.tif", icc_profile=srgb_icc())
    img = load_image(tmp_path / "c.tif")
    assert img.pixels[0, 0].tolist() == [0, 255, 255]
    assert img.icc_profile is None  # a CMYK profile would misdescribe the RGB result


@pytest.mark.parametrize("ext", ["png", "tif"])
def test_mode_i16_scaled_to_8_bit(tmp_path, ext):
    values = np.array([[0, 128, 129, 257], [1000, 32768, 65534, 65535]], dtype=np.uint16)
    Image.fromarray(values).save(tmp_path / f"g16.{ext}")
    img = load_image(tmp_path / f"g16.{ext}")
    assert img.source_mode in ("I;16", "I;16B", "I") and not img.is_colour  # "I" before Pillow 10.x
    assert img.pixels.dtype == np.uint8
    np.testing.assert_array_equal(img.pixels, np.rint(values / 257).astype(np.uint8))
    assert img.pixels.tolist() == [[0, 0, 1, 1], [4, 128, 255, 255]]


def test_mode_i16_big_endian_tiff(tmp_path):
    values = np.array([[0, 129, 1000, 65535]], dtype=">u2")
    Image.frombytes("I;16B", (4, 1), values.tobytes()).save(tmp_path / "be.tif")
    img = load_image(tmp_path / "be.tif")
    assert img.source_mode == "I;16B"
    assert img.pixels.tolist() == [[0, 1, 4, 255]]


def test_mode_i_16_bit_range_is_scaled_and_clipped(tmp_path):
    values = np.array([[-5, 0, 1000], [32768, 65535, 100000]], dtype=np.int32)
    Image.fromarray(values, "I").save(tmp_path / "i.tif")
    img = load_image(tmp_path / "i.tif")
    assert img.source_mode == "I"
    assert img.pixels.tolist() == [[0, 0, 4], [128, 255, 255]]


def test_mode_i_8_bit_range_is_kept(tmp_path):
    values = np.array([[0, 17, 255]], dtype=np.int32)
    Image.fromarray(values, "I").save(tmp_path / "i8.tif")
    assert load_image(tmp_path / "i8.tif").pixels.tolist() == [[0, 17, 255]]


def test_mode_f_unit_range(tmp_path):
    values = np.array([[0.0, 0.5, 1.0], [np.nan, -0.2, 0.25]], dtype=np.float32)
    Image.fromarray(values, "F").save(tmp_path / "f.tif")
    img = load_image(tmp_path / "f.tif")
    assert img.source_mode == "F" and not img.is_colour
    assert img.pixels.tolist() == [[0, 128, 255], [0, 0, 64]]


def test_16_bit_rgb_tiff(tmp_path):
    data = (np.arange(4 * 6 * 3, dtype=np.uint32).reshape(4, 6, 3) * 900).astype(np.uint16)
    (tmp_path / "rgb16.tif").write_bytes(rgb16_tiff(data))
    img = load_image(tmp_path / "rgb16.tif")
    assert img.is_colour and img.pixels.shape == (4, 6, 3) and img.pixels.dtype == np.uint8
    # Pillow keeps the high byte of each sample, within one level of value / 257.
    assert np.abs(img.pixels.astype(int) - np.rint(data / 257)).max() <= 1


def test_rgb_webp_and_bmp(tmp_path):
    Image.fromarray(gradient()).save(tmp_path / "a.bmp")
    Image.fromarray(np.dstack([gradient(), np.full((24, 36), 255, np.uint8)]), "RGBA").save(
        tmp_path / "a.webp", lossless=True
    )
    for name in ("a.bmp", "a.webp"):
        img = load_image(tmp_path / name)
        np.testing.assert_array_equal(img.pixels, gradient())


# --------------------------------------------------------------------------- colour detection


def test_gray_stored_as_rgb_is_2d(tmp_path):
    gray = gray_ramp()
    Image.fromarray(np.dstack([gray] * 3)).save(tmp_path / "g.png")
    img = load_image(tmp_path / "g.png")
    assert img.source_mode == "RGB" and not img.is_colour
    np.testing.assert_array_equal(img.pixels, gray)


def test_colour_threshold(tmp_path):
    rng = np.random.default_rng(2)
    base = np.dstack([np.full((100, 100), 120, np.uint8)] * 3)
    noisy = base.copy()
    noisy[..., 0] += rng.integers(0, 3, (100, 100), dtype=np.uint8)  # spread <= 2: still gray
    specks = base.copy()
    specks[0, :5] = (255, 0, 0)  # 0.05 % of pixels: still gray
    tinted = base.copy()
    tinted[0, :20] = (255, 0, 0)  # 0.2 %: colour
    expected = {"noisy": False, "specks": False, "tinted": True}
    for name, arr in (("noisy", noisy), ("specks", specks), ("tinted", tinted)):
        Image.fromarray(arr).save(tmp_path / f"{name}.png")
        img = load_image(tmp_path / f"{name}.png")
        assert img.is_colour is expected[name], name
        assert img.pixels.ndim == (3 if expected[name] else 2)


def test_real_photos(tmp_path):
    data = pytest.importorskip("skimage.data")
    Image.fromarray(data.astronaut()).save(tmp_path / "astronaut.jpg", quality=90)
    Image.fromarray(np.dstack([data.camera()] * 3)).save(tmp_path / "camera.jpg", quality=90)
    assert load_image(tmp_path / "astronaut.jpg").is_colour
    camera = load_image(tmp_path / "camera.jpg")  # JPEG of gray-as-RGB: chroma noise only
    assert not camera.is_colour and camera.pixels.shape == (512, 512)


# --------------------------------------------------------------------------- EXIF and ICC


def make_oriented_jpeg(path: Path, orientation: int = 6) -> np.ndarray:
    """40x20 image, red block top-left, saved with EXIF orientation, Make and an sRGB profile."""
    rgb = np.full((20, 40, 3), 200, np.uint8)
    rgb[:5, :5] = (255, 0, 0)
    Image.fromarray(rgb).save(
        path,
        quality=95,
        exif=exif_bytes(Make="TestCam", Orientation=orientation),
        icc_profile=srgb_icc(),
    )
    return rgb


def test_exif_orientation_applied(tmp_path):
    make_oriented_jpeg(tmp_path / "rot.jpg", orientation=6)
    img = load_image(tmp_path / "rot.jpg")
    assert img.size == (20, 40) and img.pixels.shape == (40, 20, 3)
    # Orientation 6 = rotate 90 degrees clockwise to display: top-left ends up top-right.
    assert img.pixels[1, 18, 0] > 200 and img.pixels[1, 18, 1] < 60
    assert img.pixels[1, 1, 1] > 150
    exif = Image.Exif()
    exif.load(img.exif)
    assert img.exif.startswith(b"Exif\x00\x00")
    assert exif[ORIENTATION] == 1 and exif[MAKE] == "TestCam"
    assert img.icc_profile == srgb_icc()


def test_exif_edit_keeps_bytes_and_unlinks_thumbnail(tmp_path):
    raw = raw_exif_with_thumbnail_ifd(orientation=8)
    before = Image.Exif()
    before.load(raw)
    assert before.get_ifd(ExifTags.IFD.IFD1)  # the helper really links a thumbnail IFD
    Image.fromarray(gradient(20, 40)).save(tmp_path / "t.jpg", exif=raw)
    img = load_image(tmp_path / "t.jpg")
    assert img.size == (20, 40)  # orientation 8: rotated a quarter turn
    after = Image.Exif()
    after.load(img.exif)
    assert after[ORIENTATION] == 1 and after[MAKE] == "Cam"
    assert not after.get_ifd(ExifTags.IFD.IFD1)
    assert len(img.exif) == len(raw)  # edited in place, nothing re-serialised


def test_long_orientation_is_reset_too(tmp_path):
    raw = bytearray(raw_exif_with_thumbnail_ifd(orientation=6))
    entry = 6 + 8 + 2 + 12  # second IFD0 entry: Orientation
    raw[entry + 2 : entry + 12] = struct.pack(">HII", 4, 1, 6)  # stored as LONG instead of SHORT
    Image.fromarray(gradient(20, 40)).save(tmp_path / "long.jpg", exif=bytes(raw))
    img = load_image(tmp_path / "long.jpg")
    assert img.size == (20, 40)
    after = Image.Exif()
    after.load(img.exif)
    assert after[ORIENTATION] == 1


def test_broken_exif_does_not_break_loading(tmp_path):
    Image.fromarray(gradient()).save(tmp_path / "junk.jpg", exif=b"Exif\x00\x00" + b"\x07" * 40)
    img = load_image(tmp_path / "junk.jpg")
    assert img.size == (36, 24) and img.exif is None


def test_tiff_tags_become_exif_without_layout_tags(tmp_path):
    rgb = np.full((20, 40, 3), 90, np.uint8)
    rgb[0, 0] = (255, 0, 0)
    Image.fromarray(rgb).save(tmp_path / "scan.tif", exif=exif_bytes(Make="ScanCo", Orientation=6))
    img = load_image(tmp_path / "scan.tif")
    assert img.size == (20, 40)
    exif = Image.Exif()
    exif.load(img.exif)
    assert exif[MAKE] == "ScanCo"
    assert exif.get(ORIENTATION, 1) == 1
    assert 273 not in exif and 256 not in exif  # no strip offsets / width from the TIFF


@pytest.mark.parametrize("ext", ["jpg", "png", "tif", "webp"])
def test_exif_and_icc_survive_save(tmp_path, ext):
    make_oriented_jpeg(tmp_path / "in.jpg")
    src = load_image(tmp_path / "in.jpg")
    target = tmp_path / "out" / f"res.{ext}"  # the folder does not exist yet
    out = save_image(src.pixels, target, exif=src.exif, icc_profile=src.icc_profile)
    with Image.open(out) as im:
        assert im.info.get("icc_profile") == srgb_icc()
        exif = im.getexif()
        assert exif[MAKE] == "TestCam"
        assert exif.get(ORIENTATION, 1) == 1
    assert load_image(out).size == (20, 40)  # not rotated a second time


def test_bmp_skips_metadata_silently(tmp_path):
    make_oriented_jpeg(tmp_path / "in.jpg")
    src = load_image(tmp_path / "in.jpg")
    out = save_image(src.pixels, tmp_path / "res.bmp", exif=src.exif, icc_profile=src.icc_profile)
    assert load_image(out).size == (20, 40)


def test_exif_without_header_is_accepted(tmp_path):
    raw = exif_bytes(Make="Bare")[6:]  # as WebP stores it: no "Exif\0\0"
    out = save_image(gradient(), tmp_path / "bare.jpg", exif=raw)
    with Image.open(out) as im:
        assert im.getexif()[MAKE] == "Bare"


def test_icc_for_another_colour_space_is_dropped(tmp_path):
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    out = save_image(gradient(), tmp_path / "lab.png", icc_profile=lab)
    gray_out = save_image(gray_ramp(), tmp_path / "gray.png", icc_profile=srgb_icc())
    for path in (out, gray_out):
        with Image.open(path) as im:
            assert "icc_profile" not in im.info


# --------------------------------------------------------------------------- bad inputs


def assert_error(path: Path, fragment: str) -> ImageError:
    with pytest.raises(ImageError) as info:
        load_image(path)
    assert path.name in str(info.value) and fragment in str(info.value)
    assert info.value.path == path
    return info.value


def test_text_file_named_jpg(tmp_path):
    (tmp_path / "notes.jpg").write_text("not a picture\n" * 10)
    assert_error(tmp_path / "notes.jpg", "not a supported image")


def test_icon_named_jpg_is_refused(tmp_path):
    """A format outside the still-photo list (here a Windows icon) is refused whatever its name."""
    Image.new("RGB", (16, 16)).save(tmp_path / "icon.jpg", "ICO")
    assert_error(tmp_path / "icon.jpg", "not a supported image")


def test_truncated_jpeg(tmp_path):
    data = noise_jpeg(tmp_path / "full.jpg")
    (tmp_path / "half.jpg").write_bytes(data[: len(data) // 2])
    assert_error(tmp_path / "half.jpg", "file is truncated")


def test_truncated_png(tmp_path):
    Image.fromarray(gradient()).save(tmp_path / "full.png")
    data = (tmp_path / "full.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    assert_error(tmp_path / "cut.png", "truncated")


def test_truncated_jpeg_fails_even_if_pillow_allows_truncation(tmp_path, monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = noise_jpeg(tmp_path / "full.jpg")
    (tmp_path / "half.jpg").write_bytes(data[: len(data) // 2])
    assert_error(tmp_path / "half.jpg", "file is truncated")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the caller's setting is restored


def test_corrupt_png_data(tmp_path):
    Image.fromarray(gradient()).save(tmp_path / "ok.png")
    data = bytearray((tmp_path / "ok.png").read_bytes())
    data[60:120] = b"\xff" * 60
    (tmp_path / "bad.png").write_bytes(bytes(data))
    assert_error(tmp_path / "bad.png", "")


@pytest.mark.parametrize("pillow_limit", [None, 89_478_485])
def test_bomb_header_refused_before_decoding(tmp_path, monkeypatch, pillow_limit):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", pillow_limit)
    (tmp_path / "bomb.png").write_bytes(png_header_only(100_000, 100_000))
    assert_error(tmp_path / "bomb.png", "too large")
    assert Image.MAX_IMAGE_PIXELS == pillow_limit


# Pillow (limited to MAX_PIXELS while we load) warns before our own check refuses the file.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_max_pixels_is_the_policy(tmp_path, monkeypatch):
    Image.fromarray(gradient(10, 30)).save(tmp_path / "small.png")
    monkeypatch.setattr(imio, "MAX_PIXELS", 299)
    assert_error(tmp_path / "small.png", "too large")
    monkeypatch.setattr(imio, "MAX_PIXELS", 300)
    assert load_image(tmp_path / "small.png").size == (30, 10)


def test_low_pillow_limit_does_not_refuse_normal_photos(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)
    Image.fromarray(gradient()).save(tmp_path / "a.png")
    assert load_image(tmp_path / "a.png").size == (36, 24)
    assert Image.MAX_IMAGE_PIXELS == 10


def test_missing_directory_and_empty(tmp_path):
    assert_error(tmp_path / "nope.png", "file not found")
    (tmp_path / "folder.jpg").mkdir()
    assert_error(tmp_path / "folder.jpg", "directory")
    (tmp_path / "empty.png").write_bytes(b"")
    assert_error(tmp_path / "empty.png", "empty")


# --------------------------------------------------------------------------- saving safely


def protected_spellings(tmp_path: Path) -> list[tuple[str, Path]]:
    src = tmp_path / "input.png"
    (tmp_path / "sub").mkdir()
    spellings = [("same", src), ("dotdot", tmp_path / "sub" / ".." / "input.png")]
    if hasattr(os, "symlink") and sys.platform != "win32":
        os.symlink(src, tmp_path / "alias.png")
        os.link(src, tmp_path / "hard.png")
        spellings += [("symlink", tmp_path / "alias.png"), ("hardlink", tmp_path / "hard.png")]
    return spellings


def test_save_refuses_protected_input(tmp_path):
    src = tmp_path / "input.png"
    Image.fromarray(gradient()).save(src)
    original = src.read_bytes()
    for label, target in protected_spellings(tmp_path):
        before = files_in(tmp_path)
        with pytest.raises(ImageError, match="refusing to overwrite an input file") as info:
            save_image(gray_ramp(), target, protected=[str(src)])
        assert target.name in str(info.value), label
        assert src.read_bytes() == original, label
        assert files_in(tmp_path) == before, label


def test_save_refuses_relative_spelling_of_input(tmp_path, monkeypatch):
    src = tmp_path / "input.png"
    Image.fromarray(gradient()).save(src)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ImageError, match="refusing"):
        save_image(gray_ramp(), tmp_path / "input.png", protected=[Path("input.png")])
    assert load_image(src).is_colour


def test_save_overwrites_unprotected_file_and_creates_folders(tmp_path):
    target = tmp_path / "a" / "b" / "out.png"
    save_image(gradient(), target, protected=[tmp_path / "input.png"])
    save_image(gray_ramp(), target)
    assert load_image(target).pixels.shape == (24, 36)
    assert files_in(target.parent) == ["out.png"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_saved_file_has_normal_permissions(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    out = save_image(gradient(), tmp_path / "perm.png")
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_unknown_extension_fails_cleanly(tmp_path):
    with pytest.raises(ImageError, match="unsupported output format") as info:
        save_image(gradient(), tmp_path / "out.gif")
    assert "out.gif" in str(info.value)
    assert files_in(tmp_path) == []


def test_directory_in_the_way(tmp_path):
    (tmp_path / "out.png").mkdir()
    with pytest.raises(ImageError, match="out.png"):
        save_image(gradient(), tmp_path / "out.png")
    assert files_in(tmp_path) == ["out.png"] and (tmp_path / "out.png").is_dir()


def test_file_in_the_way_of_parent_folder(tmp_path):
    (tmp_path / "blocker").write_text("x")
    with pytest.raises(ImageError, match="out.png"):
        save_image(gradient(), tmp_path / "blocker" / "out.png")
    assert files_in(tmp_path) == ["blocker"]


@pytest.mark.parametrize("bad", [np.zeros((4, 4), np.float32), np.zeros((4, 4, 4), np.uint8),
                                 np.zeros((0, 4, 3), np.uint8), [[1, 2]]])
def test_bad_pixels_refused(tmp_path, bad):
    with pytest.raises(ImageError, match="bad.png"):
        save_image(bad, tmp_path / "bad.png")
    assert files_in(tmp_path) == []


def test_failed_rename_leaves_old_output_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "out.png"
    target.write_bytes(b"previous result")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(imio.os, "replace", fail)
    with pytest.raises(ImageError, match="No space left on device") as info:
        save_image(gradient(), target)
    assert "out.png" in str(info.value)
    assert target.read_bytes() == b"previous result"
    assert files_in(tmp_path) == ["out.png"]


@pytest.mark.parametrize("exc", [OSError("encoder exploded"), KeyboardInterrupt()])
def test_failure_mid_write_leaves_nothing(tmp_path, monkeypatch, exc):
    def half_save(self, fp, *args, **kwargs):
        fp.write(b"partial data")
        raise exc

    monkeypatch.setattr(Image.Image, "save", half_save)
    expected = ImageError if isinstance(exc, Exception) else KeyboardInterrupt
    with pytest.raises(expected):
        save_image(gradient(), tmp_path / "out.jpg")
    assert files_in(tmp_path) == []


# --------------------------------------------------------------------------- file lists and names


def make_tree(root: Path) -> None:
    for rel in ["b.JPG", "a.png", "notes.txt", ".hidden.png", ".cache/x.png",
                "sub/c.tif", "sub/deeper/d.webp", "sub/e.BMP", "sub/f.jpeg", "sub/g.TIFF"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")


def test_iter_image_files_recursive(tmp_path):
    make_tree(tmp_path)
    found = iter_image_files([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a.png", "b.JPG", "sub/c.tif", "sub/deeper/d.webp", "sub/e.BMP", "sub/f.jpeg", "sub/g.TIFF",
    ]


def test_iter_image_files_flat(tmp_path):
    make_tree(tmp_path)
    found = iter_image_files([str(tmp_path)], recursive=False)
    assert [p.name for p in found] == ["a.png", "b.JPG"]


def test_iter_image_files_explicit_files_and_dedup(tmp_path):
    make_tree(tmp_path)
    found = iter_image_files(
        [
            tmp_path / "notes.txt",
            tmp_path / "missing.png",
            tmp_path / "sub",
            tmp_path / "sub" / "c.tif",
            tmp_path / "sub" / ".." / "sub" / "e.BMP",
            tmp_path / ".hidden.png",
            tmp_path / "notes.txt",
        ]
    )
    rel = [os.path.relpath(p, tmp_path).replace(os.sep, "/") for p in found]
    assert rel == ["notes.txt", "missing.png", "sub/c.tif", "sub/deeper/d.webp", "sub/e.BMP",
                   "sub/f.jpeg", "sub/g.TIFF", ".hidden.png"]
    assert found[0] == tmp_path / "notes.txt"  # explicit paths kept as given


def test_output_path():
    src = Path("/photos/old/grandma.tif")
    assert output_path(src, Path("/out"), "png") == Path("/out/grandma.png")
    assert output_path(src, Path("/out"), "jpg", "{stem}_colour") == Path("/out/grandma_colour.jpg")
    assert output_path(src, Path("/out"), "tif").suffix == ".tif"
    assert output_path(src, Path("/out"), "webp").suffix == ".webp"


def test_output_path_errors():
    with pytest.raises(ValueError) as info:
        output_path(Path("a.jpg"), Path("out"), "gif")
    for name in OUTPUT_FORMATS:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="pattern"):
        output_path(Path("a.jpg"), Path("out"), "png", "{name}")
    with pytest.raises(ValueError, match="pattern"):
        output_path(Path("a.jpg"), Path("out"), "png", "../{stem}")
