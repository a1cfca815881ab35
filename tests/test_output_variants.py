"""scripts/output_variants.py: the figures of a model's colours changed after the network. The gain
curve fitted by least squares recovers a known gain, and the script prints a row per variant asked,
the colours as they are first.

Hermetic: a tiny untrained network and two scikit-image photos in tmp_path.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from skimage import data
from skimage.transform import resize

from colorizer_app.models.checkpoint import new_model, save_model

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "output_variants.py"


def _script():
    spec = importlib.util.spec_from_file_location(SCRIPT.stem, SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_fitted_curve_undoes_colours_painted_too_strong():
    """Predictions 1.6 times the truth's ab: the least-squares gain is 1 / 1.6 wherever pixels are
    (below chroma 16 the pixels weigh little, and the ridge holds the gain toward 1), and applying it
    gives the truth back."""
    ov = _script()
    rng = np.random.default_rng(0)
    truth = rng.normal(0, 12, (20000, 2))
    pred = 1.6 * truth
    gains = ov.fit_gain_curve([(pred[:10000], truth[:10000]), (pred[10000:], truth[10000:])])
    chroma = np.hypot(pred[:, 0], pred[:, 1])
    covered = [k for k, knot in enumerate(ov.CURVE_KNOTS) if knot >= 16 and (np.abs(chroma - knot) < 2).sum() > 500]
    assert len(covered) >= 4
    assert np.allclose(gains[covered], 1 / 1.6, atol=0.03)  # the ridge pulls a little toward 1
    ab = torch.from_numpy(pred.T.reshape(2, 100, 200)).float()
    back = ov.apply_curve(ab, gains).numpy().reshape(2, -1).T
    assert np.abs(back - truth).mean() < 0.05 * np.abs(truth).mean()


def test_smoothing_keeps_a_plain_colour_and_softens_an_edge():
    ov = _script()
    ab = torch.zeros(2, 16, 16)
    ab[0, :, 8:] = 20.0
    out = ov.smoothed(ab, 1.0)
    assert torch.allclose(out[:, :, :4], ab[:, :, :4]) and torch.allclose(out[:, :, -4:], ab[:, :, -4:], atol=1e-4)
    assert 0 < out[0, 0, 7] < 10 < out[0, 0, 8] < 20


def test_a_row_for_each_variant_asked(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("chelsea", "coffee"):
        rgb = (resize(getattr(data, name)()[..., :3], (96, 128), anti_aliasing=True) * 255).astype(np.uint8)
        Image.fromarray(rgb).save(folder / f"{name}.png")
    torch.manual_seed(0)
    model = new_model("regression", {"widths": (8, 8, 16), "blocks": 2}, pretrained=False)
    path = tmp_path / "tiny.safetensors"
    save_model(path, model.net, {"name": "tiny"})
    done = subprocess.run([sys.executable, str(SCRIPT), str(path), "--data", str(folder), "--gain", "1.1", "--flip",
                           "--smooth", "1", "--with", str(path), "--fit-curve", str(folder), "--curve-photos", "2"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rows = [line.split("  ")[0] for line in done.stdout.splitlines()[3:]]
    assert rows == ["as it is", "colour x1.1", "mean with flipped", "smoothed 1", "mean of 2 models", "gain curve"]
    assert "gain curve: 0: " in done.stdout
