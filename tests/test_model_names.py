"""One set of names: natural, vivid and lively on every command, the family names as aliases,
and one version everywhere."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data

from colorizer_app import __version__, resources
from colorizer_app.cli.main import main
from colorizer_app.models import registry, user_models
from colorizer_app.models.checkpoint import new_model, save_model
from colorizer_app.models.header import PLAIN_NAMES, family_named

ALIASES = [("natural", "regression"), ("vivid", "classification"), ("lively", "gan")]


@pytest.fixture
def tiny_models(tmp_path, monkeypatch):
    folder = tmp_path / "weights"
    for family in PLAIN_NAMES:
        torch.manual_seed(0)
        m = new_model(family, {"widths": (8, 8, 16), "blocks": 2})
        save_model(folder / f"{family}.safetensors", m.net, {"name": family, "steps": 1}, bins=m.bins)
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(folder))
    return folder


@pytest.mark.parametrize("plain, family", ALIASES)
def test_plain_names_and_families_name_the_same_model(tiny_models, plain, family):
    assert family_named(plain) == family_named(family.upper()) == family
    assert registry.resolve(plain) == registry.resolve(family) == tiny_models / f"{family}.safetensors"
    assert registry.load(plain).name == plain  # what logs and tables show


@pytest.mark.parametrize("plain, family", ALIASES)
def test_colorize_with_a_plain_name_gives_what_the_family_name_gives(tiny_models, tmp_path, plain, family):
    photo = tmp_path / "in" / "astro.png"
    photo.parent.mkdir()
    Image.fromarray(data.astronaut()[::6, ::6]).convert("L").save(photo)
    outs = {}
    for name in (plain, family):
        assert main(["colorize", str(photo), "-o", str(tmp_path / name), "--model", name]) == 0
        outs[name] = np.asarray(Image.open(tmp_path / name / "astro.png"))
    assert np.array_equal(outs[plain], outs[family])


def test_unknown_model_is_refused_with_the_known_names(tiny_models, tmp_path, capsys):
    Image.fromarray(data.camera()[::8, ::8]).save(tmp_path / "cam.png")
    assert main(["colorize", str(tmp_path / "cam.png"), "-o", str(tmp_path / "o"), "--model", "sepia"]) == 2
    err = capsys.readouterr().err
    assert "sepia" in err and all(p in err for p in ("natural", "vivid", "lively"))


def test_train_takes_plain_names_and_refuses_others(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--model", "sepia", "--data", ".", "--steps", "1", "--out", "x.safetensors"])
    err = capsys.readouterr().err
    assert "sepia" in err and "natural (regression)" in err and "lively (gan)" in err


def test_info_and_eval_show_the_plain_name_first(tiny_models, tmp_path, capsys):
    assert main(["info"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if " bundled " in line]
    assert [r[:2] for r in rows] == [["natural", "regression"], ["vivid", "classification"], ["lively", "gan"]]
    val = tmp_path / "val"
    val.mkdir()
    Image.fromarray(data.coffee()[::8, ::8]).save(val / "coffee.png")
    assert main(["eval", "--model", "vivid", "--data", str(val), "--size", "64"]) == 0
    firsts = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert "vivid" in firsts and "classification" not in firsts


def test_a_users_model_keeps_its_name_and_cannot_take_a_shipped_one(tiny_models):
    assert user_models.name_problem("Natural") and user_models.name_problem("gan")
    assert user_models.name_problem("Grandma's album") is None


def test_version_is_one_everywhere():
    out = subprocess.run([sys.executable, "-m", "colorizer_app.cli.main", "--version"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"colorizer {__version__}" and __version__ == "0.16.1"
    metainfo = resources.linux_dir() / f"{resources.APP_ID}.metainfo.xml"
    assert ET.parse(metainfo).getroot().find("releases/release").get("version") == __version__
