"""The metadata a colourised photo carries over from its original: EXIF (upright, without the
original's thumbnail) and the ICC profile, where the output format and its pixels allow them."""

from __future__ import annotations

import struct

from PIL import Image

_METADATA_FORMATS = frozenset({"JPEG", "PNG", "TIFF", "WEBP"})
_EXIF_HEADER = b"Exif\x00\x00"
_ORIENTATION_TAG = 0x0112
_EXIF_IFD_TAG = 0x8769
_GPS_IFD_TAG = 0x8825
# Descriptive TIFF tags worth carrying when the source is a TIFF (whose "EXIF" is its own tag
# directory, mixed with strip offsets and other layout tags that must not be copied).
_DESCRIPTIVE_TAGS = (270, 271, 272, 305, 306, 315, 33432)  # description, make, model,
# software, date/time, artist, copyright
_JPEG_MAX_EXIF = 65533  # the biggest EXIF segment a JPEG marker can hold (Pillow refuses more)


def exif_for_output(img: Image.Image) -> bytes | None:
    """The source EXIF to carry to the output, with Orientation 1 (the pixels get rotated)."""
    raw = img.info.get("exif")
    if raw:
        return upright_exif(raw)
    try:
        tags = img.getexif()  # TIFF tags, or EXIF stored in a PNG text chunk
        out = Image.Exif()
        for tag in _DESCRIPTIVE_TAGS:
            if tag in tags:
                out[tag] = tags[tag]
        found = len(out) > 0
        for ifd_tag in (_EXIF_IFD_TAG, _GPS_IFD_TAG):
            sub = tags.get_ifd(ifd_tag)
            if sub:
                out.get_ifd(ifd_tag).update(sub)
                found = True
        return out.tobytes() if found else None
    except Exception:  # metadata is a nicety; never fail a load over it
        return None


def upright_exif(raw: bytes) -> bytes | None:
    """Set Orientation to 1 and unlink the thumbnail IFD by editing the bytes in place.

    Editing in place rather than re-serialising keeps maker notes (full of absolute offsets)
    intact. The thumbnail goes because it shows the original, unrotated, uncoloured photo.
    Returns None for a block too broken to edit, rather than carrying a wrong orientation.
    """
    data = bytearray(raw if raw.startswith(_EXIF_HEADER) else _EXIF_HEADER + raw)
    base = len(_EXIF_HEADER)  # offsets inside EXIF count from the TIFF header
    order = {b"II": "<", b"MM": ">"}.get(bytes(data[base : base + 2]))
    if order is None:
        return None
    try:
        magic, ifd0 = struct.unpack_from(order + "HI", data, base + 2)
        if magic != 42:
            return None
        (count,) = struct.unpack_from(order + "H", data, base + ifd0)
        for i in range(count):
            entry = base + ifd0 + 2 + 12 * i
            tag, kind, n = struct.unpack_from(order + "HHI", data, entry)
            if tag == _ORIENTATION_TAG:
                if n != 1 or kind not in (3, 4):  # not a SHORT/LONG we can rewrite safely
                    return None
                # The value sits inline, left-justified, so it starts at entry + 8 either way.
                struct.pack_into(order + ("H" if kind == 3 else "I"), data, entry + 8, 1)
        struct.pack_into(order + "I", data, base + ifd0 + 2 + 12 * count, 0)  # no IFD1
    except struct.error:
        return None
    return bytes(data)


def metadata_options(fmt: str, mode: str, exif: bytes | None, icc: bytes | None) -> dict:
    """Pillow save arguments for the metadata, where it is valid for this format and mode."""
    options: dict = {}
    if fmt not in _METADATA_FORMATS:
        return options
    if exif:
        exif = exif if exif.startswith(_EXIF_HEADER) else _EXIF_HEADER + exif
        if not (fmt == "JPEG" and len(exif) > _JPEG_MAX_EXIF):  # too big for JPEG: drop
            options["exif"] = exif
    if icc and icc_matches(icc, mode):
        options["icc_profile"] = icc
    return options


def icc_matches(icc: bytes, mode: str) -> bool:
    """An ICC profile must describe the pixels' colour space (e.g. no gray profile on RGB)."""
    wanted = b"RGB " if mode == "RGB" else b"GRAY"
    return len(icc) >= 20 and icc[16:20] == wanted
