"""The checkpoint header, read without torch: model lists and the GUI's model picker only need
the JSON metadata, and the window can show them before torch (about a second to import on a
small CPU) has loaded. checkpoint.py builds on this for the tensors.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from safetensors import SafetensorError, safe_open

from ..temp_files import pid_tag, remove_stale

FAMILIES = ("regression", "classification", "gan")
# What a person calls the shipped model of each family, on the command line and on screen; the
# family names stay accepted as aliases.
PLAIN_NAMES = {"regression": "natural", "classification": "vivid", "gan": "lively"}


def family_named(name: str) -> str | None:
    """The family a plain or family name stands for ("natural", "Regression"...), else None."""
    s = str(name).strip().lower()
    if s in PLAIN_NAMES:
        return s
    return next((f for f, plain in PLAIN_NAMES.items() if plain == s), None)


def shown_name(name: str) -> str:
    """A model's name as a person sees it: a shipped model's plain name instead of its family."""
    return PLAIN_NAMES.get(name, name)
FORMAT_VERSION = 1
META_KEY = "colorizer"


class CheckpointError(Exception):
    """A file that is not a usable Colorizer checkpoint; the message names the file and the problem."""


def refused(path: Path, error: Exception) -> CheckpointError:
    return CheckpointError(
        f"{path}: not a valid safetensors checkpoint ({error}); pickled .pt/.pth files are refused")


def checked_meta(path: Path, raw_meta: dict) -> dict:
    """The Colorizer metadata block of a safetensors header, parsed and checked: a JSON object of
    a supported format version and, for a model (not training state), of the right shape
    (validation.py)."""
    from .validation import check_model_meta  # it builds on this module's names

    if META_KEY not in raw_meta:
        raise CheckpointError(f"{path}: safetensors file without Colorizer metadata")
    try:
        meta = json.loads(raw_meta[META_KEY])
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{path}: metadata is not valid JSON ({e})") from None
    except RecursionError:
        raise CheckpointError(f"{path}: metadata is nested too deeply to be a model's") from None
    if not isinstance(meta, dict):
        what = {list: "a list", str: "a string", bool: "true or false", type(None): "null"}.get(
            type(meta), "a number")
        raise CheckpointError(f"{path}: metadata is {what}, not a JSON object")
    if meta.get("format_version") != FORMAT_VERSION or isinstance(meta.get("format_version"), bool):
        raise CheckpointError(
            f"{path}: checkpoint format {meta.get('format_version')!r} is not supported "
            f"(this version reads {FORMAT_VERSION})"
        )
    if meta.get("kind") == "resume":  # training state: the trainer checks its own skeleton
        return meta
    return check_model_meta(path, meta)


def meta_has_hint_inputs(meta: dict) -> bool:
    """Whether a model's network (by its checked header) sees colour hints itself."""
    spec = meta.get("spec")
    return isinstance(spec, dict) and bool(spec.get("hint_channels", 0))


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


# A model is saved to ".NAME.safetensors.PID-XXXXXXXX.tmp" beside it, then renamed (checkpoint.py);
# files of older versions lack the "PID-".
TEMP_NAME = re.compile(r"\.(?P<target>.+\.safetensors)\.(?:(?P<pid>\d+)-)?[a-z0-9_]{8}\.tmp")


def temp_prefix(path: Path) -> str:
    """What the temporary file of a save to `path` is named with (tempfile.mkstemp adds the rest)."""
    return f".{Path(path).name}.{pid_tag()}"


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """The temporary files of model saves killed before they finished (kill -9), removed."""
    return remove_stale(Path(folder), TEMP_NAME)
