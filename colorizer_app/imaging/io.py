"""Reading and writing photos: the one place that talks to Pillow about files.

Everything that comes out of `load_image` is plain uint8 numpy, upright, with alpha flattened
onto white, so the rest of the app never has to think about Pillow modes, bit depths or EXIF
rotation. Every failure becomes an `ImageError` naming the file, so a batch can report the bad
file and carry on. `save_image` writes atomically and refuses to overwrite the inputs, because
losing someone's original photo is the one mistake this app must never make. Which files are
photos and where outputs go: files.py; the EXIF and ICC carried over: metadata.py.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from ..temp_files import pid_tag, remove_stale

# Which files are photos, where outputs go and what "the same file" is live in files.py, the
# metadata carried to outputs in metadata.py; the names below stay importable from here.
from .files import (  # noqa: F401
    _READ_FORMATS,
    OUTPUT_FORMATS,
    READABLE_EXTENSIONS,
    SUPPORTED_EXTENSIONS,
    iter_image_files,
    output_path,
    same_file,
)
from .memory import available_memory
from .metadata import exif_for_output, metadata_options

MAX_PIXELS: int = 250_000_000
# Bytes of memory colourising takes per pixel at its peak: the decoded photo, its L (float32), the
# full-resolution ab (2 x float32), the output (3 x uint8) and the stripes in flight. A photo that
# would need more than MEMORY_SHARE of the memory available now is refused before decoding.
BYTES_PER_PIXEL = 20
MEMORY_SHARE = 0.6

_SINGLE_PICTURE_FORMATS = frozenset({"MPO"})  # extra frames are a camera's depth map or preview
# PNG compression: level 1 writes a 12 MP photo in a third of the time of Pillow's default (6)
# for a file about 30% larger; "small" is for when size matters more than time.
PNG_COMPRESSION = {"fast": 1, "small": 9}
# Output extension -> Pillow format name.
_WRITE_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".webp": "WEBP",
    ".bmp": "BMP",
}

# An RGB pixel counts as coloured when its channels differ by more than this many levels
# (JPEG chroma rounding alone gives 1-2); the image counts as colour when more than
# _COLOUR_FRACTION of its pixels do (so a few stray specks do not make a photo "colour").
_GRAY_TOLERANCE = 2
_COLOUR_FRACTION = 0.001

# value / 257, rounded, for every 16-bit value: a table lookup needs no 32-bit temporaries.
_U16_TO_U8 = ((np.arange(65536, dtype=np.uint32) + 128) // 257).astype(np.uint8)


class ImageError(Exception):
    """An unreadable or unwritable image; str(e) is "<file>: <problem>".

    The arguments stay in `args` so the error survives pickling to and from worker processes.
    """

    def __init__(self, path: str | Path, problem: str) -> None:
        super().__init__(str(path), problem)
        self.path = Path(path)
        self.problem = problem

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


class SaveAbandoned(ImageError):
    """save_image was told to stop before its file was in place; nothing was written."""


@dataclass(eq=False)
class LoadedImage:
    """A decoded photo plus the metadata to carry to its colourised output."""

    path: Path
    pixels: np.ndarray = field(repr=False)  # uint8 (H, W) gray or (H, W, 3) RGB, upright
    is_colour: bool
    exif: bytes | None = field(repr=False)  # "Exif\0\0"-prefixed, Orientation already 1
    icc_profile: bytes | None = field(repr=False)
    source_mode: str  # Pillow mode of the file, e.g. "L", "I;16", "CMYK"
    notes: list[str] = field(default_factory=list)  # what the user should know: "first of 12 frames"

    @property
    def size(self) -> tuple[int, int]:
        """(width, height), Pillow's order."""
        return int(self.pixels.shape[1]), int(self.pixels.shape[0])


# --------------------------------------------------------------------------- loading


def load_image(path: str | Path) -> LoadedImage:
    """Decode a photo to uint8 pixels, upright, alpha on white, 16-bit scaled to 8-bit.

    Raises ImageError (never a raw Pillow or OS error) for anything that cannot be read.
    """
    path = Path(path)
    _check_regular_file(path)
    notes: list[str] = []
    try:
        with _strict_pillow(), _pillow_warnings_as_a_note(notes), \
                Image.open(path, formats=_READ_FORMATS) as img:
            # Image.open only parsed the header: refuse bombs before decoding a single pixel.
            _check_dimensions(path, img.size)
            _check_memory(path, img.size)
            frames = getattr(img, "n_frames", 1)
            if frames > 1 and img.format not in _SINGLE_PICTURE_FORMATS:
                notes.append(f"{img.format} file with {frames} frames: the first one is used")
            img.load()
            source_mode = img.mode
            exif = exif_for_output(img)
            icc = img.info.get("icc_profile") or None
            try:
                upright = ImageOps.exif_transpose(img)
            except Exception:  # unreadable EXIF must not make the photo unreadable
                upright, exif = img.copy(), None
            pixels, is_colour = _to_uint8(upright, icc, notes)
        if source_mode == "CMYK":
            icc = None  # the pixels are RGB now; a CMYK profile would misdescribe them
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        # Pillow's own check (set to our limit by _strict_pillow) fired inside Image.open.
        raise ImageError(
            path,
            f"image is too large (over {MAX_PIXELS:,} pixels); "
            "refusing a possible decompression bomb",
        ) from e
    except UnidentifiedImageError as e:
        raise ImageError(path, "not a supported image file (JPEG, PNG, TIFF, WebP, BMP, GIF or "
                               "another still-image format)") from e
    except EOFError as e:
        raise ImageError(path, "file is truncated") from e
    except MemoryError as e:
        raise ImageError(path, "not enough memory to decode the image") from e
    except Exception as e:  # Pillow raises OSError, SyntaxError, ValueError, struct.error...
        if "truncated" in str(e).lower():
            raise ImageError(path, "file is truncated") from e
        if isinstance(e, OSError) and e.errno is not None:  # a real OS error, e.g. permissions
            raise ImageError(path, f"cannot read file: {_reason(e)}") from e
        raise ImageError(path, f"cannot decode image: {_reason(e)}") from e
    return LoadedImage(path, pixels, is_colour, exif, icc, source_mode, notes)


def _check_regular_file(path: Path) -> None:
    """Clear messages for the common mistakes; never open a FIFO or device (it may block)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ImageError(path, "file not found") from None
    except OSError as e:
        raise ImageError(path, f"cannot access file: {_reason(e)}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ImageError(path, "is a directory, not an image file")
    if not stat.S_ISREG(st.st_mode):
        raise ImageError(path, "not a regular file")
    if st.st_size == 0:
        raise ImageError(path, "file is empty")


def _check_dimensions(path: Path, size: tuple[int, int]) -> None:
    """Refuse empty images and decompression bombs using the header's size alone."""
    width, height = size
    if width <= 0 or height <= 0:
        raise ImageError(path, f"image has zero size ({width}x{height})")
    if width * height > MAX_PIXELS:
        raise ImageError(
            path,
            f"image is too large ({width}x{height} = {width * height:,} pixels, "
            f"limit {MAX_PIXELS:,}); refusing a possible decompression bomb",
        )


def memory_needed(size: tuple[int, int]) -> int:
    """Bytes colourising a photo of this (width, height) takes at its peak (about)."""
    return size[0] * size[1] * BYTES_PER_PIXEL


def _check_memory(path: Path, size: tuple[int, int]) -> None:
    """Refuse, before decoding, a photo that would not fit in the memory available now: a 219 KB
    PNG of 15000 x 15000 would otherwise take 4 GB and push the machine into swap."""
    need, free = memory_needed(size), available_memory()
    if free is None or need <= free * MEMORY_SHARE:
        return
    width, height = size
    raise ImageError(path, f"image is too large for the memory available ({width}x{height} = "
                           f"{width * height / 1e6:.0f} MP needs about {need / 2**30:.1f} GiB to "
                           f"colourise, {free / 2**30:.1f} GiB is free); use a smaller copy")


_warnings_lock = threading.Lock()  # warnings.catch_warnings swaps process-wide state


@contextmanager
def _pillow_warnings_as_a_note(notes: list[str]) -> Iterator[None]:
    """Pillow's warnings about one file (corrupt EXIF, odd metadata) become one note about it,
    instead of raw warning lines on the terminal. Decompression-bomb warnings become errors.
    Loads on several threads take turns here; a warning from outside Pillow caught meanwhile is
    shown as usual afterwards."""
    with _warnings_lock:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    pillow = [w for w in caught if f"{os.sep}PIL{os.sep}" in str(w.filename)]
    for w in caught:
        if w not in pillow:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    seen = list(dict.fromkeys(" ".join(str(w.message).split()) for w in pillow))
    if seen:
        notes.append("Pillow warned: " + "; ".join(seen[:3]) + (" …" if len(seen) > 3 else ""))


_pillow_lock = threading.Lock()
_pillow_users = 0
_pillow_saved: tuple[int | None, bool] = (None, False)


@contextmanager
def _strict_pillow() -> Iterator[None]:
    """Run with Pillow's globals set the way this module needs them, then put them back.

    LOAD_TRUNCATED_IMAGES must be off or a half-downloaded JPEG decodes "fine" with a grey
    bottom half; Pillow's bomb limit is set to ours so MAX_PIXELS is the policy whatever
    another library configured. Reference counted so concurrent loads can overlap.
    """
    global _pillow_users, _pillow_saved
    with _pillow_lock:
        if _pillow_users == 0:
            _pillow_saved = (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES)
            Image.MAX_IMAGE_PIXELS = MAX_PIXELS
            ImageFile.LOAD_TRUNCATED_IMAGES = False
        _pillow_users += 1
    try:
        yield
    finally:
        with _pillow_lock:
            _pillow_users -= 1
            if _pillow_users == 0:
                Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = _pillow_saved


def _to_uint8(img: Image.Image, icc: bytes | None, notes: list[str]) -> tuple[np.ndarray, bool]:
    """Any Pillow mode -> (uint8 pixels, is_colour); gray-valued RGB comes back 2-D."""
    mode = img.mode
    has_alpha = mode in ("LA", "La", "PA", "RGBA", "RGBa") or "transparency" in img.info
    if mode.startswith("I;16") or mode in ("I", "F"):
        arr = np.asarray(img)
        if arr.dtype.kind == "u" and arr.itemsize == 2:  # any byte order (I;16, I;16B)
            return _U16_TO_U8[arr], False
        if arr.dtype.kind == "f":
            return _scale_float(arr, notes), False
        return _scale_numeric(arr), False
    if mode in ("1", "L") and not has_alpha:
        return np.array(img.convert("L")), False
    if mode == "CMYK":
        rgb_img = _cmyk_to_rgb(img, icc)
    elif has_alpha:
        rgb_img = _flatten_on_white(img)
    else:
        rgb_img = img.convert("RGB")
    return _gray_if_neutral(np.array(rgb_img))


def _scale_float(arr: np.ndarray, notes: list[str]) -> np.ndarray:
    """Float gray (a float TIFF) -> uint8 by its real range: 0 is black, and white is 1.0 or the
    brightest value when that is above 1 (an HDR overshoot of 1.02 must not make the photo black).
    Negative values are clipped to black. NaN becomes black and infinities the nearest finite
    end, with a note; a file with no finite value at all is refused."""
    data = arr.astype(np.float32)  # a copy: edited in place below
    finite = np.isfinite(data)
    bad = data.size - int(np.count_nonzero(finite))
    if bad == data.size:
        raise ValueError("no pixel has a finite value (all NaN or infinite)")
    peak = float(data[finite].max()) if bad else float(data.max())
    if bad:
        np.nan_to_num(data, copy=False, nan=0.0, posinf=max(peak, 1.0), neginf=0.0)
        notes.append(f"{bad} pixel{'s' if bad > 1 else ''} not a finite number (NaN or infinite): "
                     "NaN taken as black, infinity as the brightest value")
    white = 1.0
    if peak > 1.0:
        white = peak
        notes.append(f"floating-point values up to {peak:.4g}: scaled so that {peak:.4g} is white")
    data *= np.float32(255.0 / white)
    return np.clip(np.rint(data), 0, 255).astype(np.uint8)


def _scale_numeric(arr: np.ndarray) -> np.ndarray:
    """32-bit int gray -> uint8, guessing the range from the data: data up to 255 is taken as
    8-bit, anything larger as 16-bit (Pillow stores 16-bit images as "I"); values outside the
    range are clipped.
    """
    data = arr.astype(np.float32, copy=False)
    peak = float(data.max())
    if peak <= 255.0:
        scaled = data
    else:
        scaled = np.clip(data, 0.0, 65535.0) / 257.0
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _flatten_on_white(img: Image.Image) -> Image.Image:
    """Composite any alpha / transparent palette entry over white (what viewers show)."""
    rgba = img.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def _cmyk_to_rgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """Use the embedded CMYK profile when lcms can, else Pillow's naive conversion."""
    if icc:
        try:
            from PIL import ImageCms

            src = ImageCms.ImageCmsProfile(BytesIO(icc))
            dst = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
            return ImageCms.profileToProfile(img, src, dst, outputMode="RGB")
        except Exception:  # broken or mismatched profile, or no lcms: fall back
            pass
    return img.convert("RGB")


def is_colour_pixels(pixels: np.ndarray) -> bool:
    """The one rule for "is this a colour photo": more than a tiny fraction of its pixels have
    channels further apart than JPEG chroma rounding gives.

    Scans in row blocks and stops as soon as enough coloured pixels are seen, so colour photos
    exit early and huge images need no full-size temporaries.
    """
    if pixels.ndim == 2 or pixels.shape[2] == 1:
        return False
    height, width = pixels.shape[:2]
    allowed = height * width * _COLOUR_FRACTION
    rows = max(1, 1_000_000 // max(width, 1))
    coloured = 0
    for top in range(0, height, rows):
        block = pixels[top : top + rows]
        spread = block.max(axis=2) - block.min(axis=2)
        coloured += int(np.count_nonzero(spread > _GRAY_TOLERANCE))
        if coloured > allowed:
            return True
    return False


def _gray_if_neutral(rgb: np.ndarray) -> tuple[np.ndarray, bool]:
    """Return (rgb, True) for real colour, else (2-D gray, False)."""
    if is_colour_pixels(rgb):
        return rgb, True
    # Pillow's luma weights sum to exactly 1, so equal channels map to the same value.
    return np.array(Image.fromarray(rgb).convert("L")), False


# --------------------------------------------------------------------------- saving


def save_image(
    pixels: np.ndarray,
    path: str | Path,
    *,
    exif: bytes | None = None,
    icc_profile: bytes | None = None,
    quality: int = 95,
    protected: Iterable[str | Path] = (),
    png: str = "fast",
    should_stop: Callable[[], bool] | None = None,
) -> Path:
    """Write uint8 (H, W) or (H, W, 3) pixels atomically; format from the extension.

    The data goes to a hidden temporary file beside the target and is renamed over it only
    once complete, so a crash or error never leaves a half-written photo. Refuses to replace
    any file in `protected` (the inputs). EXIF/ICC are carried where the format allows. `png`:
    "fast" or "small" (PNG_COMPRESSION). `should_stop`, asked once the data is written and
    before the rename: True abandons the save (SaveAbandoned), leaving no file at all.
    """
    path = Path(path)
    fmt = _WRITE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        valid = ", ".join(sorted(_WRITE_FORMATS))
        raise ImageError(path, f"unsupported output format {path.suffix!r} (use one of {valid})")
    image = _pixels_to_image(path, pixels)
    # An input exists, so a destination that does not cannot be one: a batch of N new outputs
    # costs no comparisons at all, instead of N x N path resolutions.
    if os.path.lexists(path) and any(same_file(path, Path(other)) for other in protected):
        raise ImageError(path, "refusing to overwrite an input file")
    if path.is_dir():
        raise ImageError(path, "is a directory, cannot write an image there")
    options = _save_options(fmt, image.mode, exif, icc_profile, quality)
    if fmt == "PNG":
        if png not in PNG_COMPRESSION:
            raise ValueError(f"unknown PNG compression {png!r} (use {' or '.join(PNG_COMPRESSION)})")
        options["compress_level"] = PNG_COMPRESSION[png]

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_temp(path)
    except OSError as e:
        raise ImageError(path, f"cannot write image: {_reason(e)}") from e
    try:
        with os.fdopen(fd, "wb") as f:
            image.save(f, format=fmt, **options)
        if should_stop is not None and should_stop():
            raise SaveAbandoned(path, "not written: stopped")
        os.replace(tmp, path)
    except BaseException as e:  # also Ctrl-C: never leave the temporary file behind
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if not isinstance(e, Exception) or isinstance(e, SaveAbandoned):
            raise
        raise ImageError(path, f"cannot write image: {_reason(e)}") from e
    return path


def _pixels_to_image(path: Path, pixels: np.ndarray) -> Image.Image:
    """Check the array is what the app produces, so a bug upstream fails loudly here."""
    ok_shape = isinstance(pixels, np.ndarray) and (
        pixels.ndim == 2 or (pixels.ndim == 3 and pixels.shape[2] == 3)
    )
    if not ok_shape or pixels.dtype != np.uint8 or pixels.size == 0:
        desc = (
            f"{pixels.dtype} array of shape {pixels.shape}"
            if isinstance(pixels, np.ndarray)
            else type(pixels).__name__
        )
        raise ImageError(path, f"cannot save {desc}: expected uint8 (H, W) or (H, W, 3)")
    return Image.fromarray(np.ascontiguousarray(pixels))


def _save_options(
    fmt: str, mode: str, exif: bytes | None, icc: bytes | None, quality: int
) -> dict:
    """Per-format Pillow save arguments, carrying metadata only where it is valid."""
    options: dict = {}
    if fmt == "JPEG":
        options["quality"] = quality
        if quality >= 90:
            options["subsampling"] = 0  # 4:4:4: keep the colour we just added sharp
    elif fmt == "WEBP":
        options["quality"] = quality
    elif fmt == "TIFF":
        options["compression"] = "tiff_lzw"  # lossless and read by everything
    options.update(metadata_options(fmt, mode, exif, icc))
    return options


# ".STEM.PID-0123456789ab.tmp.EXT" (files of older versions lack the "PID-"): what _create_temp names.
TEMP_NAME = re.compile(r"\..*\.(?:(?P<pid>\d+)-)?[0-9a-f]{12}\.tmp\.[A-Za-z0-9]{1,5}")


def _create_temp(path: Path) -> tuple[int, Path]:
    """Create an empty hidden sibling of `path` with the same suffix, named with this process's id
    so that the next run in the folder can tell one left by a killed run (remove_stale_temp_files).

    os.open with mode 0o666 lets the umask decide permissions like any normal save;
    tempfile.mkstemp would leave the final photo readable by its owner only (0600).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = path.with_name(f".{path.stem[:40]}.{pid_tag()}{secrets.token_hex(6)}.tmp{path.suffix}")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:  # 48 random bits: practically never, but do not clobber it
            continue


def remove_stale_temp_files(folder: str | Path) -> list[Path]:
    """Remove the temporary files that runs killed mid-save (SIGKILL, a power cut) left in
    `folder`: only names of our own pattern whose process is gone or that are an hour old."""
    return remove_stale(Path(folder), TEMP_NAME)


def check_writable_folder(folder: str | Path) -> Path:
    """Create `folder` if needed and prove that a file can be written in it, before a batch
    colourises anything; an ImageError names the folder and the reason otherwise."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ImageError(folder, "is a file, not a folder; cannot write photos there") from None
    except OSError as e:
        raise ImageError(folder, f"cannot create the output folder: {_reason(e)}") from None
    try:
        fd, probe = _create_temp(folder / "write-test.png")
    except OSError as e:
        raise ImageError(folder, f"cannot write in the output folder: {_reason(e)}") from None
    os.close(fd)
    try:
        os.unlink(probe)
    except OSError:
        pass
    return folder


def _reason(e: BaseException) -> str:
    """A short human reason; OSError's strerror avoids echoing our temporary file names."""
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e) or type(e).__name__
