"""Which files are photos, where their outputs go, and the one rule for "the same file".

Path logic and format lists (no decoding), shared by the command line, the app's session and the
writer that refuses to overwrite an input.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

# The photo formats the desktop entry offers to open and the file dialogs list first.
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp"}
)
OUTPUT_FORMATS: dict[str, str] = {"png": ".png", "jpg": ".jpg", "tif": ".tif", "webp": ".webp"}
# Pillow format names we are willing to decode: still-image formats a photo may come in. Anything
# else (EPS, which runs Ghostscript, icons, game textures, scientific formats) is refused even
# when it hides behind a .jpg name. Multi-frame files (GIF, animated WebP or PNG, multi-page
# TIFF) give their first frame, with a note.
_WANTED_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP", "BMP", "DIB", "GIF", "PPM", "TGA", "PCX", "SGI",
                   "QOI", "JPEG2000", "AVIF")  # JPEG also yields MPO files
Image.init()
_READ_FORMATS = tuple(f for f in _WANTED_FORMATS if f in Image.OPEN)  # as this Pillow was built
# Every extension of those formats: what a folder is searched for.
READABLE_EXTENSIONS: frozenset[str] = frozenset(
    ext for ext, fmt in Image.registered_extensions().items() if fmt in _READ_FORMATS
) | SUPPORTED_EXTENSIONS


def path_key(path: str | Path) -> str:
    """A file's identity as a string: its resolved path (case-folded where the system is)."""
    return os.path.normcase(os.path.realpath(path))


def same_file(a: Path, b: Path) -> bool:
    """True if a and b name the same file: same resolved path, or a hard link / other case."""
    if path_key(a) == path_key(b):
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def iter_image_files(paths: Iterable[str | Path], recursive: bool = True,
                     skip_folders: Iterable[str | Path] = ()) -> list[Path]:
    """Expand folders to their image files; keep explicitly named files as given.

    Folder contents are sorted and skip hidden files/folders (thumbnails caches, our own
    temporary files) and the subfolders named in `skip_folders` (the output folder, when it
    lies inside an input folder: earlier outputs are not inputs). Explicit files are kept even with an unknown
    extension so the loader can tell the user what is wrong with them. Each file appears once,
    in argument order.
    """
    result: list[Path] = []
    seen: set[str] = set()
    skip = {path_key(f) for f in skip_folders}
    for given in paths:
        given = Path(given)
        found = _images_in(given, recursive, skip) if given.is_dir() else [given]
        for p in found:
            key = path_key(p)
            if key not in seen:
                seen.add(key)
                result.append(p)
    return result


def _images_in(folder: Path, recursive: bool, skip: set[str] = frozenset()) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".") and
                   os.path.normcase(os.path.realpath(os.path.join(root, d))) not in skip] if recursive else []
        for name in files:
            if name.startswith("."):
                continue
            if os.path.splitext(name)[1].lower() in READABLE_EXTENSIONS:
                found.append(Path(root) / name)
    return sorted(found)


def output_path(input_path: Path, out_dir: Path, fmt: str, pattern: str = "{stem}") -> Path:
    """out_dir / (pattern with {stem} filled in + the format's extension)."""
    ext = OUTPUT_FORMATS.get(fmt.lower()) if isinstance(fmt, str) else None
    if ext is None:
        valid = ", ".join(OUTPUT_FORMATS)
        raise ValueError(f"unknown output format {fmt!r}; valid formats: {valid}")
    try:
        name = pattern.format(stem=Path(input_path).stem)
    except (KeyError, IndexError, ValueError) as e:
        raise ValueError(
            f"invalid file name pattern {pattern!r}: only {{stem}} is available ({e})"
        ) from e
    if not name or name in (".", "..") or "/" in name or "\\" in name:
        raise ValueError(f"file name pattern {pattern!r} gives an invalid file name {name!r}")
    return Path(out_dir) / (name + ext)
