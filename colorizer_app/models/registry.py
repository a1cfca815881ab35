"""Where models come from: the bundled weights/ folder and the user's data folder.

A model is named by its plain name ("natural", "vivid", "lively") or, as an alias, its family
("regression", "classification", "gan"), by a user model's name, or by a path to a .safetensors
file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from ..resources import weights_dir
from .header import (FAMILIES, CheckpointError, family_named, meta_has_hint_inputs, read_meta,
                     remove_stale_temp_files, shown_name)
from .validation import visible

if TYPE_CHECKING:
    from .checkpoint import LoadedModel

APP_NAME = "colorizer"


def bundled_dir() -> Path:
    """The shipped checkpoints, wherever this copy of Colorizer keeps them (see resources.py)."""
    return weights_dir()


def user_models_dir() -> Path:
    env = os.environ.get("COLORIZER_USER_MODELS")
    return Path(env) if env else Path(platformdirs.user_data_dir(APP_NAME)) / "models"


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME))


@dataclass
class ModelEntry:
    name: str
    path: Path
    family: str
    bundled: bool
    meta: dict

    @property
    def shown_name(self) -> str:
        """What a person calls it: "natural" for the shipped regression model, a user's own name as given."""
        return shown_name(self.name) if self.bundled else self.name

    @property
    def has_hint_inputs(self) -> bool:
        """Its network sees colour hints itself (every model follows them: models/hint_spread.py)."""
        return meta_has_hint_inputs(self.meta)


@dataclass
class UnusableModel:
    """A .safetensors file in a models folder that cannot be used, and why (the message names it)."""

    path: Path
    bundled: bool
    reason: str


@dataclass
class ModelScan:
    entries: list[ModelEntry]  # every loadable model, in the order list_models gives
    unusable: list[UnusableModel]  # bad files, by folder and name


def scan_models() -> ModelScan:
    """Read the header of every model file in both folders; a bad file is set aside with its reason
    and never stops the others from being listed. Temporary files left by a save that was killed
    (kill -9) in the user's folder are removed on the way."""
    entries, unusable = [], []
    for folder, bundled in ((bundled_dir(), True), (user_models_dir(), False)):
        if not folder.is_dir():
            continue
        if not bundled:
            remove_stale_temp_files(folder)
        for path in sorted(folder.glob("*.safetensors")):
            if path.name.endswith(".resume.safetensors"):
                continue
            try:
                meta = read_meta(path)  # the header only, checked (validation.py)
            except CheckpointError as e:
                unusable.append(UnusableModel(path, bundled, str(e)))
                continue
            if meta.get("kind") == "resume":
                continue
            entries.append(ModelEntry(visible(meta.get("name") or path.stem), path, meta["family"], bundled, meta))
    order = {f: i for i, f in enumerate(FAMILIES)}
    entries.sort(key=lambda e: (not e.bundled, order.get(e.name, 99), e.name.lower()))
    return ModelScan(entries, unusable)


def list_models() -> list[ModelEntry]:
    """Every loadable model: bundled ones first (in family order), then the user's, by name."""
    return scan_models().entries


def resolve(name_or_path: str | os.PathLike) -> Path:
    """A model name or file path -> the checkpoint file, with an error that lists what exists."""
    s = str(name_or_path)
    p = Path(s).expanduser()
    if s.endswith(".safetensors") or p.is_file():
        if not p.is_file():
            raise CheckpointError(f"{p}: no such model file")
        return p
    scan = scan_models()
    family = family_named(s)
    if family is not None:  # "natural" or "regression": the shipped model of that family
        shipped = [e for e in scan.entries if e.bundled and e.family == family]
        if shipped:
            return next((e for e in shipped if e.name == family), shipped[0]).path
    for e in scan.entries:
        if e.name == s or e.path.stem == s:
            return e.path
    for bad in scan.unusable:
        if bad.path.stem == s:
            raise CheckpointError(f"model {s!r} is unusable: {bad.reason}")
    known = ", ".join(e.shown_name for e in scan.entries) or "none found"
    raise CheckpointError(f"unknown model {visible(s)!r} (available: {known}; or give a .safetensors path)")


def load(name_or_path: str | os.PathLike, expect_family: str | None = None) -> LoadedModel:
    from .checkpoint import load_model  # torch: imported when a model is really loaded

    return load_model(resolve(name_or_path), expect_family)
