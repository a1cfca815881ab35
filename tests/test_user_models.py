"""Renaming and deleting user models without Qt (the Manage Models dialog and a CLI share these):
the metadata and the file name change together, names in use are refused, bundled models are
read-only, and the card describes a fine-tuned model from its metadata."""

from __future__ import annotations

import pytest
import torch

from colorizer_app.models import registry, user_models
from colorizer_app.models.checkpoint import CheckpointError, load_model, new_model, save_model

TINY = {"widths": (16, 32, 32), "blocks": 1}


def user_model(name, meta=None):
    torch.manual_seed(0)
    m = new_model("regression", TINY)
    path = registry.user_models_dir() / f"{user_models.file_stem(name)}.safetensors"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_model(path, m.net, {"name": name, **(meta or {})})
    return path


def names():
    return [e.name for e in registry.list_models() if not e.bundled]


def test_rename_rewrites_metadata_and_file_name():
    path = user_model("holiday 2023", {"steps": 12})
    before = load_model(path).net.state_dict()
    new = user_models.rename_model(path, "  Beach photos ")
    assert new == registry.user_models_dir() / "Beach-photos.safetensors"
    assert not path.exists() and new.is_file()
    assert names() == ["Beach photos"]
    loaded = registry.load("Beach photos")
    assert loaded.meta["steps"] == 12  # the rest of the card is kept
    for k, v in before.items():
        assert torch.equal(loaded.net.state_dict()[k], v)
    # leftovers of the atomic write: none
    assert [p.name for p in registry.user_models_dir().iterdir()] == ["Beach-photos.safetensors"]


def test_rename_to_a_name_in_use_or_of_a_bundled_model_is_refused():
    a = user_model("first")
    user_model("second")
    with pytest.raises(CheckpointError, match="already exists"):
        user_models.rename_model(a, "SECOND")
    with pytest.raises(CheckpointError, match="shipped model"):
        user_models.rename_model(a, "regression")  # a bundled model's name (its family)
    with pytest.raises(CheckpointError, match="shipped model"):
        user_models.rename_model(a, "Lively")  # ... or its plain name
    with pytest.raises(CheckpointError, match="give the new model a name"):
        user_models.rename_model(a, "  ")
    assert sorted(names()) == ["first", "second"]
    # its own name in another case is fine: same file, new metadata
    assert user_models.rename_model(a, "First") == a.with_name("First.safetensors")
    assert sorted(names()) == ["First", "second"]


def test_bundled_models_are_read_only():
    bundled = [e for e in registry.list_models() if e.bundled]
    if not bundled:
        pytest.skip("no bundled weights in this checkout")
    with pytest.raises(CheckpointError, match="read-only"):
        user_models.delete_model(bundled[0].path)
    with pytest.raises(CheckpointError, match="read-only"):
        user_models.rename_model(bundled[0].path, "mine now")
    assert bundled[0].path.is_file()


def test_delete_removes_the_file():
    path = user_model("to go")
    keep = user_model("to keep")
    user_models.delete_model(path)
    assert not path.exists() and keep.exists()
    assert names() == ["to keep"]
    with pytest.raises(CheckpointError, match="no such model file"):
        user_models.delete_model(path)


def test_card_of_a_fine_tuned_model():
    meta = {"base_model": "classification", "steps": 600, "batch": 16, "crop": 128, "train_seconds": 251.0,
            "machine": "x86_64 2 cores, cpu", "created": "2026-11-30 10:00:00",
            "val_metrics": {"psnr": 24.85, "auc": 0.912, "colourfulness_ratio": 0.55},
            "finetune": {"folder": "/photos/garden", "photos": 187, "held_out": 18, "unreadable": 3,
                         "grayscale": 10, "val_before": {"psnr": 24.1, "auc": 0.901, "colourfulness_ratio": 0.41}}}
    user_model("garden", meta)
    (entry,) = [e for e in registry.list_models() if e.name == "garden"]
    card = dict(user_models.model_card(entry))
    assert card["Kind"] == "user model" and card["Base model"] == "classification"
    assert card["Trained on"] == "/photos/garden"
    assert card["Photos"] == "187 colour photos, 18 held out (3 unreadable, 10 grayscale skipped)"
    assert card["Steps"] == "600 (batch 16, 128 px crops)"
    assert card["Training time"] == "4 min 11 s"
    assert card["Held-out photos"] == ("PSNR 24.10 → 24.85 dB, AuC 0.901 → 0.912, "
                                       "colourfulness 41% → 55% of truth")
    assert card["File"] == str(entry.path)
