"""scripts/average_weights.py: the mixtures shipped models are made of. Weights land at the asked
share of each parent, a Vivid's colour head is kept whole when only the trunk is mixed, and files
that are not one network are refused with a message.

Hermetic: tiny networks, written to tmp_path, no photos.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import torch

from colorizer_app.models.checkpoint import load_model, new_model, save_model

TINY = {"widths": (8, 8, 16), "blocks": 2}
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "average_weights.py"


def _write(tmp_path: Path, family: str, name: str, seed: int, steps: int = 0) -> Path:
    torch.manual_seed(seed)
    m = new_model(family, TINY, pretrained=False)
    path = tmp_path / f"{name}.safetensors"
    save_model(path, m.net, {"name": name, "steps": steps, "train_seconds": 10.0 * steps}, bins=m.bins)
    return path


def _average(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True)


def _floats(path: Path, family: str) -> dict[str, torch.Tensor]:
    return {k: v.float() for k, v in load_model(path, expect_family=family).net.state_dict().items()
            if v.is_floating_point()}


def test_natural_and_lively_mix_at_the_asked_share(tmp_path):
    a, b = _write(tmp_path, "regression", "a", 1), _write(tmp_path, "gan", "b", 2)
    out = tmp_path / "mix.safetensors"
    r = _average(a, b, "--alpha", "0.25", "--out", out)
    assert r.returncode == 0, r.stderr
    wa, wb, wm = _floats(a, "regression"), _floats(b, "gan"), _floats(out, "regression")
    assert all(torch.allclose(wm[k], 0.75 * wa[k] + 0.25 * wb[k], atol=2e-3) for k in wm)
    assert load_model(out).meta["parents"][1]["weight"] == 0.25


def test_the_training_behind_a_mixture_counts_only_parents_that_give_weights(tmp_path):
    """Both parents' steps and hours for a mixture; a file relabelled into another family (alpha 1:
    A's family, B's weights) has only B's training behind it."""
    a, b = _write(tmp_path, "regression", "a", 1, steps=100), _write(tmp_path, "gan", "b", 2, steps=40)
    for alpha, steps in ((0.5, 140), (1.0, 40), (0.0, 100)):
        out = tmp_path / f"mix{alpha}.safetensors"
        assert _average(a, b, "--alpha", alpha, "--out", out).returncode == 0
        meta = load_model(out).meta
        assert (meta["steps"], meta["train_seconds"]) == (steps, 10.0 * steps)


def test_vivid_trunk_mixed_with_a_natural_keeps_its_own_colour_head(tmp_path):
    v, n = _write(tmp_path, "classification", "v", 3), _write(tmp_path, "regression", "n", 4)
    refused = _average(v, n, "--alpha", "0.5", "--out", tmp_path / "x.safetensors")
    assert refused.returncode == 2 and "not the same network" in refused.stderr

    out = tmp_path / "trunk.safetensors"
    r = _average(v, n, "--alpha", "0.5", "--trunk-only", "--out", out)
    assert r.returncode == 0, r.stderr
    mixed = load_model(out, expect_family="classification")
    assert mixed.bins is not None and mixed.meta["mixed"].startswith("trunk only")
    wv, wn, wm = _floats(v, "classification"), _floats(n, "regression"), _floats(out, "classification")
    heads = [k for k in wm if k.startswith("head.")]
    assert heads and all(torch.equal(wm[k], wv[k]) for k in heads)
    trunk = [k for k in wm if k not in heads]
    assert all(torch.allclose(wm[k], 0.5 * (wv[k] + wn[k]), atol=2e-3) for k in trunk)
    with torch.inference_mode():
        assert torch.isfinite(mixed.net(torch.full((1, 1, 32, 32), 50.0))).all()


def test_networks_of_other_shapes_are_refused(tmp_path):
    a = _write(tmp_path, "regression", "a", 5)
    torch.manual_seed(6)
    other = new_model("regression", {"widths": (8, 16, 16), "blocks": 2}, pretrained=False)
    b = tmp_path / "b.safetensors"
    save_model(b, other.net, {"name": "b"})
    for extra in ([], ["--trunk-only"]):
        r = _average(a, b, "--alpha", "0.5", *extra, "--out", tmp_path / "o.safetensors")
        assert r.returncode == 2 and "error: the two checkpoints" in r.stderr and not (tmp_path / "o.safetensors").exists()
