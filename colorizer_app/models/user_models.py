"""The user's own models: naming, renaming, deleting, and the card that describes a model.

No Qt here: the Manage Models dialog and the CLI share these. Bundled models (weights/) are
read-only; only files in the user models folder may be renamed or deleted.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..imaging.files import same_file
from . import registry
from .checkpoint import CheckpointError, read_safetensors, write_safetensors
from .header import family_named


def file_stem(name: str) -> str:
    """A model name as a safe file name stem ("my flowers/2024" -> "my-flowers-2024")."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name.strip()).strip("-.")
    return stem[:80] or "model"


def name_problem(name: str, ignore: Path | None = None,
                 entries: list[registry.ModelEntry] | None = None) -> str | None:
    """Why `name` cannot name a model (a new one, or `ignore` renamed), or None. `entries`: the
    models as just listed (a dialog checking every keystroke), else they are listed here."""
    if not name.strip():
        return "give the new model a name"
    if family_named(name) is not None:
        return f"{name.strip()!r} is already the name of a shipped model"
    for e in registry.list_models() if entries is None else entries:
        if ignore is not None and e.path.resolve() == Path(ignore).resolve():
            continue
        if e.name.lower() == name.strip().lower() or e.path.stem.lower() == file_stem(name).lower():
            return f"a model named {e.name!r} already exists ({e.path})"
    return None


def is_user_model(path: Path) -> bool:
    """True for a file in the user models folder (the only ones that may be changed)."""
    path = Path(path).resolve()
    return path.parent == registry.user_models_dir().resolve() and path.suffix == ".safetensors"


def _check_user_model(path: Path) -> Path:
    path = Path(path)
    if not is_user_model(path):
        raise CheckpointError(f"{path}: bundled models and files outside {registry.user_models_dir()} "
                              "are read-only")
    if not path.is_file():
        raise CheckpointError(f"{path}: no such model file")
    return path


def rename_model(path: Path, new_name: str) -> Path:
    """Give a user model a new name: its metadata is rewritten (atomically) and its file renamed to
    match when that file name is free. Returns the model's path afterwards."""
    path = _check_user_model(path)
    new_name = new_name.strip()
    if problem := name_problem(new_name, ignore=path):
        raise CheckpointError(problem)
    target = path.with_name(f"{file_stem(new_name)}.safetensors")
    if target != path and target.exists() and not same_file(target, path):
        raise CheckpointError(f"{target}: a file of that name is already there")
    tensors, meta = read_safetensors(path)
    meta["name"] = new_name
    write_safetensors(path, tensors, meta)  # in place first: there is never a second copy
    if target != path:
        os.replace(path, target)
    return target


def delete_model(path: Path) -> None:
    """Delete a user model's file; bundled models are refused."""
    _check_user_model(path).unlink()


# --- the card ------------------------------------------------------------------------------------


def metrics_text(m: dict) -> str:
    """Held-out colour metrics in words: "PSNR 26.01 dB, AuC 0.924, colourfulness 58% of truth"."""
    bits = []
    if "psnr" in m:
        bits.append(f"PSNR {m['psnr']:.2f} dB")
    if "auc" in m:
        bits.append(f"AuC {m['auc']:.3f}")
    if "colourfulness_ratio" in m:
        bits.append(f"colourfulness {100 * m['colourfulness_ratio']:.0f}% of truth")
    return ", ".join(bits)


def metrics_change(before: dict, after: dict) -> str:
    """ "PSNR 24.10 -> 24.85 dB, AuC 0.901 -> 0.912, colourfulness 41% -> 55% of truth" """
    bits = []
    if "psnr" in before and "psnr" in after:
        bits.append(f"PSNR {before['psnr']:.2f} → {after['psnr']:.2f} dB")
    if "auc" in before and "auc" in after:
        bits.append(f"AuC {before['auc']:.3f} → {after['auc']:.3f}")
    if "colourfulness_ratio" in before and "colourfulness_ratio" in after:
        bits.append(f"colourfulness {100 * before['colourfulness_ratio']:.0f}% → "
                    f"{100 * after['colourfulness_ratio']:.0f}% of truth")
    return ", ".join(bits)


def duration_text(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    m, s = divmod(seconds, 60)
    if m < 60:
        return f"{m} min {s:02d} s"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"


def model_card(entry: registry.ModelEntry) -> list[tuple[str, str]]:
    """(label, text) rows describing a model from its metadata; rows it has no data for are left out."""
    meta = entry.meta
    rows = [("Name", entry.name), ("Family", entry.family),
            ("Kind", "bundled (read-only)" if entry.bundled else "user model")]
    if meta.get("base_model"):
        rows.append(("Base model", str(meta["base_model"])))
    ftm = meta.get("finetune") or {}
    data = meta.get("data") or {}
    if ftm:
        rows.append(("Trained on", str(ftm.get("folder", ""))))
        skipped = [f"{ftm[k]} {k}" for k in ("unreadable", "grayscale") if ftm.get(k)]
        photos = f"{ftm.get('photos', '?')} colour photos, {ftm.get('held_out', '?')} held out"
        rows.append(("Photos", photos + (f" ({', '.join(skipped)} skipped)" if skipped else "")))
    elif data.get("train"):
        n = data.get("train_photos")
        rows.append(("Training data", f"{data['train']}" + (f" ({n} photos)" if n else "")))
        if data.get("val"):
            rows.append(("Validation data", f"{data['val']}" + (f" ({data['val_photos']} photos)"
                                                                 if data.get("val_photos") else "")))
    if meta.get("steps"):
        extra = [f"batch {meta['batch']}" if meta.get("batch") else "",
                 f"{meta['crop']} px crops" if meta.get("crop") else ""]
        extra = [e for e in extra if e]
        rows.append(("Steps", f"{meta['steps']}" + (f" ({', '.join(extra)})" if extra else "")))
    if meta.get("train_seconds"):
        rows.append(("Training time", duration_text(float(meta["train_seconds"]))))
    if meta.get("machine"):
        rows.append(("Machine", str(meta["machine"])))
    after = meta.get("val_metrics") or {}
    before = ftm.get("val_before") or {}
    if before and after:
        rows.append(("Held-out photos", metrics_change(before, after)))
    elif after:
        rows.append(("Validation", metrics_text(after)))
    if meta.get("created"):
        rows.append(("Created", str(meta["created"])))
    if meta.get("app_version"):
        rows.append(("App version", str(meta["app_version"])))
    if meta.get("command"):
        rows.append(("Command", str(meta["command"])))
    rows.append(("File", str(entry.path)))
    return rows
