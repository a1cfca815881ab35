"""The one inference pipeline (models/pipeline.py): its steps, its frozen settings, and that
training validation measures exactly what the app and the command line write."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from skimage import data
from skimage.color import rgb2lab
from skimage.transform import resize

from colorizer_app.defaults import DEFAULT_TEMPERATURE
from colorizer_app.engine import Colorizer
from colorizer_app.imaging.metrics import MetricAccumulator
from colorizer_app.models import pipeline
from colorizer_app.models.checkpoint import new_model
from colorizer_app.models.pipeline import Settings
from colorizer_app.training.data import PhotoSet
from colorizer_app.training.objectives import OBJECTIVES, LossConfig
from colorizer_app.training.trainer import validate

TINY = {"widths": (8, 8, 16), "blocks": 2}


def vivid_model(family: str = "regression"):
    """Predicts a strong colour everywhere: far out of gamut for dark and light pixels."""
    torch.manual_seed(0)
    m = new_model(family, TINY)
    if family == "regression":
        with torch.no_grad():
            m.net.head.weight.zero_()
            m.net.head.bias.copy_(torch.tensor([90.0, -80.0]) / m.net.spec.ab_scale)
    return m


def val_photos(n: int = 3, size: int = 72) -> PhotoSet:
    names = ("astronaut", "chelsea", "coffee")
    imgs = [(resize(getattr(data, names[i % 3])()[..., :3], (size, size), anti_aliasing=True) * 255)
            .round().astype(np.uint8) for i in range(n)]
    return PhotoSet(np.stack(imgs), list(names[:n]))


def test_settings_are_frozen_and_resolve_per_model():
    s = Settings(size=128, vibrance=1.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.vibrance = 2.0
    cls = new_model("classification", TINY)
    assert s.for_model(cls).temperature == DEFAULT_TEMPERATURE
    cls.meta["default_temperature"] = 0.2
    assert s.for_model(cls).temperature == 0.2  # the model's own, as the command line uses
    assert Settings(temperature=0.7).for_model(cls).temperature == 0.7
    assert Settings(temperature=0.7).for_model(new_model("gan", TINY)).temperature is None


def test_the_steps_make_what_colorize_makes():
    m = vivid_model()
    pixels = data.camera()[::3, ::4].copy()  # 171 x 128
    L = pipeline.lightness(pixels)
    out = pipeline.network_output(m, pipeline.working_L(L, 64, m.net.spec.stride))
    assert out.working == (86, 64) and out.raw.shape[-2:] == out.guide.shape[-2:] == (22, 16)  # 88 x 64 / 4
    ab_low = pipeline.decode(m, out)[0]
    assert ab_low.shape == (2, 22, 16)
    ab = pipeline.upsample_ab(ab_low, L, out)
    assert ab.shape == (2, 171, 128)
    screen = pipeline.upsample_ab(ab_low, L[:, ::2, ::2], out)  # any size of the photo's lightness
    assert screen.shape == (2, 86, 64)
    assert pipeline.upsample_ab(ab_low, L, out, "bilinear").shape == (2, 171, 128)
    with pytest.raises(ValueError):
        Settings(upsample="nearest")
    rgb = pipeline.merge(L, ab)
    np.testing.assert_array_equal(rgb, pipeline.colorize(m, pixels, Settings(size=64)))
    np.testing.assert_array_equal(rgb, Colorizer(m, device="cpu", size=64).colorize(pixels).rgb)
    # gamut mapping keeps the photo's own lightness, even for a prediction far out of gamut
    L_out = rgb2lab(rgb)[..., 0]
    assert np.abs(L_out - L[0].numpy()).mean() < 0.6


@pytest.mark.parametrize("family", ["regression", "classification"])
def test_validation_measures_what_the_app_writes(family):
    m = vivid_model(family)
    photos = val_photos()
    objective = OBJECTIVES[family](m, LossConfig(), lr=1e-3)
    got = validate(objective, photos, torch.device("cpu"), limit=3)
    acc = MetricAccumulator()
    c = Colorizer(m, device="cpu", size=photos.size, temperature=LossConfig().temperature)
    for truth in photos.images:
        acc.add(c.colorize(truth).rgb, truth)
    want = acc.summary().as_dict()
    for k in ("psnr", "ssim", "colourfulness", "auc", "ciede2000"):
        assert got[k] == pytest.approx(want[k], rel=1e-4, abs=1e-4), k
