"""The safetensors checkpoint format and the model registry, with tiny networks."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from colorizer_app.imaging.lab import AB_SCALE, L_CENTER, L_SCALE
from colorizer_app.models import registry
from colorizer_app.models.checkpoint import (
    FORMAT_VERSION,
    META_KEY,
    CheckpointError,
    LoadedModel,
    flatten_state,
    load_model,
    new_model,
    read_safetensors,
    save_model,
    unflatten_state,
    write_safetensors,
)
from colorizer_app.models.networks import FAMILIES

TINY = {"widths": (8, 8, 16), "blocks": 2}


def tiny(family: str, seed: int = 0) -> LoadedModel:
    torch.manual_seed(seed)
    m = new_model(family, TINY)
    # non-trivial batch-norm statistics, so that they are checked by the round trip too
    with torch.no_grad():
        for mod in m.net.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.1, 0.1)
                mod.running_var.uniform_(0.8, 1.2)
    m.net.eval()
    return m


def sample_L(h: int = 32, w: int = 48) -> torch.Tensor:
    return torch.rand(1, 1, h, w, generator=torch.Generator().manual_seed(5)) * 100


def save(tmp_path: Path, family: str, stem: str | None = None, **meta) -> tuple[Path, LoadedModel]:
    m = tiny(family)
    path = tmp_path / f"{stem or family}.safetensors"
    save_model(path, m.net, meta, bins=m.bins)
    return path, m


def assert_refused(path: Path, match: str | None = None, **kw) -> CheckpointError:
    with pytest.raises(CheckpointError) as info:
        load_model(path, **kw)
    msg = str(info.value)
    assert path.name in msg, msg
    if match:
        assert match in msg, msg
    return info.value


# --- round trip -------------------------------------------------------------------------------

@pytest.mark.parametrize("family", FAMILIES)
def test_round_trip(tmp_path, family):
    path, m = save(tmp_path, family)
    loaded = load_model(path)
    assert isinstance(loaded, LoadedModel)
    assert loaded.family == family and loaded.path == path
    assert loaded.net.spec == m.net.spec
    assert not loaded.net.training

    x = sample_L()
    with torch.no_grad():
        ref = m.net(x)
        got = loaded.net(x)
        # the original with its weights rounded to fp16: what was shipped, exactly
        rounded = new_model(family, TINY).net.eval()
        rounded.load_state_dict({k: (v.half().float() if v.is_floating_point() else v)
                                 for k, v in m.net.state_dict().items()})
        exact = rounded(x)
    assert got.shape == ref.shape == (1, m.net.spec.out_channels, 8, 12)
    assert torch.allclose(got, exact, atol=1e-4, rtol=1e-4)
    scale = ref.abs().max().item()
    assert (got - ref).abs().max().item() <= 1e-2 * scale + 1e-3

    for k, v in m.net.state_dict().items():
        w = loaded.net.state_dict()[k]
        assert w.dtype == v.dtype  # back to fp32 (and int64 counters) in memory
        if v.is_floating_point():
            assert torch.allclose(w, v, atol=1e-3, rtol=1e-3), k
        else:
            assert torch.equal(w, v), k

    if family == "classification":
        assert loaded.bins is not None and torch.equal(loaded.bins, m.bins)
    else:
        assert loaded.bins is None


@pytest.mark.parametrize("family", FAMILIES)
def test_fp16_on_disk(tmp_path, family):
    path, m = save(tmp_path, family)
    with safe_open(str(path), framework="pt") as f:
        keys = list(f.keys())
        dtypes = {k: f.get_slice(k).get_dtype() for k in keys}
    net_keys = [k for k in keys if k.startswith("net.")]
    assert len(net_keys) == len(m.net.state_dict())
    floats = [k for k in net_keys if "num_batches_tracked" not in k]
    assert floats and all(dtypes[k] == "F16" for k in floats), dtypes
    assert all(dtypes[k] == "I64" for k in net_keys if "num_batches_tracked" in k)
    if family == "classification":
        assert dtypes["bins.centres"] == "F32"  # bins are exact grid values: kept in full


def test_half_false_keeps_fp32(tmp_path):
    m = tiny("regression")
    path = tmp_path / "full.safetensors"
    save_model(path, m.net, {}, half=False)
    with safe_open(str(path), framework="pt") as f:
        assert f.get_slice("net.head.weight").get_dtype() == "F32"
    with torch.no_grad():
        assert torch.allclose(load_model(path).net(sample_L()), m.net(sample_L()), atol=1e-5)


def test_metadata_survives(tmp_path):
    custom = {"name": "Family album", "steps": 1234, "val_metrics": {"psnr": 23.5, "auc": 0.91},
              "command": "colorizer-cli train --family classification", "default_temperature": 0.3,
              "history": [{"step": 1, "psnr": 20.0}]}
    path, m = save(tmp_path, "classification", stem="album", **custom)
    loaded = load_model(path)
    meta = loaded.meta
    assert meta["family"] == "classification"
    assert meta["format_version"] == FORMAT_VERSION
    assert meta["spec"] == m.net.spec.to_dict()
    assert meta["spec"]["widths"] == [8, 8, 16] and meta["spec"]["blocks"] == 2
    assert meta["normalisation"] == {"l_center": L_CENTER, "l_scale": L_SCALE, "ab_scale": AB_SCALE}
    assert "app_version" in meta
    for k, v in custom.items():
        assert meta[k] == v
    assert loaded.name == "Family album"
    # the raw JSON block is there under the documented key
    with safe_open(str(path), framework="pt") as f:
        assert json.loads(f.metadata()[META_KEY])["steps"] == 1234


def test_name_falls_back_to_file_stem(tmp_path):
    path, _ = save(tmp_path, "gan", stem="my_gan")
    assert load_model(path).name == "my_gan"


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path):
    path, _ = save(tmp_path, "regression")
    save_model(path, tiny("regression", seed=1).net, {})  # overwrite in place
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_expect_family_accepts_the_right_one(tmp_path):
    path, _ = save(tmp_path, "gan")
    assert load_model(path, expect_family="gan").family == "gan"


# --- refusals ---------------------------------------------------------------------------------

class _Payload:
    """Unpickling this creates a folder: proof that code ran."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_refuses_pickle_and_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"
    pt = tmp_path / "evil.pt"
    torch.save({"state_dict": _Payload(marker)}, pt)
    # the payload is live: unpickling a copy with pickle enabled does run it
    probe = tmp_path / "probe"
    torch.save({"state_dict": _Payload(probe)}, tmp_path / "probe.pt")
    torch.load(tmp_path / "probe.pt", weights_only=False)
    assert probe.exists()

    disguised = tmp_path / "evil.safetensors"
    shutil.copy(pt, disguised)
    assert_refused(disguised, "pickle")
    assert not marker.exists()
    with pytest.raises(CheckpointError):
        load_model(pt)  # a .pt name does not help either
    assert not marker.exists()


def test_refuses_truncated_file(tmp_path):
    path, _ = save(tmp_path, "regression")
    data = path.read_bytes()
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(data[: len(data) // 2])
    assert_refused(cut)


def test_refuses_garbage_and_empty_files(tmp_path):
    empty = tmp_path / "empty.safetensors"
    empty.write_bytes(b"")
    assert_refused(empty)
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(os.urandom(4096))
    assert_refused(junk)


def test_refuses_missing_file(tmp_path):
    assert_refused(tmp_path / "nowhere.safetensors")


def test_refuses_safetensors_without_metadata(tmp_path):
    _, m = save(tmp_path, "regression")
    bare = tmp_path / "bare.safetensors"
    save_file({f"net.{k}": v.contiguous() for k, v in m.net.state_dict().items()}, str(bare))
    assert_refused(bare, "metadata")


def test_refuses_other_metadata_only(tmp_path):
    other = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(2)}, str(other), metadata={"format": "pt"})
    assert_refused(other, "metadata")


def test_refuses_bad_json(tmp_path):
    bad = tmp_path / "badjson.safetensors"
    save_file({"w": torch.zeros(2)}, str(bad), metadata={META_KEY: "{not json"})
    assert_refused(bad, "JSON")


def test_refuses_wrong_family(tmp_path):
    path, _ = save(tmp_path, "regression", stem="reg")
    err = assert_refused(path, expect_family="classification")
    assert "regression" in str(err) and "classification" in str(err)


def rewrite(src: Path, dst: Path, edit_tensors=None, edit_meta=None) -> Path:
    tensors, meta = read_safetensors(src)
    if edit_tensors:
        edit_tensors(tensors)
    if edit_meta:
        edit_meta(meta)
    write_safetensors(dst, tensors, meta)
    return dst


def test_refuses_missing_tensor(tmp_path):
    path, _ = save(tmp_path, "regression")
    broken = rewrite(path, tmp_path / "missing.safetensors",
                     edit_tensors=lambda t: t.pop("net.head.weight"))
    assert_refused(broken, "head.weight")


def test_refuses_misshapen_tensor(tmp_path):
    path, _ = save(tmp_path, "gan")

    def widen(t):
        t["net.head.bias"] = torch.zeros(5, dtype=torch.float16)

    broken = rewrite(path, tmp_path / "misshapen.safetensors", edit_tensors=widen)
    err = assert_refused(broken, "head.bias")
    assert "(5,)" in str(err)


def test_refuses_unexpected_tensor(tmp_path):
    path, _ = save(tmp_path, "regression")
    broken = rewrite(path, tmp_path / "extra.safetensors",
                     edit_tensors=lambda t: t.update({"net.extra.weight": torch.zeros(3)}))
    assert_refused(broken, "extra.weight")


def test_refuses_spec_that_does_not_match_the_tensors(tmp_path):
    path, _ = save(tmp_path, "regression")
    broken = rewrite(path, tmp_path / "wider.safetensors",
                     edit_meta=lambda m: m["spec"].update(widths=[16, 16, 32]))
    assert_refused(broken)


@pytest.mark.parametrize("version", [FORMAT_VERSION + 1, 0, None, "1"])
def test_refuses_unknown_format_version(tmp_path, version):
    path, _ = save(tmp_path, "regression")
    broken = rewrite(path, tmp_path / "future.safetensors",
                     edit_meta=lambda m: m.update(format_version=version))
    assert_refused(broken, "format")


def test_refuses_unknown_family(tmp_path):
    path, _ = save(tmp_path, "regression")
    broken = rewrite(path, tmp_path / "odd.safetensors", edit_meta=lambda m: m.update(family="diffusion"))
    assert_refused(broken, "diffusion")


def test_refuses_classification_without_bins(tmp_path):
    path, _ = save(tmp_path, "classification")
    broken = rewrite(path, tmp_path / "nobins.safetensors", edit_tensors=lambda t: t.pop("bins.centres"))
    assert_refused(broken, "bins")


def test_training_state_flattens_and_comes_back(tmp_path):
    net = tiny("regression").net
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    net(sample_L()).mean().backward()
    opt.step()
    state = {"step": 7, "opt": opt.state_dict(), "note": None, "flags": [True, 1.5, "x"]}
    tensors: dict = {}
    skeleton = flatten_state("state", state, tensors)
    path = tmp_path / "run.resume.safetensors"
    write_safetensors(path, tensors, {"format_version": FORMAT_VERSION, "kind": "resume",
                                      "skeleton": skeleton})
    got_tensors, meta = read_safetensors(path)
    back = unflatten_state(meta["skeleton"], got_tensors)
    assert back["step"] == 7 and back["note"] is None and back["flags"] == [True, 1.5, "x"]
    opt2 = torch.optim.AdamW(net.parameters(), lr=1e-3)
    opt2.load_state_dict(back["opt"])
    for k, s in opt.state_dict()["state"].items():
        assert torch.equal(opt2.state_dict()["state"][k]["exp_avg"], s["exp_avg"])
    with pytest.raises(TypeError):
        flatten_state("x", {"bad": object()}, {})


# --- registry ---------------------------------------------------------------------------------

@pytest.fixture
def model_dirs(tmp_path, monkeypatch):
    bundled, user = tmp_path / "weights", tmp_path / "user_models"
    bundled.mkdir()
    user.mkdir()
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(bundled))
    monkeypatch.setenv("COLORIZER_USER_MODELS", str(user))
    for family in reversed(FAMILIES):  # written in a different order from the one listed
        save(bundled, family)
    save(user, "regression", stem="zeta_finetune")
    save(user, "classification", stem="alpha_cls", name="Alpha photos")
    # things that are not models and must be skipped quietly
    (user / "notes.txt").write_text("hello")
    (user / "broken.safetensors").write_bytes(b"\x00" * 10)
    save_file({"w": torch.zeros(1)}, str(user / "foreign.safetensors"))
    write_safetensors(user / "zeta_finetune.resume.safetensors", {"w": torch.zeros(1)},
                      {"format_version": FORMAT_VERSION, "family": "regression", "kind": "resume"})
    return bundled, user


def test_dirs_follow_environment(model_dirs):
    bundled, user = model_dirs
    assert registry.bundled_dir() == bundled
    assert registry.user_models_dir() == user


def test_list_models_bundled_first(model_dirs):
    bundled, user = model_dirs
    entries = registry.list_models()
    names = [e.name for e in entries]
    assert names == ["regression", "classification", "gan", "Alpha photos", "zeta_finetune"]
    assert [e.bundled for e in entries] == [True, True, True, False, False]
    assert [e.family for e in entries] == ["regression", "classification", "gan",
                                           "classification", "regression"]
    assert entries[0].path == bundled / "regression.safetensors"
    assert entries[3].path == user / "alpha_cls.safetensors"
    assert entries[3].meta["family"] == "classification"


def test_list_models_with_missing_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(tmp_path / "none1"))
    monkeypatch.setenv("COLORIZER_USER_MODELS", str(tmp_path / "none2"))
    assert registry.list_models() == []
    with pytest.raises(CheckpointError, match="none found"):
        registry.resolve("classification")


def test_resolve_by_name(model_dirs):
    bundled, user = model_dirs
    assert registry.resolve("gan") == bundled / "gan.safetensors"
    assert registry.resolve("Alpha photos") == user / "alpha_cls.safetensors"
    assert registry.resolve("alpha_cls") == user / "alpha_cls.safetensors"  # by file stem too
    assert registry.resolve("zeta_finetune") == user / "zeta_finetune.safetensors"


def test_resolve_by_path(model_dirs, tmp_path):
    elsewhere, _ = save(tmp_path, "gan", stem="loose")
    assert registry.resolve(elsewhere) == elsewhere
    assert registry.resolve(str(elsewhere)) == elsewhere
    with pytest.raises(CheckpointError) as info:
        registry.resolve(tmp_path / "absent.safetensors")
    assert "absent.safetensors" in str(info.value)


def test_resolve_unknown_name_lists_available(model_dirs):
    with pytest.raises(CheckpointError) as info:
        registry.resolve("sepia-deluxe")
    msg = str(info.value)
    assert "sepia-deluxe" in msg
    for name in ["natural", "vivid", "lively", "Alpha photos", "zeta_finetune"]:
        assert name in msg


def test_registry_load(model_dirs):
    m = registry.load("classification", expect_family="classification")
    assert m.family == "classification" and m.bins is not None
    with pytest.raises(CheckpointError):
        registry.load("zeta_finetune", expect_family="gan")
