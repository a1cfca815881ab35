"""scripts/decoder_on_cached_features.py: the decoder learns on the frozen encoder's kept view, and
the encoder (with its batch-norm statistics) is written back exactly as it was, whether the views
are whole photos or the training recipe's crops with hints and damage, for Natural and for Vivid.
The split of the network into encode and decode gives what the network itself gives.

Hermetic: a small untrained network and four scikit-image photos in tmp_path.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data
from skimage.transform import resize

from colorizer_app.models.checkpoint import load_model, new_model, save_model

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "decoder_on_cached_features.py"
SPEC = {"arch": "effnet_lite0", "widths": (16, 16, 32), "hint_channels": 3}


def _run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True)


@pytest.fixture
def photos(tmp_path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("chelsea", "coffee", "rocket", "astronaut"):
        rgb = (resize(getattr(data, name)()[..., :3], (144, 144), anti_aliasing=True) * 255).astype(np.uint8)
        Image.fromarray(rgb).save(folder / f"{name}.png")
    return folder


def _net_file(tmp_path: Path, family: str = "regression") -> Path:
    torch.manual_seed(0)
    model = new_model(family, SPEC, pretrained=False)
    path = tmp_path / f"{family}.safetensors"
    save_model(path, model.net, {"name": family, "steps": 100, "train_seconds": 60.0}, bins=model.bins)
    return path


@pytest.mark.parametrize("family, views", [("regression", []), ("regression", ["--crops"]),
                                           ("classification", []), ("classification", ["--crops"])],
                         ids=["Natural, whole photos", "Natural, recipe crops", "Vivid, whole photos",
                              "Vivid, recipe crops"])
def test_only_the_decoder_learns(tmp_path, photos, family, views):
    start = _net_file(tmp_path, family)
    out = tmp_path / "out.safetensors"
    done = _run(start, photos, "--out", out, "--steps", 3, "--batch", 4, "--lr", 1e-2, *views)
    assert done.returncode == 0, done.stderr
    before, after = load_model(start).net.state_dict(), load_model(out).net.state_dict()
    encoder = [k for k in before if k.startswith(("encoder.", "hint_in."))]
    decoder = [k for k in before if k.startswith(("up4.", "head.")) and before[k].is_floating_point()]
    assert encoder and decoder
    assert all(torch.equal(before[k], after[k]) for k in encoder)
    assert any(not torch.equal(before[k], after[k]) for k in decoder)
    meta = load_model(out).meta
    assert (meta["decoder_steps"], meta["steps"]) == (3, 103) and meta["train_seconds"] > 60.0
    assert load_model(out).family == family


def test_encode_then_decode_is_the_network():
    torch.manual_seed(0)
    net = new_model("regression", SPEC, pretrained=False).net.eval()
    L = torch.rand(2, 1, 64, 96) * 100
    hints = torch.zeros(2, 3, 64, 96)
    hints[:, :2, 10, 20], hints[:, 2, 10, 20] = 40.0, 1.0
    with torch.no_grad():
        assert torch.equal(net.decode(*net.encode(L, hints)), net(L, hints))


def test_a_lively_network_is_refused(tmp_path, photos):
    """Lively learns against its critic, which this script does not train."""
    done = _run(_net_file(tmp_path, "gan"), photos, "--out", tmp_path / "x.safetensors", "--steps", 1)
    assert done.returncode == 2 and "not a Natural or Vivid network" in done.stderr


def test_natural_loss_options_are_refused_for_vivid(tmp_path, photos):
    """--loss, --chroma-weight and --false-colour-weight are terms of Natural's loss: a Vivid file
    says so instead of training without them, and nothing is written."""
    out = tmp_path / "x.safetensors"
    done = _run(_net_file(tmp_path, "classification"), photos, "--out", out, "--steps", 1,
                "--false-colour-weight", 0.25)
    assert done.returncode == 2 and "--false-colour-weight" in done.stderr and not out.exists()
    done = _run(_net_file(tmp_path, "classification"), photos, "--out", out, "--steps", 1, "--chroma-weight", 1.0)
    assert done.returncode == 2 and "--chroma-weight" in done.stderr and not out.exists()


def test_kept_views_are_reused_and_give_the_same_network(tmp_path, photos):
    """A run with --views writes them; a second run with the same seed reads them instead of making
    them again and gives the same network. Views made through another encoder are refused, and the
    message names the file."""
    start, views = _net_file(tmp_path), tmp_path / "crops.views"
    common = ("--steps", 3, "--batch", 4, "--lr", 1e-2, "--crops", "--views", views)
    first = _run(start, photos, "--out", tmp_path / "a.safetensors", "--seed", 1, *common)
    assert first.returncode == 0, first.stderr
    assert views.exists() and "views written" in first.stdout
    again = _run(start, photos, "--out", tmp_path / "b.safetensors", "--seed", 1, *common)
    assert again.returncode == 0 and "views read" in again.stdout
    a, b = (load_model(tmp_path / f"{x}.safetensors").net.state_dict() for x in "ab")
    assert all(torch.equal(a[k], b[k]) for k in a)
    other = tmp_path / "other.safetensors"
    torch.manual_seed(1)
    save_model(other, new_model("regression", SPEC, pretrained=False).net, {"name": "regression"})
    refused = _run(other, photos, "--out", tmp_path / "c.safetensors", *common)
    assert refused.returncode != 0 and str(views) in refused.stderr and not (tmp_path / "c.safetensors").exists()


def test_the_recipe_takes_the_loss_the_file_records(tmp_path):
    """Natural's decoder learns with the file's own loss (here smooth L1 and the chroma term, as
    recorded), without the terms through ImageNet networks; --loss overrides the loss on ab and
    --plain-backdrops the family's share of plain backdrops, --false-colour-weight that term's weight."""
    spec = importlib.util.spec_from_file_location("decoder_script", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    torch.manual_seed(0)
    model = new_model("regression", SPEC, pretrained=False)
    path = tmp_path / "n.safetensors"
    recorded = {"regression_loss": "smooth_l1", "chroma_weight": 0.5, "perceptual_weight": 0.1, "unknown": 1}
    save_model(path, model.net, {"name": "regression", "loss": recorded})
    cfg = script.recipe(load_model(path), lr=1e-4, steps=10)
    assert (cfg.loss.regression_loss, cfg.loss.chroma_weight, cfg.loss.perceptual_weight) == ("smooth_l1", 0.5, 0.0)
    assert cfg.plain_backdrops == 0.0
    assert script.recipe(load_model(path), lr=1e-4, steps=10, regression_loss="l2").loss.regression_loss == "l2"
    assert script.recipe(load_model(path), lr=1e-4, steps=10, plain_backdrops=0.3).plain_backdrops == 0.3
    assert cfg.loss.false_colour_weight == 0.0
    assert script.recipe(load_model(path), lr=1e-4, steps=10, false_colour_weight=0.5).loss.false_colour_weight == 0.5
    assert script.recipe(load_model(path), lr=1e-4, steps=10, chroma_weight=1.0).loss.chroma_weight == 1.0
