"""The pretrained encoder under the colour networks: its ImageNet weights, the features the
decoder takes, and model files that carry it (no package needed to colour with them)."""

import numpy as np
import pytest
import torch
from skimage import data
from skimage.transform import resize

from colorizer_app.imaging.lab import gray_from_lightness, rgb_to_lab
from colorizer_app.models import effnet_lite
from colorizer_app.models.checkpoint import load_model, new_model, save_model
from colorizer_app.models.effnet_lite import VARIANTS, EfficientNetLite, pretrained_encoder
from colorizer_app.models.networks import NetSpec
from colorizer_app.engine import Colorizer

TABBY, EGYPTIAN_CAT = 281, 285  # ImageNet classes: chelsea is a tabby
ESPRESSO = 967
IMAGENET_SIZE = {"lite0": 224, "lite2": 260}


def lightness(rgb: np.ndarray, size: int = 224) -> torch.Tensor:
    small = resize(rgb, (size, size), anti_aliasing=True)
    return rgb_to_lab(torch.from_numpy(small).permute(2, 0, 1).float()[None])[:, :1]


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def imagenet(request):
    """Each encoder a network can stand on, with its ImageNet weights."""
    return pretrained_encoder(classifier=True, variant=request.param).eval()


def test_gray_from_lightness_matches_a_gray_photo():
    """The encoder is shown what a gray photo's pixels are: sRGB gray of the same lightness."""
    levels = torch.linspace(0, 1, 11)
    rgb = levels[:, None, None, None].expand(-1, 3, 2, 2)
    L = rgb_to_lab(rgb)[:, :1]
    assert torch.allclose(gray_from_lightness(L), rgb[:, :1], atol=1e-4)


def test_pretrained_features_have_the_shapes_the_decoder_takes(imagenet):
    L = lightness(data.astronaut(), 256)
    with torch.no_grad():
        taps, summary = imagenet.features(imagenet.stem(imagenet.stem_input(L)))
    assert [tuple(t.shape[1:]) for t in taps] == [(c, 256 // s, 256 // s) for _, s, c in imagenet.tap_levels]
    assert summary.shape == (1, effnet_lite.HEAD_CHANNELS)


@pytest.mark.parametrize("photo, classes", [("chelsea", (TABBY, EGYPTIAN_CAT)), ("coffee", (ESPRESSO,))])
def test_gray_photo_of_a_known_class_is_recognised(imagenet, photo, classes):
    """The weights are ImageNet's, not random: a black-and-white cat is still a cat to them."""
    L = lightness(getattr(data, photo)())
    torch.manual_seed(0)
    random = EfficientNetLite(classifier=True, variant=imagenet.variant).eval()
    with torch.no_grad():
        trained, untrained = imagenet(L)[0].softmax(0), random(L)[0].softmax(0)
    assert int(trained.argmax()) in classes
    best = max(classes, key=lambda c: float(trained[c]))
    assert trained[best] > 0.2 and trained[best] > 20 * untrained[best]


def test_encoder_agrees_with_the_reference_implementation(imagenet):
    """Same logits as the efficientnet-lite-pytorch package on the RGB stem shown a gray photo."""
    ref_pkg = pytest.importorskip("efficientnet_lite_pytorch")
    ref = ref_pkg.EfficientNet.from_pretrained(f"efficientnet-{imagenet.variant}",
                                               weights_path=str(effnet_lite.pretrained_file(imagenet.variant))).eval()
    # the reference pads for its ImageNet size (static "SAME" padding): shown that size, it agrees
    L = lightness(data.rocket(), IMAGENET_SIZE[imagenet.variant])
    gray = gray_from_lightness(L).expand(-1, 3, -1, -1)
    with torch.no_grad():
        expected = ref((gray - effnet_lite.PIXEL_CENTER) / effnet_lite.PIXEL_SCALE)
        got = imagenet(L)
    assert torch.allclose(got, expected, atol=1e-3)


@pytest.mark.parametrize("family, channels, arch", [("regression", 2, "effnet_lite0"),
                                                   ("classification", None, "effnet_lite0"),
                                                   ("gan", 2, "effnet_lite0"), ("regression", 2, "effnet_lite2")])
def test_lite_unet_outputs_at_a_quarter(family, channels, arch):
    m = new_model(family, {"arch": arch})
    assert m.net.spec.stride == 32
    with torch.no_grad():
        out = m.net.eval()(torch.rand(2, 1, 64, 96) * 100)
    assert out.shape == (2, channels or m.bins.shape[0], 16, 24)


def test_new_lite_model_starts_from_the_imagenet_weights(imagenet):
    arch = f"effnet_{imagenet.variant}"
    m = new_model("regression", {"arch": arch})
    for k, v in m.net.encoder.state_dict().items():
        assert torch.equal(v, imagenet.state_dict()[k]), k
    untrained = new_model("regression", {"arch": arch}, pretrained=False)
    assert not torch.equal(untrained.net.encoder._conv_stem.weight, imagenet._conv_stem.weight)


def test_hint_inputs_start_silent():
    """Hint inputs start at zero: a net given them colours as before until trained."""
    m = new_model("regression", {"arch": "effnet_lite0", "hint_channels": 3})
    L = torch.rand(1, 1, 64, 64) * 100
    hints = torch.zeros(1, 3, 64, 64)
    hints[:, 0, 10:20, 10:20], hints[:, 2, 10:20, 10:20] = 40.0, 1.0
    net = m.net.eval()
    with torch.no_grad():
        assert torch.allclose(net(L), net(L, hints), atol=1e-5)


@pytest.mark.parametrize("arch", ["effnet_lite0", "effnet_lite2"])
def test_lite_model_file_carries_its_encoder_and_colours_without_the_package(tmp_path, monkeypatch, arch):
    """A shipped file holds the trained encoder: loading it never reads the ImageNet weights."""
    m = new_model("regression", {"arch": arch, "hint_channels": 3})
    path = tmp_path / "lite.safetensors"
    save_model(path, m.net, {"name": "lite"})

    def no_package():
        raise AssertionError("the pretrained package was read to load a model file")
    monkeypatch.setattr(effnet_lite, "pretrained_file", no_package)
    loaded = load_model(path)
    assert loaded.net.spec.arch == arch
    state = {k: v.half().float() for k, v in m.net.state_dict().items()}
    for k, v in loaded.net.state_dict().items():
        assert torch.allclose(v.float(), state[k].float()), k
    photo = (resize(data.chelsea(), (90, 130)) * 255).astype(np.uint8)  # not a multiple of 32
    out = Colorizer(loaded, device="cpu").colorize(photo).rgb
    assert out.shape == photo.shape


def test_old_architecture_spec_without_arch_loads_as_colornet(tmp_path):
    """Files written before the pretrained encoder have no "arch" in their spec."""
    spec = NetSpec.from_dict({"family": "regression", "widths": [8, 8, 16], "blocks": 2})
    assert spec.arch == "colornet" and spec.stride == 8
    m = new_model("regression", {"widths": (8, 8, 16), "blocks": 2})
    path = tmp_path / "old.safetensors"
    save_model(path, m.net, {"name": "old"})
    loaded = load_model(path)
    assert type(loaded.net).__name__ == "ColorNet"
    out = Colorizer(loaded, device="cpu").colorize(np.zeros((40, 56, 3), np.uint8) + 128).rgb
    assert out.shape == (40, 56, 3)


def test_unknown_architecture_is_refused():
    with pytest.raises(ValueError, match="unknown architecture"):
        NetSpec.from_dict({"family": "regression", "arch": "resnet"})
