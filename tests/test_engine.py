"""The Colorizer engine with tiny networks on the CPU: sizes, lightness, aspect, controls, devices."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skimage import data
from skimage.color import rgb2gray, rgb2lab
from torch import nn

from colorizer_app.engine import Colorizer, ColorizeResult, available_devices, choose_device
from colorizer_app.engine import device as device_mod
from colorizer_app.defaults import DEFAULT_TEMPERATURE
from colorizer_app.models import pipeline
from colorizer_app.models.checkpoint import LoadedModel, new_model
from colorizer_app.models.pipeline import Settings
from colorizer_app.models.networks import NetSpec

TINY = {"widths": (8, 8, 16), "blocks": 2}


def tiny(family: str, seed: int = 0) -> LoadedModel:
    torch.manual_seed(seed)
    return new_model(family, TINY)


def constant_ab_model(a: float = 12.0, b: float = 24.0) -> LoadedModel:
    """A regression net that predicts the same in-gamut (a, b) everywhere."""
    m = tiny("regression")
    with torch.no_grad():
        m.net.head.weight.zero_()
        m.net.head.bias.copy_(torch.tensor([a, b]) / m.net.spec.ab_scale)
    return m


def peaked_classifier(seed: int = 1) -> LoadedModel:
    """A classification net with confident, position-dependent logits, so temperature matters."""
    m = tiny("classification", seed)
    with torch.no_grad():
        m.net.head.weight.mul_(20.0)
        m.net.head.bias.copy_(torch.randn(m.net.head.bias.shape, generator=torch.Generator().manual_seed(seed)) * 3)
    return m


class ShiftFreeProbe(nn.Module):
    """Stands in for a ColorNet: ab at 1/4 resolution computed from the input L (a = L - 50, b = 0),
    so the output's a channel shows exactly where the engine put each low-resolution value."""

    def __init__(self):
        super().__init__()
        self.spec = NetSpec(family="regression")
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, L):
        low = F.avg_pool2d(L, self.spec.out_stride)
        return torch.cat((low - 50.0, torch.zeros_like(low)), dim=1)


def gray_photo(h: int, w: int) -> np.ndarray:
    """A natural-looking gray uint8 image of any size (camera, tiled and cropped)."""
    cam = data.camera()[::2, ::2]
    reps = (-(-h // cam.shape[0]), -(-w // cam.shape[1]))
    return np.tile(cam, reps)[:h, :w].copy()


def colour_photo(h: int, w: int) -> np.ndarray:
    ast = data.astronaut()[::2, ::2]
    reps = (-(-h // ast.shape[0]), -(-w // ast.shape[1]), 1)
    return np.tile(ast, reps)[:h, :w].copy()


def lightness(pixels: np.ndarray) -> np.ndarray:
    rgb = np.repeat(pixels[..., None], 3, axis=2) if pixels.ndim == 2 else pixels
    return rgb2lab(rgb)[..., 0]


def chroma(rgb: np.ndarray) -> np.ndarray:
    lab = rgb2lab(rgb)
    return np.hypot(lab[..., 1], lab[..., 2])


def record_input_shapes(net: nn.Module) -> list:
    shapes = []
    net.register_forward_pre_hook(lambda mod, args: shapes.append(tuple(args[0].shape)))
    return shapes


# --- sizes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("family,hw,kind", [
    ("classification", (97, 203), "gray"), ("classification", (97, 203), "rgb"),
    ("classification", (9, 9), "gray"), ("regression", (9, 9), "rgb"),
    ("regression", (300, 41), "gray"), ("gan", (300, 41), "rgb"),
    ("gan", (97, 203), "gray"), ("regression", (203, 97), "rgb"),
])
def test_output_has_the_input_pixel_size(family, hw, kind):
    h, w = hw
    pixels = gray_photo(h, w) if kind == "gray" else colour_photo(h, w)
    c = Colorizer(tiny(family), device="cpu", size=64)
    res = c.colorize(pixels)
    assert isinstance(res, ColorizeResult)
    assert res.rgb.shape == (h, w, 3) and res.rgb.dtype == np.uint8
    assert res.device == "CPU"
    assert res.seconds >= 0


def test_single_channel_third_axis_is_gray():
    pixels = gray_photo(40, 56)
    c = Colorizer(constant_ab_model(), device="cpu", size=64)
    a = c.colorize(pixels[..., None])
    b = c.colorize(pixels)
    assert not a.was_colour
    np.testing.assert_array_equal(a.rgb, b.rgb)


def test_rejects_non_uint8():
    c = Colorizer(tiny("regression"), device="cpu")
    with pytest.raises(TypeError):
        c.colorize(np.zeros((16, 16), dtype=np.float32))


# --- the user's own lightness is kept ---------------------------------------------------------

@pytest.mark.parametrize("hw", [(97, 203), (300, 41)])
def test_lightness_of_gray_input_is_kept(hw):
    pixels = gray_photo(*hw)
    pixels = (40 + pixels.astype(np.float64) * 0.6).astype(np.uint8)  # keep ab in gamut at every L
    c = Colorizer(constant_ab_model(), device="cpu", size=64)
    res = c.colorize(pixels)
    assert np.abs(lightness(res.rgb) - lightness(pixels)).max() < 1.0
    # and it really is coloured, with the predicted ab
    lab = rgb2lab(res.rgb)
    assert np.median(lab[..., 1]) == pytest.approx(12.0, abs=1.5)
    assert np.median(lab[..., 2]) == pytest.approx(24.0, abs=1.5)


def test_lightness_of_colour_input_is_kept_and_reported():
    pixels = colour_photo(120, 90)
    c = Colorizer(constant_ab_model(0.0, 0.0), device="cpu", size=64)
    res = c.colorize(pixels)
    assert res.was_colour
    # ab = 0: the output is the input's own lightness as gray
    assert np.abs(lightness(res.rgb) - lightness(pixels)).max() < 1.0
    assert chroma(res.rgb).max() < 2.0


def test_full_resolution_detail_survives_a_small_working_size():
    pixels = gray_photo(256, 384)
    c = Colorizer(constant_ab_model(), device="cpu", size=32)
    out_gray = (rgb2gray(c.colorize(pixels).rgb) * 255)
    # detail far below the 32-pixel working resolution is still there, from the photo's own L
    assert np.corrcoef(out_gray.ravel(), pixels.astype(float).ravel())[0, 1] > 0.99


def test_was_colour_flags():
    c = Colorizer(constant_ab_model(), device="cpu", size=64)
    gray = gray_photo(64, 64)
    assert not c.colorize(gray).was_colour
    assert not c.colorize(np.repeat(gray[..., None], 3, axis=2)).was_colour  # gray saved as RGB
    assert c.colorize(colour_photo(64, 64)).was_colour


# --- vibrance ---------------------------------------------------------------------------------

def test_vibrance():
    pixels = (60 + gray_photo(80, 120).astype(np.float64) * 0.5).astype(np.uint8)
    model = constant_ab_model(10.0, 15.0)
    out = {v: Colorizer(model, device="cpu", size=64, vibrance=v).colorize(pixels).rgb
           for v in (0.0, 1.0, 2.0)}
    lab0 = rgb2lab(out[0.0])
    assert np.abs(lab0[..., 1:]).max() < 1.0  # vibrance 0: gray
    assert np.abs(out[0.0].astype(int) - out[0.0][..., :1].astype(int)).max() <= 1
    c1, c2 = chroma(out[1.0]).mean(), chroma(out[2.0]).mean()
    assert c1 > 10
    assert c2 > 1.5 * c1
    assert c2 == pytest.approx(2 * c1, rel=0.1)


def test_settings_can_be_given_per_call():
    pixels = gray_photo(48, 48)
    c = Colorizer(constant_ab_model(), device="cpu", size=64)
    before = chroma(c.colorize(pixels).rgb).mean()
    assert chroma(c.colorize(pixels, Settings(size=64, vibrance=0.0)).rgb).mean() < 0.1 * before
    assert c.settings.vibrance == 1.0  # the call's settings, not a changed Colorizer


# --- aspect and geometry ----------------------------------------------------------------------

def test_no_square_stretching():
    m = tiny("regression")
    shapes = record_input_shapes(m.net)
    c = Colorizer(m, device="cpu", size=128)
    res = c.colorize(gray_photo(400, 200))
    assert res.rgb.shape == (400, 200, 3)
    (b, ch, h, w), = shapes
    assert (b, ch) == (1, 1)
    assert h % 8 == 0 and w % 8 == 0
    assert min(h, w) == 128 and (h, w) == (256, 128)
    assert h / w == pytest.approx(2.0, abs=8 / 128)


@pytest.mark.parametrize("hw,size", [((300, 200), 100), ((150, 700), 64), ((97, 203), 256)])
def test_network_input_keeps_aspect_up_to_stride(hw, size):
    """A large photo is brought to the working size and padded; a small one only enlarged to the stride."""
    m = tiny("gan")
    shapes = record_input_shapes(m.net)
    Colorizer(m, device="cpu", size=size).colorize(gray_photo(*hw))
    (_, _, h, w), = shapes
    H, W = hw
    assert h % 8 == 0 and w % 8 == 0
    if min(H, W) < size:  # a small photo: each side up to the stride, no padding, nothing more
        assert (h, w) == (H + (-H) % 8, W + (-W) % 8)
    else:
        wh, ww = round(H * size / min(H, W)), round(W * size / min(H, W))
        assert (h, w) == (wh + (-wh) % 8, ww + (-ww) % 8)  # padded, not stretched
    assert abs(h / w - H / W) < 8 * (1 / min(h, w) + H / W / min(h, w)) + 0.02


@pytest.mark.parametrize("upsample,padded,max_err,edge_err", [
    ("bilinear", True, 1.2, 0.5), ("guided", True, 1.5, 0.8),
    ("bilinear", False, 1.2, 0.5), ("guided", False, 1.5, 1.3),
])
def test_ab_is_placed_without_shift(upsample, padded, max_err, edge_err):
    """A fake net whose a channel is L - 50 at 1/4 resolution: after padding, upsampling and
    cropping, the output's a must follow the input's lightness at every pixel. Stretching the
    padded prediction over the photo (a classic bug) misplaces it by up to the padding: here a
    mean error of about 1.3 instead of 0.2. The guided upsampler smooths a little more at the
    photo's border (its windows there see replicated pixels). Unpadded: the same photo below the
    working size, enlarged to 48 x 72 instead; its colour must land as exactly inside. The guided
    upsampler's windows then end at the photo's own edge, where this steep ramp (0.5 L per pixel)
    costs about 1.2 units of a in the outer four columns: under what the eye tells apart."""
    h, w = 45, 69  # pads to 48 x 72
    yy, xx = np.mgrid[0:h, 0:w]
    L_target = 25 + 50 * (0.7 * xx / w + 0.3 * yy / h)  # a steep smooth ramp, L 25..75
    gray = np.clip(np.round(255 * _gray_from_L(L_target)), 0, 255).astype(np.uint8)
    probe = LoadedModel(net=ShiftFreeProbe(), meta={})
    size = h if padded else 512  # at its own size: padded; below the working size: enlarged
    res = Colorizer(probe, device="cpu", size=size, upsample=upsample).colorize(gray)
    err = np.abs(rgb2lab(res.rgb)[..., 1] - (lightness(gray) - 50.0))
    inner = err[4:-4, 4:-4]
    assert inner.mean() < 0.4 and inner.max() < max_err, (inner.mean(), inner.max())
    # the bottom rows and right columns: the padded edge, or the photo's own edge when enlarged
    assert err[-4:].mean() < edge_err and err[:, -4:].mean() < edge_err
    assert err.max() < 4.0  # the outermost pixels: 1/4-resolution averaging at the border


def _gray_from_L(L: np.ndarray) -> np.ndarray:
    """Inverse of L* for gray, in [0, 1] sRGB."""
    f = (L + 16) / 116
    y = np.where(f > 6 / 29, f**3, (f - 16 / 116) * 3 * (6 / 29) ** 2)
    return np.where(y <= 0.0031308, 12.92 * y, 1.055 * y ** (1 / 2.4) - 0.055)


# --- classification ---------------------------------------------------------------------------

def test_temperature_changes_the_output():
    m = peaked_classifier()
    pixels = gray_photo(64, 96)
    outs = {t: Colorizer(m, device="cpu", size=64, temperature=t).colorize(pixels).rgb
            for t in (0.05, 0.38, 1.0)}
    assert not np.array_equal(outs[0.05], outs[1.0])
    assert not np.array_equal(outs[0.38], outs[1.0])
    # a hotter temperature averages over more bins: duller predicted colours (measured on the
    # decoded ab, before gamut mapping trims the most vivid ones at fixed lightness)
    c = Colorizer(m, device="cpu", size=64)
    out = c.net_output(torch.full((1, 64, 96), 50.0), 64)
    ab_chroma = {t: c.decode(out, Settings(temperature=t)).norm(dim=0).mean().item() for t in (0.05, 1.0)}
    assert ab_chroma[1.0] < ab_chroma[0.05]


def test_default_temperature_from_metadata():
    m = peaked_classifier()
    assert Colorizer(m, device="cpu").settings.temperature == DEFAULT_TEMPERATURE
    m.meta["default_temperature"] = 0.2
    assert Colorizer(m, device="cpu").settings.temperature == 0.2
    assert Colorizer(m, device="cpu", temperature=0.7).settings.temperature == 0.7
    assert Colorizer(tiny("regression"), device="cpu", temperature=0.7).settings.temperature is None


# --- devices ----------------------------------------------------------------------------------

@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(device_mod, "_mps_available", lambda: False)


@pytest.mark.parametrize("request_", ["cuda", "cuda:1", "CUDA"])
def test_cuda_request_falls_back_to_cpu(no_gpu, request_):
    choice = choose_device(request_)
    assert choice.device.type == "cpu"
    assert choice.message and "CUDA" in choice.message
    assert choice.label == "CPU"


def test_mps_request_falls_back_to_cpu(no_gpu):
    choice = choose_device("mps")
    assert choice.device.type == "cpu" and "MPS" in choice.message


def test_auto_is_cpu_without_gpu(no_gpu):
    choice = choose_device("auto")
    assert choice.device.type == "cpu" and choice.message is None
    assert choose_device("").device.type == "cpu"
    assert choose_device("cpu").message is None


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_this_machine_is_cpu_only():
    assert choose_device("auto").device.type == "cpu"
    assert "CUDA" in (choose_device("cuda").message or "")


def test_missing_cuda_index_falls_back_to_first_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    choice = choose_device("cuda:3")
    assert choice.device == torch.device("cuda") and "cuda:3" in choice.message
    assert choose_device("auto").device.type == "cuda"


def test_bogus_device_raises():
    with pytest.raises(ValueError, match="bogus"):
        choose_device("bogus")


def test_available_devices():
    names = available_devices()
    assert "cpu" in names and names[0] == "cpu"
    assert ("cuda" in names or any(n.startswith("cuda:") for n in names)) == torch.cuda.is_available()


def test_colorizer_reports_the_device_fallback(no_gpu):
    warnings = []
    c = Colorizer(constant_ab_model(), device="cuda", on_warning=warnings.append, size=32)
    assert c.device.type == "cpu"
    assert warnings and "CUDA" in warnings[0]
    assert c.colorize(gray_photo(20, 30)).device == "CPU"


def test_working_shape_helper():
    ws = pipeline.working_shape
    assert ws(400, 200, 128, 8) == (256, 128)
    assert ws(100, 50, 256, 8) == (104, 56)  # a small photo: only up to the stride, not to the size
    assert ws(96, 48, 256, 8) == (96, 48)
    assert ws(4, 6, 256, 8) == (8, 8)  # each side on its own: the colour is mapped back exactly
    assert ws(144, 144, 256, 32) == (160, 160)  # the pool's photos: no padding for the network


def test_out_of_memory_falls_back_to_cpu_with_a_warning():
    """A GPU out-of-memory error mid-run: the photo is still colourised, on the CPU, and the user told."""
    m = tiny("regression", 0)
    real_forward = m.net.forward
    calls = {"n": 0}

    def forward_that_runs_out_of_memory_once(L):
        calls["n"] += 1
        if calls["n"] == 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_forward(L)

    m.net.forward = forward_that_runs_out_of_memory_once
    warnings_seen = []
    c = Colorizer(m, device="cpu", size=64, on_warning=warnings_seen.append)
    res = c.colorize(gray_photo(80, 120))
    assert res.rgb.shape == (80, 120, 3)
    assert c.device.type == "cpu"
    assert any("out of memory" in w and "CPU" in w for w in warnings_seen)


def _two_colour_edge(scale: int):
    """A photo whose left part is dark and right part light, and a low-resolution colour that is
    red on the left and green on the right, its step falling inside one low-resolution pixel."""
    H, W = 64, 8 * 16
    edge = 61  # not on a low-resolution pixel boundary
    L = torch.full((1, H, W), 30.0)
    L[..., edge:] = 70.0
    ab = torch.zeros((2, H, W))
    ab[0, :, :edge] = 40.0
    ab[0, :, edge:] = -40.0
    ab_low = F.avg_pool2d(ab[None], scale)[0]
    L_low = F.avg_pool2d(L[None], scale)[0]
    return L, L_low, ab_low, edge


def test_guided_upsampling_keeps_colour_on_its_side_of_an_edge():
    """Bilinear upsampling from 1/8 smears the colour step over about 16 pixels; the guided one
    puts it on the lightness edge: every pixel 2 or more away keeps its side's hue (a > 15 on
    the left, a < -15 on the right), and no column fades to near gray, where bilinear leaves a
    band of washed-out pixels."""
    from colorizer_app.imaging.upsample import bilinear_upsample, guided_upsample

    L, L_low, ab_low, edge = _two_colour_edge(8)
    guided = guided_upsample(ab_low, L_low, L, (8.0, 8.0))[0]
    plain = bilinear_upsample(ab_low, L.shape[-2:], (8.0, 8.0))[0]
    assert guided.shape == plain.shape == L.shape[-2:]
    assert (guided[:, : edge - 2] > 15).all() and (guided[:, edge + 2:] < -15).all()
    assert (guided[:, edge - 1] > 0).all() and (guided[:, edge] < 0).all()  # the step is on the edge
    def faded_columns(ab):  # columns where the colour is neither clearly red nor clearly green
        return int((ab.abs() < 20).any(dim=0).sum())

    assert faded_columns(guided) == 0
    assert faded_columns(plain) >= 5


def test_guided_upsampling_of_flat_colour_is_exact():
    from colorizer_app.imaging.upsample import guided_upsample

    L = torch.rand(1, 40, 56) * 100
    ab_low = torch.tensor([12.0, -30.0])[:, None, None].expand(2, 10, 14).contiguous()
    out = guided_upsample(ab_low, F.avg_pool2d(L[None], 4)[0], L, (4.0, 4.0))
    assert torch.allclose(out, ab_low[:, :1, :1].expand(2, 40, 56), atol=1e-3)
