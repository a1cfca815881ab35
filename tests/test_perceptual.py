"""The feature loss of `train --perceptual-weight`: colours compared as the ImageNet network sees
them. It must rank colourings as a person would and pull a prediction toward the truth."""

import pytest
import torch
from skimage import data
from skimage.transform import resize

from colorizer_app.imaging.lab import rgb_to_lab
from colorizer_app.models.checkpoint import new_model
from colorizer_app.models.effnet_lite import pretrained_encoder, stem_input_rgb
from colorizer_app.training.objectives import OBJECTIVES, LossConfig
from colorizer_app.training.perceptual import FeatureLoss

TABBY, EGYPTIAN_CAT = 281, 285


def photo_lab(name: str, size: int = 128) -> torch.Tensor:
    rgb = resize(getattr(data, name)(), (size, size), anti_aliasing=True)
    return rgb_to_lab(torch.from_numpy(rgb).permute(2, 0, 1).float()[None])


@pytest.fixture(scope="module")
def feature_loss():
    return FeatureLoss()


def test_the_rgb_network_is_imagenets():
    """The colour stem is the pretrained one: the colour cat is a cat to it, as the gray one is to
    the lightness stem."""
    net = pretrained_encoder(classifier=True, rgb=True).eval()
    rgb = torch.from_numpy(resize(data.chelsea(), (224, 224), anti_aliasing=True)).permute(2, 0, 1).float()[None]
    with torch.no_grad():
        logits = net._fc(net.features(net.stem(stem_input_rgb(rgb)))[1])
    assert int(logits.argmax()) in (TABBY, EGYPTIAN_CAT)


@pytest.mark.parametrize("photo", ["chelsea", "coffee", "astronaut"])
def test_wrong_colour_costs_more_than_no_colour_and_no_colour_more_than_faded(feature_loss, photo):
    lab = photo_lab(photo)
    L, ab = lab[:, :1], lab[:, 1:]
    small = torch.nn.functional.avg_pool2d(ab, 4)  # predicted at a quarter, as the lite U-Net does
    with torch.no_grad():
        right = feature_loss(L, small, ab).item()
        faded = feature_loss(L, small * 0.5, ab).item()
        gray = feature_loss(L, small * 0, ab).item()
        wrong = feature_loss(L, -small, ab).item()  # every hue turned to its opposite
    assert right < faded < gray < wrong
    assert right < 0.5 * gray  # the truth at a quarter of the size, brought up: close, not equal


def test_a_step_on_the_feature_loss_moves_gray_toward_the_truth(feature_loss):
    lab = photo_lab("coffee")
    L, ab = lab[:, :1], lab[:, 1:]
    pred = torch.zeros(1, 2, 32, 32, requires_grad=True)
    opt = torch.optim.Adam([pred], lr=2.0)
    before = (pred.detach() - torch.nn.functional.avg_pool2d(ab, 4)).abs().mean().item()
    for _ in range(30):
        opt.zero_grad()
        feature_loss(L, pred, ab).backward()
        opt.step()
    after = (pred.detach() - torch.nn.functional.avg_pool2d(ab, 4)).abs().mean().item()
    assert after < 0.85 * before


def test_regression_objective_adds_the_weighted_term_and_reports_it():
    """One training step with the term on: the loss it reports is the plain one, the feature
    term is reported beside it, and the network's weights move."""
    model = new_model("regression", {"widths": (8, 8, 16), "blocks": 2})
    obj = OBJECTIVES["regression"](model, LossConfig(perceptual_weight=0.1), 1e-3)
    lab = photo_lab("chelsea", 64)
    before = [p.detach().clone() for p in model.net.parameters()]
    losses = obj.train_step(lab[:, :1], lab[:, 1:])
    assert losses["features"] > 0 and "loss" in losses
    assert any(not torch.equal(b, p) for b, p in zip(before, model.net.parameters()))
    assert not any(p.requires_grad for p in obj.feature_loss.parameters())
