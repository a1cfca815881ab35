"""A bad model file is refused with a message naming it and the problem, before anything is built
from it; in a models folder it is listed as unusable and every other model keeps working."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from PIL import Image
from safetensors.torch import save_file

from colorizer_app.cli.main import main
from colorizer_app.models import registry
from colorizer_app.models.checkpoint import (
    META_KEY,
    CheckpointError,
    load_model,
    new_model,
    read_safetensors,
    save_model,
    write_safetensors,
)
from colorizer_app.models.header import read_meta
from colorizer_app.models.validation import check_fields

TINY = {"widths": (8, 8, 16), "blocks": 2}


def good_model(path: Path, family: str = "regression", **meta) -> Path:
    torch.manual_seed(0)
    m = new_model(family, TINY)
    save_model(path, m.net, {"name": path.stem, **meta}, bins=m.bins)
    return path


def raw_meta_file(path: Path, raw: str) -> Path:
    """A safetensors file whose Colorizer metadata is exactly `raw`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({"net.w": torch.zeros(1)}, str(path), metadata={META_KEY: raw})
    return path


def edited(src: Path, dst: Path, edit_meta=None, edit_tensors=None) -> Path:
    tensors, meta = read_safetensors(src)
    if edit_meta:
        edit_meta(meta)
    if edit_tensors:
        edit_tensors(tensors)
    write_safetensors(dst, tensors, meta)  # written as is: no check on the way out
    return dst


def refusal(path: Path) -> str:
    """The message of both the header reader and the loader; both must refuse."""
    with pytest.raises(CheckpointError) as header:
        read_meta(path)
    with pytest.raises(CheckpointError) as loader:
        load_model(path)
    for info in (header, loader):
        assert path.name in str(info.value)
    return str(loader.value)


# --- the metadata's shape ---------------------------------------------------------------------

@pytest.mark.parametrize("raw, words", [("[1]", "a list"), ("42", "a number"), ('"a string"', "a string"),
                                        ("null", "null")])
def test_metadata_that_is_not_an_object_is_refused(tmp_path, raw, words):
    msg = refusal(raw_meta_file(tmp_path / "shape.safetensors", raw))
    assert f"metadata is {words}, not a JSON object" in msg


def test_deeply_nested_metadata_is_refused(tmp_path):
    deep = '{"format_version": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    msg = refusal(raw_meta_file(tmp_path / "deep.safetensors", deep))
    assert "nested too deeply" in msg


@pytest.mark.parametrize("edit, words", [
    (lambda m: m["spec"].update(blocks="six"), "blocks is the string 'six'"),
    (lambda m: m["spec"].update(extra_blocks=100000), "extra_blocks is the number 100000, not a whole number from 0"),
    (lambda m: m.update(default_temperature="hot"), "default_temperature is the string 'hot'"),
    (lambda m: m.update(default_temperature=-1), "default_temperature is the number -1"),
    (lambda m: m.update(val_metrics="great"), "val_metrics is the string 'great'"),
    (lambda m: m.update(val_metrics={"psnr": "high"}), "val_metrics.psnr is the string 'high'"),
    (lambda m: m.update(spec=[1, 2]), "network spec is a list"),
    (lambda m: m.update(name=7), "name is the number 7"),
    (lambda m: m.update(steps=-3), "steps is the number -3"),
    (lambda m: m.update(finetune="yes"), "finetune is the string 'yes'"),
    (lambda m: m["spec"].update(widths=[32, 64, 200000]), "200000 (each must be 1 to"),
    (lambda m: m["spec"].update(widths="wide"), "widths is the string 'wide'"),
    (lambda m: m["spec"].update(l_scale=0), "l_scale is 0"),
    (lambda m: m["normalisation"].update(ab_scale=0.0), "ab_scale is 0"),
    (lambda m: m["spec"].update(family="gan"), "spec family"),
    (lambda m: m["spec"].update(nested={"a": 1}), "nested is an object"),
])
def test_wrongly_typed_or_absurd_fields_are_refused(tmp_path, edit, words):
    bad = edited(good_model(tmp_path / "good.safetensors"), tmp_path / "bad.safetensors", edit_meta=edit)
    msg = refusal(bad)
    assert words in msg, msg


def test_absurd_widths_are_refused_before_any_allocation(tmp_path):
    """Even past the header's bounds, the loader lays the net out on the meta device first: a spec
    that does not match the file's tensors never allocates its weights."""
    bad = edited(good_model(tmp_path / "good.safetensors"), tmp_path / "huge.safetensors",
                 edit_meta=lambda m: m["spec"].update(widths=[4096, 4096, 4096], blocks=64))
    msg = refusal_at_load(bad)
    assert "does not match its regression spec" in msg


def refusal_at_load(path: Path) -> str:
    read_meta(path)  # the header alone is plausible
    with pytest.raises(CheckpointError) as info:
        load_model(path)
    assert path.name in str(info.value)
    return str(info.value)


def test_a_spec_field_of_the_wrong_type_is_refused(tmp_path):
    bad = edited(good_model(tmp_path / "good.safetensors"), tmp_path / "odd.safetensors",
                 edit_meta=lambda m: m["spec"].update(out_channels=2.5))
    assert "out_channels is the number 2.5, not a whole number" in refusal(bad)


def test_unknown_spec_fields_are_refused(tmp_path):
    bad = edited(good_model(tmp_path / "good.safetensors"), tmp_path / "future.safetensors",
                 edit_meta=lambda m: m["spec"].update(attention_heads=4))
    assert "unknown fields ['attention_heads']" in refusal_at_load(bad)


def test_spec_fields_are_checked_by_the_types_the_dataclass_declares():
    """A field added to the spec dataclass is checked by its declared type with no list to update."""

    @dataclass
    class Spec:
        family: str
        widths: tuple[int, int, int] = (32, 64, 128)
        aux_classes: int = 0
        label: str | None = None
        scale: float = 1.0

    ok = check_fields("f.safetensors", {"family": "gan", "widths": [1, 2, 3], "aux_classes": 5,
                                         "label": None, "scale": 2}, Spec)
    assert ok == {"family": "gan", "widths": (1, 2, 3), "aux_classes": 5, "label": None, "scale": 2.0}
    for bad, words in (({"aux_classes": "five"}, "aux_classes is the string 'five', not a whole number"),
                       ({"aux_classes": True}, "aux_classes is True"),
                       ({"widths": [1, 2]}, "not a list of 3 whole numbers"),
                       ({"label": 3}, "not a string or null"),
                       ({"scale": float("nan")}, "scale is the number nan")):
        with pytest.raises(CheckpointError, match="f.safetensors") as info:
            check_fields("f.safetensors", {"family": "gan", **bad}, Spec)
        assert words in str(info.value)
    with pytest.raises(CheckpointError, match="family is missing"):
        check_fields("f.safetensors", {}, Spec)


# --- the values ---------------------------------------------------------------------------------

def test_nan_weights_are_refused(tmp_path):
    def poison(t):
        t["net.head.weight"] = t["net.head.weight"].clone()
        t["net.head.weight"].view(-1)[3] = float("nan")

    bad = edited(good_model(tmp_path / "good.safetensors"), tmp_path / "nan.safetensors", edit_tensors=poison)
    msg = refusal_at_load(bad)
    assert "net.head.weight holds 1 NaN or infinite value" in msg


def test_infinite_bins_and_negative_variances_are_refused(tmp_path):
    src = good_model(tmp_path / "cls.safetensors", "classification")
    bad = edited(src, tmp_path / "badbins.safetensors",
                 edit_tensors=lambda t: t["bins.centres"].__setitem__((0, 0), float("inf")))
    assert "bins.centres" in refusal_at_load(bad)
    bad = edited(src, tmp_path / "badvar.safetensors",
                 edit_tensors=lambda t: t["net.stem.0.1.running_var"].fill_(-1.0))
    assert "negative variances" in refusal_at_load(bad)


# --- a bad file among good ones -----------------------------------------------------------------

@pytest.fixture
def folders_with_a_bad_model(tmp_path, monkeypatch):
    bundled, user = tmp_path / "weights", tmp_path / "user_models"
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(bundled))
    monkeypatch.setenv("COLORIZER_USER_MODELS", str(user))
    good_model(bundled / "regression.safetensors")
    good_model(user / "mine.safetensors", val_metrics={"psnr": 25.0})  # no auc: still listed
    raw_meta_file(user / "list.safetensors", "[1]")
    edited(user / "mine.safetensors", user / "six.safetensors",
           edit_meta=lambda m: m["spec"].update(blocks="six") or m.update(name="six"))
    photos = tmp_path / "in"
    photos.mkdir()
    Image.new("L", (40, 24), 90).save(photos / "a.png")
    return bundled, user, photos


def test_a_bad_file_is_listed_as_unusable_and_the_rest_still_works(folders_with_a_bad_model, tmp_path):
    _, user, photos = folders_with_a_bad_model
    scan = registry.scan_models()
    assert [e.name for e in scan.entries] == ["regression", "mine"]
    reasons = {bad.path.name: bad.reason for bad in scan.unusable}
    assert set(reasons) == {"list.safetensors", "six.safetensors"}
    assert "list.safetensors: metadata is a list" in reasons["list.safetensors"]
    assert "blocks is the string 'six'" in reasons["six.safetensors"]
    for model in ("regression", "mine"):
        assert main(["colorize", str(photos), "-o", str(tmp_path / model), "--model", model]) == 0
    with pytest.raises(CheckpointError, match="'six' is unusable: .*six.safetensors.*blocks"):
        registry.resolve("six")


def test_info_lists_unusable_files_with_their_reasons(folders_with_a_bad_model, capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "mine" in out and "PSNR 25.00 dB" in out
    assert "unusable model files (2):" in out
    assert "list.safetensors: metadata is a list" in out and "blocks is the string 'six'" in out


def test_control_characters_in_a_name_are_shown_escaped(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COLORIZER_USER_MODELS", str(tmp_path))
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(tmp_path / "none"))
    good_model(tmp_path / "evil.safetensors")
    edited(tmp_path / "evil.safetensors", tmp_path / "evil.safetensors",
           edit_meta=lambda m: m.update(name="red\x1b[31m\nline"))
    [entry] = registry.list_models()
    assert entry.name == "red\\x1b[31m\\nline"
    assert load_model(entry.path).name == entry.name
    main(["info"])
    assert "\x1b" not in capsys.readouterr().out


def test_temporary_files_of_killed_model_saves_are_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("COLORIZER_USER_MODELS", str(tmp_path))
    good_model(tmp_path / "mine.safetensors")
    dead = tmp_path / ".mine.safetensors.999999999-abcd_123.tmp"  # no such process
    old = tmp_path / ".mine.safetensors.k2j4h5g6.tmp"  # an older version's name, a day old
    fresh = tmp_path / ".mine.safetensors.qwer1234.tmp"  # may be a save under way elsewhere
    own = tmp_path / f".mine.safetensors.{os.getpid()}-zxcv5678.tmp"  # this process: under way
    other = tmp_path / ".notes.txt.tmp"  # not ours
    for p in (dead, old, fresh, own, other):
        p.write_bytes(b"partial")
    day_ago = time.time() - 86400
    os.utime(old, (day_ago, day_ago))
    assert [e.name for e in registry.list_models() if not e.bundled] == ["mine"]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([".mine.safetensors.qwer1234.tmp", own.name, ".notes.txt.tmp", "mine.safetensors"])


def test_a_model_save_names_its_temporary_file_with_its_process(tmp_path, monkeypatch):
    seen = []
    real_save = save_file

    def spy(tensors, filename, metadata=None):
        seen.append(Path(filename).name)
        real_save(tensors, filename, metadata=metadata)

    monkeypatch.setattr("colorizer_app.models.checkpoint.save_file", spy)
    good_model(tmp_path / "m.safetensors")
    [name] = seen
    assert name.startswith(f".m.safetensors.{os.getpid()}-") and name.endswith(".tmp")
    from colorizer_app.models.header import TEMP_NAME
    assert TEMP_NAME.fullmatch(name)


def test_metadata_round_trip_of_a_good_model_is_unchanged(tmp_path):
    path = good_model(tmp_path / "fine.safetensors", default_temperature=0.3,
                      val_metrics={"psnr": 24.0, "auc": float("nan")}, steps=10, train_seconds=1.5,
                      finetune={"val_before": {"psnr": 23.0}, "folder": "x"})
    meta = load_model(path).meta  # NaN is a figure (too few validation photos), not a bad file
    assert json.loads(json.dumps(meta))["default_temperature"] == 0.3


def test_every_whole_number_field_of_the_real_spec_is_checked_by_its_type(tmp_path):
    """Fields the networks gain (extra blocks, auxiliary classes...) are checked with no list here."""
    import typing
    from dataclasses import fields

    from colorizer_app.models.networks import NetSpec

    hints = typing.get_type_hints(NetSpec)
    whole = [f.name for f in fields(NetSpec) if hints[f.name] is int]
    assert "blocks" in whole and "out_channels" in whole
    src = good_model(tmp_path / "good.safetensors")
    for name in whole:
        bad = edited(src, tmp_path / f"{name}.safetensors", edit_meta=lambda m, n=name: m["spec"].update({n: "two"}))
        with pytest.raises(CheckpointError, match=f"{name} is the string 'two'"):
            load_model(bad)
