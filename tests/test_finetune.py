"""Fine-tuning on a folder of the user's photos (the workflow behind the CLI and the dialog):
the folder's problems are named, a short run writes a user model with its provenance and held-out
metrics, pause holds training, cancel leaves no file, and the CLI does it headless.

Hermetic: photos are made from skimage.data into tmp_path, the base is a tiny model saved as a
user model, and user-model and cache folders are redirected (conftest)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data

from colorizer_app.cli.main import main as cli_main
from colorizer_app.models import registry
from colorizer_app.models.checkpoint import load_model, new_model, save_model
from colorizer_app.training import finetune as ft

TINY = {"widths": (16, 32, 32), "blocks": 1}



def colour_folder(folder, n=14, size=72, gray=0, broken=0):
    """n colour photos cut from skimage photos, plus `gray` grayscale and `broken` corrupt files."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    sources = [getattr(data, k)()[..., :3] for k in ("astronaut", "coffee", "chelsea", "rocket")]
    for i in range(n):
        src = sources[i % len(sources)]
        h, w = src.shape[:2]
        s = int(rng.integers(min(h, w) // 2, min(h, w)))
        y, x = int(rng.integers(0, h - s + 1)), int(rng.integers(0, w - s + 1))
        Image.fromarray(src[y:y + s, x:x + s]).resize((size, size)).save(folder / f"photo_{i:02d}.jpg", quality=92)
    for i in range(gray):
        Image.fromarray(data.camera()[::8, ::8]).save(folder / f"gray_{i}.png")
    for i in range(broken):
        (folder / f"broken_{i}.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return folder


def tiny_base(family="regression", name="tiny-base"):
    """A small (untrained) model installed as a user model: the base a test fine-tunes."""
    torch.manual_seed(0)
    m = new_model(family, TINY)
    path = registry.user_models_dir() / f"{name}.safetensors"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_model(path, m.net, {"name": name}, bins=m.bins)
    return name


def test_folder_problems_are_named(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no photos found" in ft.scan_folder(empty).problem()
    gray = colour_folder(tmp_path / "gray", n=0, gray=3)
    assert "grayscale" in ft.scan_folder(gray).problem()
    broken = colour_folder(tmp_path / "broken", n=0, broken=2)
    assert "could be read" in ft.scan_folder(broken).problem()
    few = colour_folder(tmp_path / "few", n=4, gray=1, broken=1)
    scan = ft.scan_folder(few)
    assert (scan.usable, scan.unreadable, scan.grayscale) == (4, 1, 1)
    assert "only 4 usable colour photos (1 unreadable, 1 grayscale skipped)" in scan.problem()
    assert "at least 10" in scan.problem()
    with pytest.raises(ft.FineTuneError, match="no such folder"):
        ft.scan_folder(tmp_path / "missing")
    ok = ft.scan_folder(colour_folder(tmp_path / "ok", n=12))
    assert ok.problem() is None and ok.summary() == "12 usable colour photos"


def test_names_must_be_new():
    base = tiny_base()
    assert ft.name_problem(" ") == "give the new model a name"
    assert "already exists" in ft.name_problem(base)
    assert "shipped model" in ft.name_problem("Regression")  # a bundled model, by family
    assert "shipped model" in ft.name_problem("natural")  # ... or by its plain name
    assert ft.name_problem("my flowers") is None
    assert ft.output_path("my flowers/2024").name == "my-flowers-2024.safetensors"


@pytest.mark.parametrize("family", ["regression", "classification", "gan"])
def test_short_finetune_writes_a_user_model(family, tmp_path):
    base = tiny_base(family)
    scan = ft.scan_folder(colour_folder(tmp_path / "photos", n=14, broken=1))
    steps, evals, previews, progress = 12, [], [], []
    job = ft.FineTune(ft.FineTuneSettings(base=base, name="My photos", steps=steps, batch=4, crop=56), scan,
                      on_progress=lambda s, t, l, i: progress.append((s, t, l)),
                      on_eval=lambda s, loss: evals.append((s, loss)),
                      on_preview=lambda s, img: previews.append((s, img)), evals=4)
    assert len(job.held) == 2 and len(job.train_set) == 12
    result = job.run()
    assert [p[0] for p in progress] == list(range(1, steps + 1)) and progress[-1][1] == steps
    assert [s for s, _ in evals] == [0, 3, 6, 9, 12] and all(np.isfinite(v) for _, v in evals)
    assert [s for s, _ in previews] == [0, 3, 6, 9, 12]
    assert previews[0][1].dtype == np.uint8 and previews[0][1].shape == (72, 72, 3)
    assert result.path == registry.user_models_dir() / "My-photos.safetensors" and result.path.is_file()
    assert set(result.before) >= {"psnr", "auc"} and set(result.after) >= {"psnr", "auc"}
    loaded = registry.load("My photos")
    assert loaded.family == family and loaded.meta["base_model"] == base
    card = loaded.meta["finetune"]
    assert card["photos"] == 14 and card["held_out"] == 2 and card["unreadable"] == 1
    assert card["val_before"]["psnr"] == pytest.approx(result.before["psnr"], abs=1e-3)
    assert loaded.meta["val_metrics"]["psnr"] == pytest.approx(result.after["psnr"], abs=1e-3)
    assert loaded.meta["steps"] == steps
    if family == "classification":  # fine-tuning rebalances classes by its own default, not the base's
        assert loaded.meta["loss"]["rebalance_lambda"] == ft.FINETUNE_LAMBDA
    assert "My photos" in [e.name for e in registry.list_models()]
    # the base was not touched
    assert load_model(registry.resolve(base)).meta.get("finetune") is None


def test_finetune_learns_the_folder(tmp_path):
    """Twenty steps on photos of one colour scheme lower the held-out loss of an untrained base."""
    base = tiny_base()
    scan = ft.scan_folder(colour_folder(tmp_path / "photos", n=12))
    evals = []
    job = ft.FineTune(ft.FineTuneSettings(base=base, name="learnt", steps=40, batch=8, crop=56, lr=3e-3),
                      scan, on_eval=lambda s, loss: evals.append(loss), evals=2)
    job.run()
    assert evals[-1] < 0.7 * evals[0]


def test_pause_holds_and_cancel_leaves_no_file(tmp_path):
    base = tiny_base()
    scan = ft.scan_folder(colour_folder(tmp_path / "photos", n=12))
    steps_seen = []
    job = ft.FineTune(ft.FineTuneSettings(base=base, name="cancelled", steps=10**6, batch=2, crop=56), scan,
                      on_progress=lambda s, *_: steps_seen.append(s), evals=10**6)
    results = []
    worker = threading.Thread(target=lambda: results.append(job.run()))
    worker.start()
    deadline = time.time() + 60
    while len(steps_seen) < 3 and time.time() < deadline:
        time.sleep(0.01)
    job.pause()
    time.sleep(0.3)
    held_at = len(steps_seen)
    time.sleep(0.5)
    assert job.paused and len(steps_seen) == held_at  # nothing trains while paused
    job.resume()
    while len(steps_seen) < held_at + 2 and time.time() < deadline:
        time.sleep(0.01)
    job.pause()
    job.cancel()  # cancelling a paused run wakes it to stop
    worker.join(60)
    assert not worker.is_alive()
    assert results[0].path is None and results[0].steps < 10**6
    assert list(registry.user_models_dir().glob("cancelled*")) == []
    assert [p.name for p in registry.user_models_dir().iterdir()] == [f"{base}.safetensors"]


def test_refuses_bad_folder_or_name(tmp_path):
    base = tiny_base()
    few = ft.scan_folder(colour_folder(tmp_path / "few", n=3))
    with pytest.raises(ft.FineTuneError, match="at least 10"):
        ft.FineTune(ft.FineTuneSettings(base=base, name="x"), few)
    ok = ft.scan_folder(colour_folder(tmp_path / "ok", n=12))
    with pytest.raises(ft.FineTuneError, match="already exists"):
        ft.FineTune(ft.FineTuneSettings(base=base, name=base), ok)
    with pytest.raises(ft.FineTuneError, match="unknown model"):
        ft.FineTune(ft.FineTuneSettings(base="no-such-model", name="y"), ok)


def test_cli_finetune(tmp_path, capsys):
    base = tiny_base()
    folder = colour_folder(tmp_path / "photos", n=12, gray=1)
    code = cli_main(["finetune", "--base", base, "--data", str(folder), "--name", "cli model",
                     "--steps", "6", "--batch", "4", "--crop", "56", "--device", "cpu"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "12 usable colour photos (1 grayscale skipped)" in out
    assert "held-out photos: PSNR" in out and "wrote" in out
    assert registry.load("cli model").meta["steps"] == 6
    # the same name again, and a folder of gray photos, fail with a message and status 2
    assert cli_main(["finetune", "--base", base, "--data", str(folder), "--name", "cli model"]) == 2
    assert "already exists" in capsys.readouterr().err
    gray = colour_folder(tmp_path / "gray", n=0, gray=2)
    assert cli_main(["finetune", "--base", base, "--data", str(gray), "--name", "other"]) == 2
    assert "grayscale" in capsys.readouterr().err


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_finetune_on_cuda(tmp_path):
    base = tiny_base("classification")
    scan = ft.scan_folder(colour_folder(tmp_path / "photos", n=12))
    previews = []
    job = ft.FineTune(ft.FineTuneSettings(base=base, name="on gpu", steps=8, batch=4, crop=56), scan,
                      device="cuda", on_preview=lambda s, img: previews.append(img), evals=2)
    result = job.run()
    assert result.path.is_file() and previews[-1].dtype == np.uint8
    assert "cuda" in registry.load("on gpu").meta["machine"]


def test_finetune_a_model_on_the_pretrained_encoder(tmp_path):
    """The user's folder adapts a network on the pretrained encoder too: crops follow its stride
    (32), the written model keeps its architecture, and the held-out loss goes down."""
    torch.manual_seed(0)
    m = new_model("regression", {"arch": "effnet_lite0", "widths": (16, 16, 32), "hint_channels": 3})
    path = registry.user_models_dir() / "lite-base.safetensors"
    save_model(path, m.net, {"name": "lite-base"})
    scan = ft.scan_folder(colour_folder(tmp_path / "photos", n=12))
    evals = []
    job = ft.FineTune(ft.FineTuneSettings(base="lite-base", name="lite tuned", steps=16, batch=4, crop=70, lr=2e-3),
                      scan, on_eval=lambda s, loss: evals.append(loss), evals=2)
    assert job.trainer.cfg.crop == 64
    result = job.run()
    loaded = registry.load("lite tuned")
    assert loaded.net.spec.arch == "effnet_lite0" and loaded.net.spec.hint_channels == 3
    assert result.path.is_file() and evals[-1] < evals[0]


def test_finetune_keeps_the_base_loss_and_slows_a_pretrained_encoder(tmp_path):
    """Fine-tuning trains with the loss the base records (its style), and a pretrained encoder
    moves at a share of the rate even when the base records none, so it is adapted, not undone."""
    torch.manual_seed(0)
    m = new_model("regression", {"arch": "effnet_lite0", "widths": (16, 16, 32)})
    folder = registry.user_models_dir()
    save_model(folder / "bare.safetensors", m.net, {"name": "bare"})
    save_model(folder / "styled.safetensors", m.net,
               {"name": "styled", "loss": {"chroma_weight": 0.5, "encoder_lr": 0.5, "unknown_field": 1}})
    scan = ft.scan_folder(colour_folder(tmp_path / "photos", n=12))
    bare = ft.FineTune(ft.FineTuneSettings(base="bare", name="bare tuned", steps=4, batch=2, crop=64), scan)
    styled = ft.FineTune(ft.FineTuneSettings(base="styled", name="styled tuned", steps=4, batch=2, crop=64), scan)
    assert bare.trainer.cfg.loss.encoder_lr == ft.FINETUNE_ENCODER_LR < 1.0
    assert styled.trainer.cfg.loss.encoder_lr == 0.5 and styled.trainer.cfg.loss.chroma_weight == 0.5
    gains = {g.get("lr_gain", 1.0) for g in bare.trainer.objective.opt.param_groups}
    assert ft.FINETUNE_ENCODER_LR in gains


def test_a_finetune_that_only_gets_worse_keeps_the_base_weights(tmp_path, capsys):
    """Far too high a rate wrecks the net: the held-out photos were coloured best before any step,
    so the saved model is the base, and both the result and the file say which step was kept."""
    base = tiny_base()
    scan = ft.scan_folder(colour_folder(tmp_path / "photos", n=12))
    result = ft.FineTune(ft.FineTuneSettings(base=base, name="wrecked", steps=8, batch=4, crop=64, lr=50.0),
                         scan, evals=4).run()
    assert result.kept_step == 0
    saved, original = registry.load("wrecked"), registry.load(base)
    for k, v in original.net.state_dict().items():
        assert torch.equal(saved.net.state_dict()[k], v), k
    assert saved.meta["finetune"]["kept_step"] == 0
    assert result.after["psnr"] == pytest.approx(result.before["psnr"], abs=0.01)
