"""Restoration: damage drawn on real photos is found and filled by the bundled detector, a clean
photo passes through, the brush edits the mask, grain and contrast options do what they say."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from skimage import color, data

from colorizer_app.imaging.metrics import lightness_psnr as psnr
from colorizer_app.restore.damage import draw_damage
from colorizer_app.restore.detector import DetectorError, bundled_detector, load_detector, save_detector, DamageNet
from colorizer_app.restore.mask import damage_mask, draw_strokes, find_damage
from colorizer_app.restore.options import Restore, Stroke
from colorizer_app.restore.restore import restore_lightness
from colorizer_app.restore.tone import grain_level, lift_contrast, reduce_grain
from colorizer_app.training.damage_detector import mask_scores


def photo_L(name: str) -> np.ndarray:
    img = getattr(data, name)()
    rgb = np.stack([img] * 3, -1) if img.ndim == 2 else img[..., :3]
    return color.rgb2lab(rgb)[..., 0].astype(np.float32)


def crack(L: np.ndarray, value: float = 97.0, width: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """A bright jagged crack across the photo, and its mask."""
    h, w = L.shape
    rng = np.random.default_rng(3)
    xs = np.linspace(0.1 * w, 0.9 * w, 40)
    ys = 0.3 * h + np.cumsum(rng.normal(0, 3, 40)) + np.linspace(0, 0.4 * h, 40)
    cover = np.zeros((h, w), np.float32)
    pts = np.round(np.stack([xs, ys], 1) * 16).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(cover, [pts], False, 1.0, width, cv2.LINE_AA, 4)
    out = L * (1 - cover) + value * cover
    return out.astype(np.float32), cover >= 0.35


def tensor(L: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(L)[None]


def test_damage_drawing_masks_what_changed_and_nothing_else():
    L = photo_L("camera")
    d = draw_damage(L, np.random.default_rng(0), amount=2.0, look=False)
    assert d.mask.any()
    diff = np.abs(d.L - L)
    assert diff[d.mask].min() >= 2.0  # every masked pixel was visibly changed
    assert diff[~d.mask & ~d.unsure].max() < 2.0  # and nothing outside the marks was
    clean = draw_damage(L, np.random.default_rng(0), amount=0.0)
    assert not clean.mask.any()


@pytest.mark.parametrize("name", ["camera", "astronaut", "chelsea"])
def test_a_drawn_crack_is_found_and_filled(name):
    L = photo_L(name)[::2, ::2].copy()
    damaged, truth = crack(L)
    r = restore_lightness(tensor(damaged), Restore())
    assert mask_scores(r.mask, truth)["recall"] >= 0.8
    restored = r.L[0].numpy()
    before, after = np.abs(damaged - L)[truth].mean(), np.abs(restored - L)[truth].mean()
    assert after < before / 4  # where the crack was, the photo is back within a few L units
    assert np.array_equal(restored[~r.mask], damaged[~r.mask])  # only the masked pixels change


def test_a_crack_on_a_photo_without_thin_bright_lines_is_repaired_as_a_whole():
    """On a photo with no thin bright lines of its own (no lattice, no sharp rim), the repaired
    photo is more than 4 dB closer to the undamaged one; on camera, coffee and astronaut the
    detector also takes thin bright things of the picture for damage (weights/restore/MODEL_CARD.md)."""
    L = photo_L("chelsea")[::2, ::2].copy()
    damaged, _ = crack(L)
    restored = restore_lightness(tensor(damaged), Restore()).L[0].numpy()
    assert psnr(restored, L) >= psnr(damaged, L) + 4.0


def smooth_photo(h: int = 300, w: int = 400) -> np.ndarray:
    """Soft shapes and gradients with film grain: an undamaged photo with nothing thin in it."""
    y, x = np.mgrid[0:h, 0:w]
    L = 30 + 40 * x / w + 15 * np.sin(y / 23.0) + 20 * (((x - 250) ** 2 + (y - 150) ** 2) < 60**2)
    L = cv2.GaussianBlur(L.astype(np.float32), (0, 0), 2.0)
    return (L + np.random.default_rng(0).normal(0, 2.0, L.shape)).astype(np.float32)


@pytest.mark.parametrize("photo", ["chelsea", "smooth"])
def test_a_clean_photo_passes_through(photo):
    L = smooth_photo() if photo == "smooth" else photo_L(photo)
    r = restore_lightness(tensor(L), Restore())
    assert psnr(r.L[0].numpy(), L) >= 38.0
    assert r.mask.mean() < 0.01


def test_restore_off_is_the_identity():
    from colorizer_app.models.pipeline import restored

    L = tensor(photo_L("camera"))
    assert restored(L, None) is L
    assert restored(L, Restore(repair=False)) is L


def test_odds_are_found_at_the_detector_size_and_scale_to_any_size():
    L = tensor(np.full((300, 2600), 50.0, np.float32))
    odds = find_damage(L)
    assert odds.shape == (1, 148, 1280)
    assert damage_mask(odds, (300, 2600)).shape == (300, 2600)


def test_brush_strokes_add_and_erase_in_order():
    mask = np.zeros((100, 200), bool)
    add = Stroke(((0.25, 0.5), (0.75, 0.5)), radius=0.02)
    erase = Stroke(((0.5, 0.5),), radius=0.05, erase=True)
    one = draw_strokes(mask, (add,))
    assert one[50, 60] and one[50, 140] and not one[10, 100]
    two = draw_strokes(mask, (add, erase))
    assert not two[50, 100] and two[50, 60]
    again = draw_strokes(mask, (add, erase, add))
    assert again[50, 100]


def test_brush_strokes_reach_the_fill():
    L = photo_L("camera")[::2, ::2].copy()
    spot = L.copy()
    spot[100:104, 100:104] = 100.0  # too small a mark to be sure of: painted by hand
    stroke = Stroke(((104 / L.shape[1], 102 / L.shape[0]),), radius=6 / max(L.shape))
    r = restore_lightness(tensor(spot), Restore(strokes=(stroke,)))
    assert r.mask[100:104, 100:104].all()
    assert np.abs(r.L[0].numpy()[100:104, 100:104] - L[100:104, 100:104]).mean() < 10


def test_restore_options_undo():
    s = Stroke(((0.1, 0.1),), 0.01)
    r = Restore().with_stroke(s)
    assert r.strokes == (s,) and r.undone() == Restore()
    with pytest.raises(ValueError):
        Stroke((), 0.01)
    with pytest.raises(ValueError):
        Stroke(((0.1, 0.1),), 0.0)


def test_lift_contrast_stretches_a_faded_photo_and_leaves_a_full_one():
    L = photo_L("camera")
    faded = 30 + L * 0.4
    lifted = lift_contrast(faded)
    lo, hi = np.percentile(lifted, (0.5, 99.5))
    assert lo <= 3.5 and hi >= 96.5
    assert np.corrcoef(lifted.ravel(), L.ravel())[0, 1] > 0.99  # the same picture
    full = lift_contrast(np.clip(L * 1.2 - 10, 0, 100).astype(np.float32))
    assert np.allclose(full, np.clip(L * 1.2 - 10, 0, 100))


def test_reduce_grain_measures_and_lowers_it():
    L = photo_L("camera")
    noisy = (L + np.random.default_rng(0).normal(0, 4, L.shape)).astype(np.float32)
    assert 2.5 < grain_level(noisy) < 6.0
    smooth = reduce_grain(noisy)
    assert psnr(smooth, L) > psnr(noisy, L) + 2.0


def test_restore_keeps_the_lightness_range_and_size():
    L = photo_L("astronaut")
    r = restore_lightness(tensor(L), Restore(denoise=True, contrast=True))
    out = r.L[0].numpy()
    assert out.shape == L.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 100


def test_the_bundled_detector_is_trained():
    """Its answer on a drawn crack beats a net of random weights by far (it is not a placeholder)."""
    L = photo_L("chelsea")[::2, ::2].copy()
    damaged, truth = crack(L)
    trained = bundled_detector()
    torch.manual_seed(0)
    random_net = load_detector(trained.path)
    for p in random_net.net.parameters():
        torch.nn.init.normal_(p, 0, 0.05)
    f1 = lambda det: mask_scores(damage_mask(find_damage(tensor(damaged), det), L.shape, det.threshold), truth)["f1"]  # noqa: E731
    assert f1(trained) > 0.6 > f1(random_net) + 0.3


def test_a_bad_detector_file_is_refused_with_its_name(tmp_path):
    bad = tmp_path / "broken.safetensors"
    bad.write_bytes(b"not a safetensors file")
    with pytest.raises(DetectorError, match="broken.safetensors"):
        load_detector(bad)
    other = tmp_path / "other.safetensors"
    from safetensors.torch import save_file

    save_file({"x": torch.zeros(1)}, str(other))
    with pytest.raises(DetectorError, match="not a damage detector"):
        load_detector(other)


def test_a_saved_detector_loads_the_same(tmp_path):
    torch.manual_seed(0)
    net = DamageNet()
    save_detector(net, tmp_path / "d.safetensors", {"version": "test"})
    det = load_detector(tmp_path / "d.safetensors")
    x = torch.rand(1, 1, 32, 48) * 100
    with torch.no_grad():
        a = torch.sigmoid(net.half().float()(x))
    assert torch.allclose(det.probability(x[0]), a[0], atol=0.06)  # it runs in bf16
    assert not list(tmp_path.glob(".*part"))
