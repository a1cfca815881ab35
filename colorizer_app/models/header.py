"""The checkpoint header, read without torch: model lists and the GUI's model picker only need
the JSON metadata, and the window can show them before torch (about a second to import on a
small CPU) has loaded. checkpoint.py builds on this for the tensors.
"""

from __future__ import annotations

import json
from pathlib import Path

from safetensors import SafetensorError, safe_open

FAMILIES = ("regression", "classification", "gan")
FORMAT_VERSION = 1
META_KEY = "colorizer"


class CheckpointError(Exception):
    """A file that is not a usable Colorizer checkpoint; the message names the file and the problem."""


def refused(path: Path, error: Exception) -> CheckpointError:
    return CheckpointError(
        f"{path}: not a valid safetensors checkpoint ({error}); pickled .pt/.pth files are refused")


def checked_meta(path: Path, raw_meta: dict) -> dict:
    """The Colorizer metadata block of a safetensors header, parsed and its format version checked."""
    if META_KEY not in raw_meta:
        raise CheckpointError(f"{path}: safetensors file without Colorizer metadata")
    try:
        meta = json.loads(raw_meta[META_KEY])
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{path}: metadata is not valid JSON ({e})") from None
    if meta.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: checkpoint format {meta.get('format_version')!r} is not supported "
            f"(this version reads {FORMAT_VERSION})"
        )
    return meta


def read_meta(path: Path) -> dict:
    """A checkpoint's metadata from its header alone: no tensor is read and torch is not needed."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        with safe_open(str(path), framework="numpy") as f:
            raw_meta = f.metadata() or {}
    except (SafetensorError, OSError, ValueError, RuntimeError) as e:
        raise refused(path, e) from None
    return checked_meta(path, raw_meta)
