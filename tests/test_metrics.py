"""Metrics checked against independent references: scikit-image, hand-worked values and the
CIEDE2000 test data of Sharma, Wu & Dalal (2005). Images are small crops so this runs fast."""

from __future__ import annotations

import math

import numpy as np
import pytest
from skimage import data
from skimage.color import deltaE_ciede2000, lab2rgb, rgb2lab
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from colorizer_app.imaging.metrics import (
    AUC_THRESHOLDS,
    MetricAccumulator,
    MetricSummary,
    ab_error_auc,
    ciede2000,
    colour_cast,
    wrong_colour_rate,
    colourfulness,
    format_table,
    psnr,
    ssim,
)


@pytest.fixture(scope="module")
def photos() -> tuple[np.ndarray, np.ndarray]:
    """Two 48x48 uint8 RGB photos (downscaled by striding, then cropped)."""
    return data.astronaut()[::8, ::8][:48, :48].copy(), data.chelsea()[::6, ::6][:48, :48].copy()


def noisy(rgb: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rgb + rng.normal(0, sigma, rgb.shape), 0, 255).astype(np.uint8)


def grey(rgb: np.ndarray) -> np.ndarray:
    """The grayscale baseline: the same L with ab = 0."""
    lab = rgb2lab(rgb)
    lab[..., 1:] = 0
    return np.clip(np.round(lab2rgb(lab) * 255), 0, 255).astype(np.uint8)


def test_psnr_matches_skimage(photos):
    true = photos[0]
    pred = noisy(true, 10)
    ref = peak_signal_noise_ratio(true, pred, data_range=255)
    assert psnr(pred, true) == pytest.approx(ref, abs=1e-9)


def test_psnr_identical_is_capped(photos):
    assert psnr(photos[0], photos[0]) == 100.0


def test_ssim_matches_skimage(photos):
    true = photos[1]
    pred = noisy(true, 20)
    ref = structural_similarity(pred, true, channel_axis=-1, data_range=255)
    assert ssim(pred, true) == pytest.approx(ref, abs=1e-12)
    assert ssim(true, true) == pytest.approx(1.0)


@pytest.mark.parametrize(("shape", "win"), [((5, 9), 5), ((6, 4), 3), ((3, 3), 3)])
def test_ssim_small_images_use_largest_odd_window(shape, win):
    rng = np.random.default_rng(1)
    true = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    pred = noisy(true, 15)
    ref = structural_similarity(pred, true, channel_axis=-1, data_range=255, win_size=win)
    assert ssim(pred, true) == pytest.approx(ref, abs=1e-12)


def test_ssim_rejects_images_under_3px():
    with pytest.raises(ValueError):
        ssim(np.zeros((2, 9, 3), np.uint8), np.zeros((2, 9, 3), np.uint8))


def test_colourfulness_of_grey_is_zero(photos):
    g = np.repeat(photos[0].mean(-1, keepdims=True).astype(np.uint8), 3, axis=-1)
    assert colourfulness(g) == 0.0


def test_colourfulness_two_pixels_by_hand():
    img = np.array([[[255, 0, 0], [0, 0, 255]]], dtype=np.uint8)  # pure red, pure blue
    # rg = (255, 0), yb = (127.5, -255): means 127.5, -63.75; population sds 127.5, 191.25.
    expected = math.sqrt(127.5**2 + 191.25**2) + 0.3 * math.sqrt(127.5**2 + 63.75**2)
    assert colourfulness(img) == pytest.approx(expected, rel=1e-12)


def test_auc_identical_is_one(photos):
    lab = rgb2lab(photos[0])
    assert ab_error_auc(lab, lab) == 1.0


def test_auc_all_errors_beyond_150_is_zero():
    true = np.zeros((4, 5, 3))
    pred = true.copy()
    pred[..., 1] = 120.0
    pred[..., 2] = -100.0  # distance ~156.2 > 150
    assert ab_error_auc(pred, true) == 0.0


@pytest.mark.parametrize(("da", "db"), [(3.0, 4.0), (10.0, 10.0), (0.0, 150.0), (-0.5, 0.0)])
def test_auc_constant_offset(da, db):
    """Distance d everywhere counts for the thresholds t >= d: 151 - ceil(d) of the 151."""
    true = np.full((6, 7, 3), [50.0, 10.0, -20.0])
    pred = true + [0.0, da, db]
    d = math.hypot(da, db)
    expected = (151 - math.ceil(d)) / len(AUC_THRESHOLDS)
    assert ab_error_auc(pred, true) == pytest.approx(expected, abs=1e-12)


def test_auc_half_right_half_offset():
    true = np.zeros((2, 4, 3))
    pred = true.copy()
    pred[0, :, 1:] = [3.0, 4.0]  # half the pixels 5 away, half exact
    assert ab_error_auc(pred, true) == pytest.approx((151 + 146) / 2 / 151, abs=1e-12)


def test_ciede2000_identical_is_zero(photos):
    lab = rgb2lab(photos[1])
    assert ciede2000(lab, lab) == pytest.approx(0.0, abs=1e-9)


def test_ciede2000_sharma_reference_pairs():
    """Pairs 1, 7 and 17 of Sharma et al. (2005), with their published Delta E00."""
    lab1 = np.array([[[50.0, 2.6772, -79.7751], [50.0, 0.0, 0.0], [50.0, 2.5, 0.0]]])
    lab2 = np.array([[[50.0, 0.0, -82.7485], [50.0, -1.0, 2.0], [73.0, 25.0, -18.0]]])
    expected = np.mean([2.0425, 2.3669, 27.1492])
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def test_ciede2000_matches_skimage_on_photo(photos):
    true = rgb2lab(photos[0])
    pred = rgb2lab(noisy(photos[0], 25))
    assert ciede2000(pred, true) == pytest.approx(deltaE_ciede2000(pred, true).mean(), rel=1e-12)


def test_accumulator_averages_two_images(photos):
    acc = MetricAccumulator()
    pairs = [(noisy(photos[0], 12), photos[0]), (grey(photos[1]), photos[1])]
    for pred, true in pairs:
        acc.add(pred, true)
    s = acc.summary()

    def mean(f, lab=False):
        conv = rgb2lab if lab else (lambda x: x)
        return np.mean([f(conv(p), conv(t)) for p, t in pairs])

    assert s.count == 2
    assert s.psnr == pytest.approx(mean(psnr))
    assert s.ssim == pytest.approx(mean(ssim))
    assert s.auc == pytest.approx(mean(ab_error_auc, lab=True))
    assert s.ciede2000 == pytest.approx(mean(ciede2000, lab=True))
    assert s.wrong_colour == pytest.approx(mean(wrong_colour_rate, lab=True))
    assert s.cast_a == pytest.approx(mean(lambda p, t: colour_cast(p, t)[0], lab=True))
    assert s.cast_b == pytest.approx(mean(lambda p, t: colour_cast(p, t)[1], lab=True))
    assert s.colourfulness == pytest.approx(np.mean([colourfulness(p) for p, _ in pairs]))
    assert s.colourfulness_true == pytest.approx(np.mean([colourfulness(t) for _, t in pairs]))
    assert s.colourfulness_ratio == pytest.approx(s.colourfulness / s.colourfulness_true)
    # mean ab error: the distance in (a, b) of scikit-image's Lab, pixel by pixel, then per photo
    assert s.ab_error == pytest.approx(np.mean([np.hypot(*(rgb2lab(p) - rgb2lab(t))[..., 1:].transpose(2, 0, 1)).mean()
                                                for p, t in pairs]))
    assert s.ab_error > 1.0  # the gray version of a colour photo is far off
    d = s.as_dict()
    keys = {"psnr", "ssim", "colourfulness", "colourfulness_true", "auc", "ciede2000", "wrong_colour", "cast_a", "cast_b",
            "ab_error", "count"}
    assert set(d) == keys | {"colourfulness_ratio"}
    assert d["colourfulness_ratio"] == s.colourfulness_ratio


def test_accumulator_rejects_size_mismatch(photos):
    with pytest.raises(ValueError):
        MetricAccumulator().add(photos[0], photos[0][:-1])


def test_colourfulness_ratio_zero_when_truth_grey():
    s = MetricSummary(
        psnr=30, ssim=0.9, colourfulness=5, colourfulness_true=0, auc=0.9, ciede2000=3,
        wrong_colour=0.0, cast_a=0.0, cast_b=0.0, count=1
    )
    assert s.colourfulness_ratio == 0.0


def test_grey_baseline_and_perfect_model(photos):
    """Sanity: the ab = 0 baseline has (almost) no colour and a perfect model has ratio 1."""
    base, perfect = MetricAccumulator(), MetricAccumulator()
    for p in photos:
        base.add(grey(p), p)
        perfect.add(p, p)
    assert base.summary().colourfulness < 2.0
    assert perfect.summary().colourfulness_ratio == pytest.approx(1.0)
    assert perfect.summary().auc == 1.0 and perfect.summary().psnr == 100.0
    assert base.summary().auc < 1.0


def test_format_table(photos):
    acc = MetricAccumulator()
    acc.add(grey(photos[0]), photos[0])
    rows = {"grayscale baseline": acc.summary(), "regression": acc.summary()}
    text = format_table(rows)
    lines = text.splitlines()
    for name in rows:
        assert name in text
    for col in ("PSNR dB", "SSIM", "colourful", "AuC", "CIEDE2000", "wrong colour", "cast a, b", "images", "% of truth)"):
        assert col in text
    assert len({len(line) for line in lines}) == 1  # aligned
    assert len(lines) == 2 + len(rows)


def _wrong_colour_reference(pred_lab, true_lab):
    """Pixel by pixel, as the wrong-colour rate is defined: ab error > 30 while predicted chroma > 20."""
    count = 0
    h, w = pred_lab.shape[:2]
    for y in range(h):
        for x in range(w):
            pa, pb = pred_lab[y, x, 1], pred_lab[y, x, 2]
            ta, tb = true_lab[y, x, 1], true_lab[y, x, 2]
            err = ((pa - ta) ** 2 + (pb - tb) ** 2) ** 0.5
            chroma = (pa * pa + pb * pb) ** 0.5
            count += err > 30 and chroma > 20
    return count / (h * w)


def test_wrong_colour_rate_matches_reference_and_spares_gray():
    rng = np.random.default_rng(3)
    true = np.concatenate([rng.uniform(0, 100, (24, 32, 1)), rng.uniform(-60, 60, (24, 32, 2))], -1)
    pred = true.copy()
    pred[..., 1:] += rng.normal(0, 30, (24, 32, 2))
    assert wrong_colour_rate(pred, true) == pytest.approx(_wrong_colour_reference(pred, true))
    assert 0.05 < wrong_colour_rate(pred, true) < 0.95
    gray = true.copy()
    gray[..., 1:] = 0
    assert wrong_colour_rate(gray, true) == 0.0  # the grayscale baseline never paints a false colour
    assert wrong_colour_rate(true, true) == 0.0
    # a vivid blotch on a gray truth counts; a faint one (chroma <= 20) does not
    blotch, faint = gray.copy(), gray.copy()
    blotch[:12, :, 1] = 45.0
    faint[:12, :, 1] = 19.0
    assert wrong_colour_rate(blotch, gray) == pytest.approx(0.5)
    assert wrong_colour_rate(faint, gray) == 0.0


def test_colour_cast_gives_the_direction_of_a_tint_against_skimage_lab():
    """A photo tinted blue reads as a negative b, a sepia one as a positive b, checked against
    scikit-image's own Lab of the two images; the truth itself and its mirror read (0, 0)."""
    from skimage import data

    true = data.astronaut()[::4, ::4]
    true_lab = rgb2lab(true)
    blue = np.clip(true.astype(int) + [-12, 0, 25], 0, 255).astype(np.uint8)
    sepia = np.clip(true.astype(int) + [20, 8, -20], 0, 255).astype(np.uint8)
    for tinted, sign in ((blue, -1), (sepia, +1)):
        lab = rgb2lab(tinted)
        a, b = colour_cast(lab, true_lab)
        assert b == pytest.approx(np.mean(lab[..., 2] - true_lab[..., 2]))
        assert a == pytest.approx(np.mean(lab[..., 1] - true_lab[..., 1]))
        assert sign * b > 5
    assert colour_cast(true_lab, true_lab) == (0.0, 0.0)
    acc = MetricAccumulator()
    acc.add(blue, true)
    assert "cast a, b" in format_table({"blue": acc.summary()})
    assert acc.summary().as_dict()["cast_b"] < -5
