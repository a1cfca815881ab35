"""Checks on a checkpoint's metadata, made before anything is built from it.

A model file comes from anywhere (a download, a crashed save, a hand edit), and its JSON block is
read by the model picker, the model card, `colorizer-cli info` and the loader. Each of those may
then trust the types and bounds checked here, and a bad file is refused with one message that
names it and the problem, instead of a KeyError or a 1.4 TB allocation somewhere downstream.
No torch here: the GUI lists models before torch has loaded. The network spec is checked twice:
its sizes and normalisation here (from the header alone), then every field against the NetSpec
dataclass by `check_fields` when the network is built (checkpoint.py), so a field the networks
gain later is checked by its declared type without a list to keep in step here.
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from .header import FAMILIES, CheckpointError

MAX_WIDTH = 4096  # channels of one layer; the shipped nets use 32-128
MAX_BLOCKS = 64  # residual blocks; the shipped nets use 6
MAX_COUNT = 65536  # any other whole number in a spec (output channels, classes, ...)
MAX_TEMPERATURE = 100.0  # annealed-mean T: 0 is the mode, 1 the plain mean; beyond is only flatter


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) and math.isfinite(v)


def _kind(v: Any) -> str:
    """What a JSON value is, in words, for a message: "a list", "the string 'six'"."""
    if isinstance(v, str):
        return f"the string {v[:40]!r}"
    if isinstance(v, bool) or v is None:
        return repr(v)
    if isinstance(v, (int, float)):
        return f"the number {v!r}"
    return {dict: "an object", list: "a list"}.get(type(v), type(v).__name__)


def visible(text: str) -> str:
    """`text` with control characters (terminal escape codes, newlines) shown as escapes, so a
    model name from a file can never drive the terminal or break a line of a listing."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


# --- the metadata block ----------------------------------------------------------------------


def check_model_meta(where: Path | str, meta: dict) -> dict:
    """Refuse (CheckpointError naming `where`) a model's metadata of the wrong shape; return it."""
    problem = model_meta_problem(meta)
    if problem:
        raise CheckpointError(f"{where}: {problem}")
    return meta


def model_meta_problem(meta: dict) -> str | None:
    family = meta.get("family")
    if family not in FAMILIES:
        return f"unknown model family {_kind(family)} (known: {', '.join(FAMILIES)})"
    if "name" in meta and meta["name"] is not None and not isinstance(meta["name"], str):
        return f"name is {_kind(meta['name'])}, not a string"
    spec = meta.get("spec")
    if not isinstance(spec, dict):
        return f"network spec is {_kind(spec)}, not an object"
    if (problem := spec_problem(spec, family)) is not None:
        return f"bad network spec: {problem}"
    norm = meta.get("normalisation")
    if norm is not None:
        if not isinstance(norm, dict):
            return f"normalisation is {_kind(norm)}, not an object"
        if (problem := normalisation_problem(norm)) is not None:
            return f"bad normalisation: {problem}"
    t = meta.get("default_temperature")
    if t is not None and not (_is_number(t) and 0 <= t <= MAX_TEMPERATURE):
        return f"default_temperature is {_kind(t)}, not a number from 0 to {MAX_TEMPERATURE:g}"
    for key in ("steps", "batch", "crop"):
        v = meta.get(key)
        if v is not None and not (_is_int(v) and v >= 0):
            return f"{key} is {_kind(v)}, not a whole number"
    v = meta.get("train_seconds")
    if v is not None and not (_is_number(v) and v >= 0):
        return f"train_seconds is {_kind(v)}, not a number of seconds"
    for key in ("data", "finetune", "loss"):
        if meta.get(key) is not None and not isinstance(meta[key], dict):
            return f"{key} is {_kind(meta[key])}, not an object"
    if (problem := metrics_problem("val_metrics", meta.get("val_metrics"))) is not None:
        return problem
    return metrics_problem("finetune.val_before", (meta.get("finetune") or {}).get("val_before"))


def metrics_problem(key: str, metrics: Any) -> str | None:
    """Metrics are {name: number}; any may be missing (readers show the ones there), and NaN is
    a figure too (a validation set too small to measure): only other types would break a reader."""
    if metrics is None:
        return None
    if not isinstance(metrics, dict):
        return f"{key} is {_kind(metrics)}, not an object of figures"
    for name, v in metrics.items():
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            return f"{key}.{visible(name)} is {_kind(v)}, not a number"
    return None


def normalisation_problem(d: dict) -> str | None:
    for key in ("l_center", "l_scale", "ab_scale"):
        if key not in d:
            continue
        v = d[key]
        if not _is_number(v):
            return f"{key} is {_kind(v)}, not a finite number"
        if key != "l_center" and v == 0:
            return f"{key} is 0 (every output would be black or not a number)"
    return None


def spec_problem(spec: dict, family: str) -> str | None:
    """Sizes and normalisation of a spec, from the header: nothing absurd reaches the allocator.

    Fields this does not name are checked by type when the network is built (`check_fields`);
    here any whole number in them must still be a plausible count (0..MAX_COUNT).
    """
    if spec.get("family", family) != family:
        return f"spec family {_kind(spec.get('family'))} is not the model's family {family!r}"
    widths = spec.get("widths")
    if widths is not None:
        if not (isinstance(widths, list) and widths and all(_is_int(w) for w in widths)):
            return f"widths is {_kind(widths)}, not a list of whole numbers"
        bad = [w for w in widths if not 1 <= w <= MAX_WIDTH]
        if bad:
            return f"widths {widths} has {bad[0]} (each must be 1 to {MAX_WIDTH})"
    for key in (k for k in spec if str(k).endswith("blocks")):  # blocks, extra_blocks, ...
        n = spec[key]
        if not (_is_int(n) and 0 <= n <= MAX_BLOCKS):
            return f"{visible(str(key))} is {_kind(n)}, not a whole number from 0 to {MAX_BLOCKS}"
    out = spec.get("out_channels")
    if out is not None and not (_is_int(out) and 1 <= out <= MAX_COUNT):
        return f"out_channels is {_kind(out)}, not a whole number from 1 to {MAX_COUNT}"
    if (problem := normalisation_problem(spec)) is not None:
        return problem
    for key, v in spec.items():
        values = v if isinstance(v, list) else [v]
        for x in values:
            if isinstance(x, (dict, list)):
                return f"{visible(str(key))} is {_kind(v)}, not a number, string or list of them"
            if _is_int(x) and not 0 <= x <= MAX_COUNT and key not in ("l_center", "l_scale", "ab_scale"):
                return f"{visible(str(key))} is {x} (at most {MAX_COUNT})"
            if isinstance(x, float) and not math.isfinite(x):
                return f"{visible(str(key))} is {x} (not a finite number)"
    return None


# --- a dataclass's fields, by their declared types ------------------------------------------


def check_fields(where: Path | str, d: dict, cls: type) -> dict:
    """Refuse a JSON object whose keys are not fields of dataclass `cls`, or whose values do not
    have the field's declared type; return keyword arguments for `cls(**kwargs)` (lists become
    tuples where a tuple is declared). Fields without a default must be present."""
    hints = typing.get_type_hints(cls)
    declared = {f.name: f for f in fields(cls)}
    unknown = sorted(visible(str(k)) for k in d if k not in declared)
    if unknown:
        raise CheckpointError(f"{where}: bad network spec: unknown fields {unknown} "
                              f"(this version knows {sorted(declared)})")
    kwargs = {}
    for name, f in declared.items():
        if name not in d:
            if f.default is MISSING and f.default_factory is MISSING:
                raise CheckpointError(f"{where}: bad network spec: {name} is missing")
            continue
        ok, value = _coerce(d[name], hints[name])
        if not ok:
            raise CheckpointError(f"{where}: bad network spec: {name} is {_kind(d[name])}, "
                                  f"not {_type_words(hints[name])}")
        kwargs[name] = value
    return kwargs


def _coerce(v: Any, t: Any) -> tuple[bool, Any]:
    """(True, value as type t) when JSON value v is a t; (False, None) when not."""
    origin = typing.get_origin(t)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(t):
            ok, value = _coerce(v, option)
            if ok:
                return True, value
        return False, None
    if t is type(None):
        return v is None, None
    if t is bool:
        return isinstance(v, bool), v
    if t is int:
        return _is_int(v), v
    if t is float:
        return _is_number(v), float(v) if _is_number(v) else None
    if t is str:
        return isinstance(v, str), v
    if origin in (tuple, list):
        if not isinstance(v, list):
            return False, None
        args = typing.get_args(t)
        if origin is tuple and args and args[-1] is not Ellipsis and len(args) != len(v):
            return False, None
        items = []
        for i, x in enumerate(v):
            item_type = args[0] if (origin is list or (args and args[-1] is Ellipsis)) else args[i]
            ok, value = _coerce(x, item_type) if args else (True, x)
            if not ok:
                return False, None
            items.append(value)
        return True, tuple(items) if origin is tuple else items
    return False, None  # a type this reader does not know: refuse rather than guess


def _type_words(t: Any) -> str:
    origin = typing.get_origin(t)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_words(a) for a in typing.get_args(t))
    if origin in (tuple, list):
        args = [a for a in typing.get_args(t) if a is not Ellipsis]
        n = f"{len(args)} " if origin is tuple and Ellipsis not in typing.get_args(t) else ""
        plural = {int: "whole numbers", float: "numbers", str: "strings", bool: "true or false values"}
        return f"a list of {n}{plural.get(args[0], 'values') if args else 'values'}"
    return {int: "a whole number", float: "a number", str: "a string", bool: "true or false",
            type(None): "null"}.get(t, getattr(t, "__name__", str(t)))
