"""The ImageNet memory of `train --imagenet-weight`: the encoder's classes of each photo held to the
pretrained network's. It must read zero for the pretrained network's own view, tell a pretrained
encoder from a random one, and pull an encoder toward ImageNet when it trains."""

import numpy as np
import pytest
import torch
from skimage import data
from skimage.transform import resize

from colorizer_app.imaging.lab import lab_to_rgb, rgb_to_lab
from colorizer_app.models.checkpoint import new_model
from colorizer_app.models.effnet_lite import pretrained_encoder, stem_input_rgb
from colorizer_app.training.imagenet_memory import ImagenetMemory
from colorizer_app.training.objectives import OBJECTIVES, LossConfig


def photos_lab(size: int = 128) -> torch.Tensor:
    rgb = np.stack([resize(getattr(data, n)(), (size, size), anti_aliasing=True) for n in ("chelsea", "coffee")])
    return rgb_to_lab(torch.from_numpy(rgb).permute(0, 3, 1, 2).float())


@pytest.fixture(scope="module")
def memory():
    return ImagenetMemory()


def deepest_of(encoder, x):
    return encoder.taps(encoder.stem(x))[1]


def test_the_pretrained_networks_own_view_costs_nothing_and_a_random_encoder_most(memory):
    lab = photos_lab()
    L, ab = lab[:, :1], lab[:, 1:]
    with torch.no_grad():
        own = memory(deepest_of(memory.teacher, stem_input_rgb(lab_to_rgb(lab))), L, ab).item()
        gray_net = pretrained_encoder().eval()
        gray = memory(deepest_of(gray_net, gray_net.stem_input(L)), L, ab).item()
        random_net = new_model("regression", {"arch": "effnet_lite0"}, pretrained=False).net.eval()
        _, random = random_net(L, with_deepest=True)
        unseeing = memory(random, L, ab).item()
    assert own < 1e-4
    assert 0 < gray < 0.5 * unseeing  # the gray photo costs a little: colour tells ImageNet more


def test_the_net_hands_out_its_deepest_map_beside_its_colours():
    net = new_model("regression", {"arch": "effnet_lite0", "widths": (16, 16, 32)}).net.eval()
    L = torch.rand(2, 1, 64, 96) * 100
    with torch.no_grad():
        out, aux, deepest = net(L, with_aux=True, with_deepest=True)
        assert torch.equal(out, net(L))
    assert aux is None and deepest.shape == (2, 320, 2, 3)


def test_training_with_the_term_keeps_the_encoder_nearer_imagenet(memory):
    """A few steps of colour alone at a high rate carry a pretrained encoder away from ImageNet;
    the same steps with the term on carry it less than half as far, report the term beside the
    colour loss, and leave the pretrained network itself untouched."""
    lab = photos_lab()
    L, ab = lab[:, :1], lab[:, 1:]

    def drift_after_training(weight: float) -> tuple[float, dict, ImagenetMemory | None]:
        torch.manual_seed(0)
        model = new_model("regression", {"arch": "effnet_lite0", "widths": (16, 16, 32)})
        obj = OBJECTIVES["regression"](model, LossConfig(imagenet_weight=weight), 3e-3)
        reports = [obj.train_step(L, ab) for _ in range(6)]
        with torch.no_grad():
            _, deepest = model.net.eval()(L, with_deepest=True)
            return memory(deepest, L, ab).item(), reports[0], obj.memory

    with torch.no_grad():
        _, deepest = new_model("regression", {"arch": "effnet_lite0", "widths": (16, 16, 32)}).net.eval()(
            L, with_deepest=True)
        start = memory(deepest, L, ab).item()
    colour_only, report, _ = drift_after_training(0.0)
    kept, report_kept, held = drift_after_training(1.0)
    assert "imagenet" not in report and report_kept["imagenet"] > 0 and "loss" in report_kept
    assert colour_only > start + 2
    assert kept - start < 0.5 * (colour_only - start)
    assert all(torch.equal(v, memory.state_dict()[k]) for k, v in held.state_dict().items())
    assert not any(p.requires_grad for p in held.parameters())


def test_a_net_without_a_pretrained_encoder_is_refused():
    model = new_model("regression", {"widths": (8, 8, 16), "blocks": 2})
    with pytest.raises(ValueError, match="pretrained encoder"):
        OBJECTIVES["regression"](model, LossConfig(imagenet_weight=0.01), 1e-3)
