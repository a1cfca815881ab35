"""The bundled weights really colourise: trained, not random, and loaded from weights/ offline."""

from dataclasses import replace

import numpy as np
import pytest
from skimage import data
from skimage.color import rgb2lab
from skimage.transform import resize

from colorizer_app.engine import Colorizer
from colorizer_app.imaging.metrics import colourfulness
from colorizer_app.models import registry
from colorizer_app.models.checkpoint import load_model
from colorizer_app.models.networks import FAMILIES

NET_HINT_ERROR_RATIO = 0.85  # ab error with ten true hints / without, the network's own, at most
HINT_ERROR_RATIO = 0.75  # the same for the whole pipeline (the network, then the spread along edges)
PHOTOS = {name: getattr(data, name)() for name in ("astronaut", "coffee", "chelsea", "rocket")}


def small(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    scale = 256 / min(h, w)
    return (resize(rgb, (round(h * scale), round(w * scale)), anti_aliasing=True) * 255).round().astype(np.uint8)


def ab_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.hypot(*(rgb2lab(a)[..., 1:] - rgb2lab(b)[..., 1:]).transpose(2, 0, 1)).mean())


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    folder = registry.bundled_dir()
    return {f: load_model(folder / f"{f}.safetensors", expect_family=f) for f in FAMILIES}


@pytest.mark.parametrize("family", FAMILIES)
def test_shipped_model_is_listed_with_its_metadata(family):
    entries = {e.name: e for e in registry.list_models() if e.bundled}
    meta = entries[family].meta
    assert meta["family"] == family
    assert meta["steps"] > 0 and "command" in meta and "val_metrics" in meta


@pytest.mark.parametrize("family", FAMILIES)
def test_shipped_model_colourises_real_photos(bundled, family):
    c = Colorizer(bundled[family], device="cpu")
    colourful, errors, gray_errors = [], [], []
    for rgb in PHOTOS.values():
        truth = small(rgb)
        out = c.colorize(truth).rgb
        assert out.shape == truth.shape
        colourful.append(colourfulness(out))
        errors.append(ab_error(out, truth))
        gray_errors.append(ab_error(_gray_version(c, truth), truth))
    # Thresholds sit between the trained models and the same networks with random weights
    # (measured on these four photos: random regression has an ab error 1.27x the grayscale
    # version's, Natural 13 0.68x; random classification a colourfulness of 19 and 0.89x; Lively 12 0.69x and 24, its network
    # with random weights 1.34x and 18; Vivid 11 0.70x and 35).
    colour, ratio = np.mean(colourful), np.mean(errors) / np.mean(gray_errors)
    if family == "regression":
        assert ratio < 0.8, (errors, gray_errors)
    elif family == "classification":
        assert colour > 30 and ratio < 0.8, (colourful, errors, gray_errors)
    else:
        assert colour > 22 and ratio < 0.85, (colourful, errors, gray_errors)


def _gray_version(c: Colorizer, rgb: np.ndarray) -> np.ndarray:
    return c.colorize(rgb, replace(c.settings, vibrance=0.0)).rgb


@pytest.mark.parametrize("family", FAMILIES)
def test_the_shipped_hint_models_follow_hints_from_the_truth(family):
    """Ten hints from the truth (as `eval --hints 10`) bring the colours much closer to it, in the
    network's own output and after the spread along edges (models/hint_spread.py). The hint
    inputs of an untrained hint net start at zero (network alone: ratio 1.0). Measured on these
    four photos: the network alone 0.62 (Natural 13), 0.61 (Lively 12) and 0.61 (Vivid 11), the whole
    pipeline 0.59, 0.58 and 0.56."""
    import torch

    from colorizer_app.models.bins import annealed_mean
    from colorizer_app.models.hints import sample_from_truth
    from colorizer_app.models.pipeline import default_temperature, has_hint_inputs

    entry = next(e for e in registry.list_models() if e.bundled and e.family == family)
    assert entry.has_hint_inputs, f"the bundled {family} model's network has hint inputs"
    c = Colorizer(load_model(entry.path), device="cpu")
    assert has_hint_inputs(c.model)
    plain, net, hinted = [], [], []
    for i, rgb in enumerate(PHOTOS.values()):
        truth = small(rgb)
        ab = torch.from_numpy(rgb2lab(truth)[..., 1:].transpose(2, 0, 1).copy()).float()
        hints = sample_from_truth(ab, 10, np.random.default_rng(i))
        plain.append(ab_error(c.colorize(truth).rgb, truth))
        hinted.append(ab_error(c.colorize(truth, replace(c.settings, hints=hints)).rgb, truth))
        L = c.lightness(truth)
        out = c.net_output(L, c.settings.size, hints)
        raw = out.raw[0]
        if c.model.bins is not None:  # classification: the bin scores' annealed mean, still before the spread
            raw = annealed_mean(raw[None], c.model.bins, default_temperature(c.model))[0]
        net.append(ab_error(c.render(L, raw, out), truth))  # before the spread
    assert np.mean(net) < NET_HINT_ERROR_RATIO * np.mean(plain), (plain, net)
    assert np.mean(hinted) < HINT_ERROR_RATIO * np.mean(plain), (plain, hinted)
