"""Colour hints below the GUI: the JSON format, colours, the planes a hint model sees, hints
sampled from the truth (eval) and in training, suggestions, and the CLI's --hints."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import color, data

from colorizer_app.cli.main import main
from colorizer_app.engine import Colorizer
from colorizer_app.models import pipeline
from colorizer_app.models.bins import gamut_bins
from colorizer_app.models.checkpoint import LoadedModel, new_model, save_model
from colorizer_app.models.hints import (
    Hint, HintsError, ab_of_hex, hex_of_ab, hint_planes, load_hints, parse_hints,
    sample_from_truth,
)
from colorizer_app.models.suggest import likely_colours
from colorizer_app.training.hint_sampling import NONE_SHARE, simulated_hints

TINY = {"widths": (8, 8, 16), "blocks": 2}


def tiny_hint_model():
    """A tiny hint-taking regression model whose hint inputs are not at their zero start."""
    m = new_model("regression", {**TINY, "hint_channels": 3})
    for p in (m.net.hint_in.weight, m.net.hint_skip.weight):
        torch.nn.init.normal_(p, std=0.5)
    return m


@pytest.mark.parametrize("hexcode", ["#2a4fc0", "#d02020", "#7a9a30", "#ffffff", "#000000"])
def test_hex_colour_chroma_matches_scikit_image(hexcode):
    rgb = np.array([[[int(hexcode[i:i + 2], 16) for i in (1, 3, 5)]]], dtype=np.uint8)
    _, a, b = color.rgb2lab(rgb)[0, 0]
    assert ab_of_hex(hexcode) == pytest.approx((a, b), abs=0.05)
    assert ab_of_hex(hexcode.upper().lstrip("#")) == pytest.approx((a, b), abs=0.05)


def test_hex_of_ab_keeps_the_chroma_of_an_in_gamut_colour():
    a, b = ab_of_hex("#2a4fc0")
    L = color.rgb2lab(np.array([[[0x2a, 0x4f, 0xc0]]], dtype=np.uint8))[0, 0, 0]
    assert ab_of_hex(hex_of_ab(a, b, L)) == pytest.approx((a, b), abs=1.0)


def test_json_round_trip_keeps_positions_and_the_chosen_colour(tmp_path):
    hints = (Hint.from_hex(0.25, 0.6, "#2A4FC0"), Hint.from_hex(1.0, 0.0, "d02020"))
    f = tmp_path / "hints.json"
    f.write_text(json.dumps({"hints": [h.to_json() for h in hints]}))
    back = load_hints(f)
    assert [(h.x, h.y, h.color) for h in back] == [(0.25, 0.6, "#2a4fc0"), (1.0, 0.0, "#d02020")]
    assert back[0].a == pytest.approx(hints[0].a) and back[1].b == pytest.approx(hints[1].b)


@pytest.mark.parametrize("data_, problem", [
    ([], 'expected an object with a "hints" list'),
    ({"points": []}, 'expected an object with a "hints" list'),
    ({"hints": {}}, '"hints" must be a list'),
    ({"hints": [3]}, "hint 1: must be an object"),
    ({"hints": [{"x": 0.1, "color": "#ffffff"}]}, "hint 1: missing 'y'"),
    ({"hints": [{"x": 0.1, "y": "top", "color": "#ffffff"}]}, "hint 1: y is 'top', not a number"),
    ({"hints": [{"x": True, "y": 0.1, "color": "#ffffff"}]}, "hint 1: x is True, not a number"),
    ({"hints": [{"x": 0.5, "y": 0.5, "color": "#fff"}, {"x": 1.5, "y": 0.5, "color": "#ffffff"}]},
     "hint 1: color '#fff' is not an sRGB hex colour"),
    ({"hints": [{"x": 0.5, "y": 0.5, "color": "#ffffff"}, {"x": 1.5, "y": 0.5, "color": "#ffffff"}]},
     "hint 2: x is 1.5, outside 0 to 1"),
    ({"hints": [{"x": 0.5, "y": 0.5, "color": None}]}, "hint 1: color None is not an sRGB hex colour"),
])
def test_malformed_hints_are_refused_naming_the_source_and_the_problem(data_, problem):
    with pytest.raises(HintsError) as e:
        parse_hints(data_, "my/hints.json")
    assert str(e.value).startswith("my/hints.json: ") and problem in str(e.value)


def test_unreadable_hint_files_name_the_file(tmp_path):
    with pytest.raises(HintsError, match="no such file"):
        load_hints(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"hints": [')
    with pytest.raises(HintsError, match=r"bad\.json: not valid JSON"):
        load_hints(bad)


def test_planes_hold_the_hint_colour_in_a_small_square_at_its_position():
    hint = Hint(0.25, 0.5, 30.0, -40.0)
    planes = hint_planes([hint], (20, 40), patch=3)
    assert planes.shape == (1, 3, 20, 40)
    mask = planes[0, 2]
    rows, cols = torch.nonzero(mask, as_tuple=True)
    assert set(rows.tolist()) == {9, 10, 11} and set(cols.tolist()) == {9, 10, 11}  # (0.5 * 20, 0.25 * 40)
    assert torch.all(planes[0, 0][mask > 0] == 30.0) and torch.all(planes[0, 1][mask > 0] == -40.0)
    assert planes[0, :2][:, mask == 0].abs().sum() == 0
    corner = hint_planes([Hint(1.0, 1.0, 5.0, 5.0)], (20, 40), patch=3)  # clipped at the edge, not lost
    assert corner[0, 2, 19, 39] == 1 and corner[0, 2].sum() == 4


def test_hints_sampled_from_the_truth_are_its_local_mean_colour_and_repeatable():
    truth = torch.zeros(2, 30, 60)
    truth[0, :, 30:] = 50.0  # a on the right half only
    truth[1] = -20.0
    rng = np.random.default_rng(0)
    hints = sample_from_truth(truth, 200, rng)
    assert len(hints) == 200
    for h in hints:
        assert 0 < h.x < 1 and 0 < h.y < 1
        assert h.b == pytest.approx(-20.0)
        col = int(h.x * 60)
        if col <= 26:
            assert h.a == pytest.approx(0.0)
        elif col >= 33:
            assert h.a == pytest.approx(50.0)
    again = sample_from_truth(truth, 200, np.random.default_rng(0))
    assert again == hints


def test_simulated_training_hints_leave_some_photos_without_and_copy_the_truth_elsewhere():
    gen = torch.Generator().manual_seed(0)
    ab = torch.zeros(400, 2, 32, 32)
    ab[:, 0] = torch.arange(400).float()[:, None, None] % 50  # each photo one flat colour
    ab[:, 1] = -7.0
    planes = simulated_hints(ab, gen)
    mask = planes[:, 2]
    without = (mask.sum((1, 2)) == 0).float().mean().item()
    assert abs(without - NONE_SHARE) < 0.08
    assert set(mask.unique().tolist()) <= {0.0, 1.0}
    hinted = mask > 0
    assert torch.allclose(planes[:, 0][hinted], ab[:, 0][hinted])
    assert torch.allclose(planes[:, 1][hinted], ab[:, 1][hinted])
    assert planes[:, :2][(~hinted)[:, None].expand(-1, 2, -1, -1)].abs().sum() == 0


def test_every_model_follows_hints_and_a_hint_net_sees_them_too():
    """A model without hint inputs follows hints through the spread along edges (decode); a
    network with hint inputs also sees them (its own output changes)."""
    photo = data.astronaut()[::4, ::4]
    hint = Hint(0.5, 0.5, 40.0, -40.0)
    for family in ("regression", "classification"):
        plain = Colorizer(new_model(family, TINY), device="cpu")
        without = plain.colorize(photo).rgb
        assert np.array_equal(without, plain.colorize(photo, pipeline.Settings(hints=())).rgb)
        assert not np.array_equal(without, plain.colorize(photo, pipeline.Settings(hints=(hint,))).rgb), family
        assert not pipeline.has_hint_inputs(plain.model)
    torch.manual_seed(0)
    hinted = Colorizer(tiny_hint_model(), device="cpu")
    assert pipeline.has_hint_inputs(hinted.model)
    L = hinted.lightness(photo)
    raw_without = hinted.net_output(L, 256).raw
    raw_with = hinted.net_output(L, 256, (hint,)).raw
    assert not torch.equal(raw_without, raw_with)


def test_suggestions_are_the_distinct_likely_colours_most_likely_first():
    centres = gamut_bins()
    model = LoadedModel(net=new_model("classification", TINY).net, meta={}, bins=centres)
    far = [int(torch.argmin((centres - torch.tensor(c)).square().sum(1))) for c in ([40, 40], [-30, 30], [0, -40])]
    logits = torch.full((1, len(centres), 4, 4), -20.0)
    for i, strength in zip(far, (6.0, 5.0, 3.0)):
        logits[0, i] = strength
    out = pipeline.NetOutput(logits, torch.zeros(1, 1, 4, 4), (16, 16), 4)
    got = likely_colours(model, out, 0.5, 0.5)
    assert [(s.a, s.b) for s in got] == [tuple(centres[i].tolist()) for i in far][:len(got)]
    assert len(got) >= 2 and got[0].probability > got[1].probability
    regression = new_model("regression", TINY)
    ab = torch.zeros(1, 2, 4, 4)
    ab[0, 0], ab[0, 1] = 12.0, -3.0
    one = likely_colours(regression, pipeline.NetOutput(ab, torch.zeros(1, 1, 4, 4), (16, 16), 4), 0.1, 0.9)
    assert [(s.a, s.b, s.probability) for s in one] == [(12.0, -3.0, 1.0)]


@pytest.fixture
def hint_models(tmp_path, monkeypatch):
    """Tiny models in a temporary bundled folder: classification (no hint inputs) and a regression with them."""
    folder = tmp_path / "weights"
    torch.manual_seed(0)
    c = new_model("classification", TINY)
    save_model(folder / "classification.safetensors", c.net, {"name": "classification"}, bins=c.bins)
    r = tiny_hint_model()
    save_model(folder / "regression.safetensors", r.net, {"name": "regression"})
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(folder))
    return folder


def test_cli_applies_a_hints_file(hint_models, tmp_path, capsys):
    Image.fromarray(data.astronaut()[::4, ::4]).convert("L").save(tmp_path / "astro.png")
    hints = tmp_path / "h.json"
    hints.write_text(json.dumps({"hints": [{"x": 0.5, "y": 0.5, "color": "#2a4fc0"}]}))
    assert main(["colorize", str(tmp_path / "astro.png"), "-o", str(tmp_path / "a"), "--hints", str(hints)]) == 0
    assert main(["colorize", str(tmp_path / "astro.png"), "-o", str(tmp_path / "b"), "--model", "regression"]) == 0
    with_hint = np.asarray(Image.open(tmp_path / "a" / "astro.png"))
    without = np.asarray(Image.open(tmp_path / "b" / "astro.png"))
    assert with_hint.shape == without.shape and not np.array_equal(with_hint, without)
    assert main(["colorize", str(tmp_path / "astro.png"), "-o", str(tmp_path / "c"), "--hints", str(hints),
                 "--model", "classification"]) == 0  # a model without hint inputs follows them too
    assert (tmp_path / "c" / "astro.png").exists()


def test_cli_refuses_a_malformed_hints_file_and_writes_nothing(hint_models, tmp_path, capsys):
    Image.fromarray(data.camera()[::4, ::4]).save(tmp_path / "cam.png")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hints": [{"x": 0.5, "y": 2, "color": "#2a4fc0"}]}))
    out = tmp_path / "out"
    assert main(["colorize", str(tmp_path / "cam.png"), "-o", str(out), "--hints", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "hint 1: y is 2, outside 0 to 1" in err
    assert not out.exists()


def test_eval_scores_hint_rows_for_every_model(hint_models, tmp_path, capsys):
    folder = tmp_path / "val"
    folder.mkdir()
    for name in ("astronaut", "coffee", "chelsea"):
        Image.fromarray(getattr(data, name)()[::6, ::6]).save(folder / f"{name}.png")
    report = tmp_path / "r.json"
    assert main(["eval", "--model", "regression", "--model", "classification", "--data", str(folder),
                 "--hints", "1", "--hints", "10", "--hints", "0", "--json", str(report)]) == 0
    figures = json.loads(report.read_text())
    assert {"natural + 1 hint", "natural + 10 hints", "natural", "vivid",
            "vivid + 1 hint", "vivid + 10 hints"} <= set(figures)  # shown by their plain names
    assert not any(k.endswith("+ 0 hints") for k in figures)
    for model in ("natural", "vivid"):
        assert figures[f"{model} + 10 hints"]["count"] == 3
        assert figures[f"{model} + 10 hints"]["psnr"] > figures[model]["psnr"]  # hints from the truth help
