"""Training: every family learns (overfits one photo), callbacks stop and resume a run, the
`train` subcommand works end to end on a folder, and two-process DDP on CPU writes one model.

Hermetic: photos come from skimage.data (downscaled) and are written into tmp_path; the user
model and cache folders are redirected to tmp_path. Networks are tiny and torch runs on one
thread (two threads on a busy 2-core machine are many times slower than one).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from skimage import data

from colorizer_app.cli.main import main as cli_main
from colorizer_app.models.checkpoint import LoadedModel, load_model, new_model, read_safetensors
from colorizer_app.models.networks import ColorNet, NetSpec
from colorizer_app.training import data as data_mod
from colorizer_app.training.data import PhotoSet, lab_batch, load_photo_folder
from colorizer_app.training.objectives import LossConfig
from colorizer_app.training.trainer import Trainer, TrainConfig, export_resume

TINY = {"widths": (16, 32, 32), "blocks": 2}
NEVER = 10**6  # checkpoint_every / val_every that never fire



@pytest.fixture
def app_dirs(tmp_path, monkeypatch):
    """User models and the photo cache (platformdirs.user_cache_dir) inside tmp_path."""
    models, cache = tmp_path / "user_models", tmp_path / "cache"
    monkeypatch.setenv("COLORIZER_USER_MODELS", str(models))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    return models, cache


def small_photo(name: str, size: int) -> np.ndarray:
    """A skimage.data photo, centre-cropped square and resized to size x size uint8 RGB."""
    img = getattr(data, name)()[..., :3]
    h, w = img.shape[:2]
    s = min(h, w)
    img = img[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
    return np.asarray(Image.fromarray(img).resize((size, size), Image.Resampling.BICUBIC))


def one_photo_set(name: str = "chelsea", size: int = 72) -> PhotoSet:
    return PhotoSet(small_photo(name, size)[None].copy(), [name])


def ab_error(objective, photos: PhotoSet) -> float:
    """Mean L2 distance in ab between prediction and truth, at the net's output (1/4) size."""
    objective.train(False)
    try:
        with torch.inference_mode():
            L, ab = lab_batch(torch.from_numpy(np.ascontiguousarray(photos.images)))
            pred = objective.predict_ab(L).float()
            truth = F.avg_pool2d(ab, L.shape[-1] // pred.shape[-1])
            assert pred.shape == truth.shape
            return (pred - truth).norm(dim=1).mean().item()
    finally:
        objective.train(True)


def gray_error(photos: PhotoSet) -> float:
    """The same error for the grayscale baseline (ab = 0): the mean chroma at 1/4 size."""
    _, ab = lab_batch(torch.from_numpy(np.ascontiguousarray(photos.images)))
    return F.avg_pool2d(ab, 4).norm(dim=1).mean().item()


def config(family: str, steps: int, size: int, **kw) -> TrainConfig:
    base = dict(steps=steps, batch=8, crop=size - 8, lr=3e-3, warmup=10, checkpoint_every=NEVER,
                val_every=NEVER, bf16=False)
    base.update(kw)
    return TrainConfig(family, **base)


def quiet(*_):
    pass


# --------------------------------------------------------------------------- 1. overfitting


@pytest.mark.parametrize("family", ["regression", "classification"])
def test_overfits_one_photo(family, tmp_path):
    photos = one_photo_set("chelsea", 72)
    torch.manual_seed(0)
    trainer = Trainer(config(family, 120, 72), new_model(family, TINY), photos, None,
                      tmp_path / f"{family}.safetensors", log=quiet)
    before = ab_error(trainer.objective, photos)
    result = trainer.run()
    after = ab_error(trainer.objective, photos)
    assert not result.stopped and result.steps_done == 120
    assert after <= 0.5 * before, (before, after)
    assert after <= 0.5 * gray_error(photos), (gray_error(photos), after)
    assert load_model(tmp_path / f"{family}.safetensors", expect_family=family).net.spec.widths == (16, 32, 32)


def test_gan_from_regression_overfits_one_photo(tmp_path):
    """NoGAN-style: a briefly trained regression net starts the generator; the short adversarial
    phase (small L1 weight, discriminator warm-up) must still halve the colour error."""
    photos = one_photo_set("chelsea", 72)
    torch.manual_seed(0)
    reg = Trainer(config("regression", 30, 72), new_model("regression", TINY), photos, None,
                  tmp_path / "reg.safetensors", log=quiet)
    scratch = ab_error(reg.objective, photos)
    reg.run()
    spec = NetSpec.from_dict({**reg.model.net.spec.to_dict(), "family": "gan"})
    gen = ColorNet(spec)
    gen.load_state_dict(reg.model.net.state_dict())
    model = LoadedModel(net=gen, meta={}, bins=None)

    seen: list[dict] = []
    cfg = config("gan", 80, 72, lr=1e-3, loss=LossConfig(l1_weight=10.0, d_warmup=10))
    trainer = Trainer(cfg, model, photos, None, tmp_path / "gan.safetensors", log=quiet,
                      on_progress=lambda s, t, losses, ips: seen.append(losses))
    before = ab_error(trainer.objective, photos)
    assert before < scratch  # the regression phase already helped
    trainer.run()
    after = ab_error(trainer.objective, photos)
    assert after <= 0.5 * before, (before, after)
    assert after <= 0.5 * gray_error(photos)
    # discriminator-only warm-up first, then generator losses as well
    assert all(set(l) == {"d", "d_acc"} for l in seen[:10])
    assert all({"d", "d_acc", "loss", "g_adv"} <= set(l) for l in seen[10:])
    assert all(0.0 <= l["d_acc"] <= 1.0 and np.isfinite(l["d"]) for l in seen)
    assert trainer.objective.step_count == 80
    loaded = load_model(tmp_path / "gan.safetensors", expect_family="gan")
    assert "disc" not in " ".join(loaded.net.state_dict())  # the ship format holds the generator only


# --------------------------------------------------------------------------- 2. callbacks, stop, resume


def test_progress_callback_and_periodic_checkpoint(tmp_path):
    photos = one_photo_set("astronaut", 48)
    out = tmp_path / "m.safetensors"
    resume = tmp_path / "m.resume.safetensors"
    calls, resume_seen = [], {}

    def progress(step, total, losses, ips):
        calls.append((step, total, losses, ips))
        resume_seen[step] = resume.is_file()

    torch.manual_seed(0)
    trainer = Trainer(config("regression", 10, 48, checkpoint_every=4), new_model("regression", TINY),
                      photos, None, out, on_progress=progress, log=quiet)
    assert trainer.resume_path == resume
    result = trainer.run()
    assert [c[0] for c in calls] == list(range(1, 11))
    assert all(c[1] == 10 for c in calls)
    assert all(isinstance(c[2], dict) and np.isfinite(c[2]["loss"]) for c in calls)
    assert all(isinstance(c[3], float) and c[3] >= 0 for c in calls)
    assert calls[-1][3] > 0  # images/s is always measured at the last step
    # written after step 4's report (and again after step 8's), so first seen at step 5
    assert not resume_seen[4] and resume_seen[5] and resume_seen[10]
    assert not result.stopped and result.steps_done == 10
    assert out.is_file() and not resume.exists()  # a finished run cleans up its resume file
    meta = load_model(out).meta
    assert meta["steps"] == 10 and meta["batch"] == 8 and meta["crop"] == 40


def test_time_budget_ends_the_run_and_decays_the_learning_rate(tmp_path):
    photos = one_photo_set("astronaut", 48)
    out = tmp_path / "m.safetensors"
    totals, lrs = [], []
    trainer = Trainer(config("regression", 10**6, 48, max_minutes=1.5 / 60), new_model("regression", TINY),
                      photos, None, out, log=quiet)
    trainer.on_progress = lambda step, total, *_: (totals.append(total),
                                                    lrs.append(trainer.objective.opt.param_groups[0]["lr"]))
    result = trainer.run()
    assert not result.stopped and 1 < result.steps_done < 10**6
    assert 1.4 < result.seconds < 60  # ended by the 1.5 s budget, not the step count (a busy machine is slow)
    assert totals[-1] == result.steps_done  # the estimated length converges on the real one
    assert lrs[-1] < 0.2 * max(lrs)  # the cosine schedule followed the clock down
    assert out.is_file() and load_model(out).meta["steps"] == result.steps_done


def _trainer(family, photos, out, loss: LossConfig | None = None, **kw):
    cfg = config(family, 8, 48, lr=1e-3, loss=loss or LossConfig())
    return Trainer(cfg, new_model(family, TINY), photos, None, out, log=quiet, **kw)


@pytest.mark.parametrize("family, rarity", [("regression", False), ("regression", True),
                                            ("classification", False), ("gan", False)],
                         ids=["regression", "regression-rarity", "classification", "gan"])
def test_stop_then_resume(family, rarity, tmp_path):
    photos = one_photo_set("astronaut", 48)
    out = tmp_path / f"{family}.safetensors"
    loss = LossConfig(rarity_weighted=rarity)
    steps: list[int] = []
    torch.manual_seed(0)
    first = _trainer(family, photos, out, loss, on_progress=lambda s, *a: steps.append(s),
                     should_stop=lambda: len(steps) >= 3)
    result = first.run()
    assert result.stopped and result.steps_done == 3 and steps == [1, 2, 3]
    assert first.resume_path.is_file()
    assert not out.exists()  # a stopped run writes no model
    _, meta = read_safetensors(first.resume_path)
    assert meta["kind"] == "resume" and meta["step"] == 3 and meta["family"] == family

    torch.manual_seed(1)  # a different initialisation: everything must come from the file
    later: list[int] = []
    second = _trainer(family, photos, out, loss, on_progress=lambda s, *a: later.append(s))
    second.load_resume(first.resume_path)
    assert second.step == 3
    for name, module in first.objective.modules().items():
        a, b = module.state_dict(), second.objective.modules()[name].state_dict()
        assert a.keys() == b.keys()
        assert all(torch.equal(a[k], b[k]) for k in a), name
    for o1, o2 in zip(first.objective.optimizers, second.objective.optimizers):
        s1, s2 = o1.state_dict(), o2.state_dict()
        assert s1["param_groups"][0]["lr"] == s2["param_groups"][0]["lr"]
        for pid, st in s1["state"].items():
            assert torch.equal(st["exp_avg"], s2["state"][pid]["exp_avg"])
            assert float(st["step"]) == float(s2["state"][pid]["step"])
    if family == "gan":
        assert second.objective.step_count == 3
    if family == "classification" or rarity:
        assert torch.equal(second.objective.weights, first.objective.weights)
        assert second.objective.weights.shape == (second.objective.centres.shape[0],)

    result = second.run()
    assert not result.stopped and result.steps_done == 8 and later == [4, 5, 6, 7, 8]
    assert out.is_file() and not second.resume_path.exists()
    model = load_model(out, expect_family=family)
    assert model.meta["steps"] == 8
    with torch.inference_mode():
        ab = model.net(torch.full((1, 1, 32, 32), 50.0))
    assert torch.isfinite(ab).all()


@pytest.mark.parametrize("family", ["classification", "gan"])
def test_snapshot_of_a_running_training_is_a_model_file_like_a_finished_one(family, tmp_path):
    """export_resume (scripts/export_resume.py): measure or fine-tune a run while it goes on."""
    photos = one_photo_set("astronaut", 48)
    loss = LossConfig(temperature=0.3, l1_weight=12.0)
    steps: list[int] = []
    run = _trainer(family, photos, tmp_path / "run.safetensors", loss, on_progress=lambda s, *a: steps.append(s),
                   should_stop=lambda: len(steps) >= 3, meta={"name": "Run"})
    assert run.run().stopped

    snap = tmp_path / "snapshot.safetensors"
    assert export_resume(run.resume_path, snap) == 3
    model = load_model(snap, expect_family=family)
    assert model.meta["name"] == "Run" and model.meta["steps"] == 3
    assert model.meta["loss"]["temperature"] == 0.3 and model.meta["loss"]["l1_weight"] == 12.0
    assert model.meta["crop"] == run.cfg.crop and model.meta["batch"] == run.cfg.batch
    assert (model.meta.get("default_temperature") == 0.3) == (family == "classification")
    trained = run.model.net.state_dict()
    assert all(torch.allclose(v.float(), trained[k].float(), atol=1e-2) for k, v in model.net.state_dict().items())

    finished = _trainer(family, photos, tmp_path / "done.safetensors", loss)
    finished.run()
    done = load_model(tmp_path / "done.safetensors").meta
    style = ("loss", "crop", "batch", "default_temperature")
    assert {k: done.get(k) for k in style} == {k: model.meta.get(k) for k in style}

    with pytest.raises(ValueError, match="not a training checkpoint"):
        export_resume(snap, tmp_path / "again.safetensors")


def test_keyboard_interrupt_in_progress_stops_like_should_stop(tmp_path):
    photos = one_photo_set("astronaut", 48)
    out = tmp_path / "m.safetensors"

    def progress(step, total, losses, ips):
        if step == 2:
            raise KeyboardInterrupt

    torch.manual_seed(0)
    trainer = _trainer("regression", photos, out, on_progress=progress)
    result = trainer.run()
    assert result.stopped and result.steps_done == 2
    assert trainer.resume_path.is_file() and not out.exists()
    _, meta = read_safetensors(trainer.resume_path)
    assert meta["step"] == 2

    again = _trainer("regression", photos, out)
    again.load_resume(trainer.resume_path)
    assert again.run().steps_done == 8
    assert load_model(out).meta["steps"] == 8 and not trainer.resume_path.exists()


def test_resume_refuses_other_family(tmp_path):
    photos = one_photo_set("astronaut", 48)
    first = _trainer("regression", photos, tmp_path / "m.safetensors", should_stop=lambda: True)
    assert first.run().stopped and first.resume_path.is_file()
    other = _trainer("classification", photos, tmp_path / "c.safetensors")
    with pytest.raises(ValueError, match="not a classification training checkpoint"):
        other.load_resume(first.resume_path)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("family, rarity", [("regression", False), ("regression", True),
                                            ("classification", False), ("gan", False)])
def test_trains_on_cuda(family, rarity, tmp_path):
    """Bins and class weights are built on the CPU; the losses must still run on a CUDA batch."""
    photos = one_photo_set("astronaut", 48)
    cfg = config(family, 4, 48, lr=1e-3, bf16=None, loss=LossConfig(rarity_weighted=rarity))
    seen: list[dict] = []
    trainer = Trainer(cfg, new_model(family, TINY), photos, photos, tmp_path / "m.safetensors",
                      device="cuda", log=quiet, on_progress=lambda s, t, losses, ips: seen.append(losses))
    assert trainer.run().steps_done == 4
    assert all(np.isfinite(v) for losses in seen for v in losses.values())
    assert load_model(tmp_path / "m.safetensors", expect_family=family).meta["steps"] == 4


# --------------------------------------------------------------------------- photo cache


def test_photo_cache_written_by_two_readers_at_once(tmp_path, monkeypatch):
    """DDP ranks decode the same folder and save the same cache file together: neither may fail
    (each once renamed the one shared temporary file, so the second rename raised)."""
    folder = tmp_path / "photos"
    write_photo_folder(folder, n=6)
    both_written = threading.Barrier(2, timeout=60)
    real_savez = np.savez

    def savez_then_wait(*a, **kw):  # both writers hold a finished temporary file before renaming
        real_savez(*a, **kw)
        both_written.wait()

    monkeypatch.setattr(data_mod.np, "savez", savez_then_wait)
    results: list = []

    def read():
        try:
            results.append(len(load_photo_folder(folder, 72, cache_dir=tmp_path / "cache")))
        except Exception as e:  # noqa: BLE001 - reported by the assert below
            results.append(e)

    threads = [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results == [6, 6]
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.name.startswith(".")] == []
    monkeypatch.setattr(data_mod.np, "savez", real_savez)
    cached = load_photo_folder(folder, 72, cache_dir=tmp_path / "cache")
    assert len(cached) == 6 and len(cached.unreadable) == 1 and len(cached.grayscale) == 1


# --------------------------------------------------------------------------- 3. the CLI


def write_photo_folder(folder: Path, n: int = 30, size: int = 80) -> None:
    """n colour photos (random crops, scales, flips and channel gains of four skimage photos),
    one corrupt file and one grayscale photo."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    sources = {name: getattr(data, name)()[..., :3] for name in ("astronaut", "coffee", "chelsea", "rocket")}
    names = list(sources)
    for i in range(n):
        src = sources[names[i % len(names)]]
        h, w = src.shape[:2]
        s = int(rng.integers(min(h, w) // 3, min(h, w)))
        y, x = int(rng.integers(0, h - s + 1)), int(rng.integers(0, w - s + 1))
        crop = src[y:y + s, x:x + s].astype(np.float32) * rng.uniform(0.8, 1.2, 3)
        img = Image.fromarray(np.clip(crop, 0, 255).astype(np.uint8)).resize((size, size))
        if rng.random() < 0.5:
            img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        img.save(folder / f"photo_{i:02d}.png")
    (folder / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG" * 10)
    Image.fromarray(small_photo("astronaut", size)).convert("L").save(folder / "gray.png")


COMMON = ["--steps", "6", "--batch", "4", "--crop", "64", "--spec", "8,8,16,2",
          "--val-every", "3", "--val-images", "4", "--threads", "1", "--device", "cpu"]


def test_cli_train_three_families(tmp_path, app_dirs, capsys):
    _, cache = app_dirs
    folder = tmp_path / "photos"
    write_photo_folder(folder)

    reg = tmp_path / "out" / "reg.safetensors"
    rc = cli_main(["train", "--model", "regression", "--data", str(folder), "--out", str(reg), *COMMON])
    out = capsys.readouterr()
    text = out.out + out.err
    assert rc == 0, text
    assert "30 usable photos (1 unreadable, 1 grayscale skipped)" in text
    assert "step 3: val PSNR" in text
    model = load_model(reg, expect_family="regression")
    assert model.net.spec.widths == (8, 8, 16) and model.net.spec.blocks == 2
    meta = model.meta
    assert meta["steps"] == 6 and meta["name"] == "reg"
    assert meta["data"]["train_photos"] == 29 and meta["data"]["val_photos"] == 1
    assert [h["step"] for h in meta["history"]] == [3, 6]  # --val-every, then the final validation
    assert {"psnr", "auc"} <= set(meta["val_metrics"])
    assert list((cache / "colorizer" / "photos").glob("*.npz"))  # decoded once, cached in XDG_CACHE_HOME
    assert not list(reg.parent.glob("*.resume.safetensors"))

    cls = tmp_path / "out" / "cls.safetensors"
    rc = cli_main(["train", "--model", "classification", "--data", str(folder), "--out", str(cls), *COMMON])
    text = "".join(capsys.readouterr())
    assert rc == 0, text
    assert "30 usable photos (1 unreadable, 1 grayscale skipped)" in text  # now from the cache
    model = load_model(cls, expect_family="classification")
    assert model.bins is not None and model.net.spec.out_channels == model.bins.shape[0]
    assert model.meta["default_temperature"] == pytest.approx(0.38)

    gan = tmp_path / "out" / "gan.safetensors"
    rc = cli_main(["train", "--model", "gan", "--data", str(folder), "--out", str(gan),
                   "--init", str(reg), "--d-warmup", "2", "--l1-weight", "10", *COMMON])
    text = "".join(capsys.readouterr())
    assert rc == 0, text
    model = load_model(gan, expect_family="gan")
    assert model.meta["base_model"] == "reg"
    assert model.net.spec.widths == (8, 8, 16)
    # the run it continued is on record with its own command, for a chain of runs to be replayed
    (first,) = model.meta["lineage"]
    assert first["name"] == "reg" and first["steps"] == 6 and "command" in first and "created" in first

    more = tmp_path / "out" / "gan2.safetensors"
    rc = cli_main(["train", "--model", "gan", "--data", str(folder), "--out", str(more),
                   "--init", str(gan), "--d-warmup", "2", *COMMON])
    assert rc == 0, "".join(capsys.readouterr())
    lineage = load_model(more).meta["lineage"]
    assert [(r["name"], r["steps"]) for r in lineage] == [("reg", 6), ("gan", 6)]


def test_cli_train_empty_folder_fails_cleanly(tmp_path, app_dirs, capsys):
    folder = tmp_path / "empty"
    folder.mkdir()
    Image.fromarray(np.full((80, 80), 128, np.uint8)).save(folder / "gray.png")
    rc = cli_main(["train", "--model", "regression", "--data", str(folder),
                   "--out", str(tmp_path / "m.safetensors"), *COMMON])
    assert rc == 2
    assert "no usable colour photos" in capsys.readouterr().err
    assert not (tmp_path / "m.safetensors").exists()


# --------------------------------------------------------------------------- 4. DDP on CPU


def test_ddp_two_processes_cpu(tmp_path):
    folder = tmp_path / "photos"
    write_photo_folder(folder, n=24)
    work = tmp_path / "work"
    work.mkdir()
    out = work / "ddp.safetensors"
    env = {**os.environ, "COLORIZER_USER_MODELS": str(tmp_path / "user_models"),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}
    for k in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(k, None)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "colorizer_app.cli.main", "train", "--model", "regression", "--data", str(folder),
           "--out", str(out), "--steps", "4", "--batch", "4", "--crop", "64", "--spec", "8,8,16,2",
           "--val-every", "2", "--val-images", "4", "--checkpoint-every", "2",
           "--device", "cpu", "--threads", "1"]
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    written = sorted(p.name for p in work.iterdir())
    assert written == ["ddp.safetensors"], written  # one model, no resume file, nothing else
    model = load_model(out, expect_family="regression")
    assert model.meta["steps"] == 4
    assert model.meta["batch"] == 8  # 4 per process x 2 processes
    assert model.meta["machine"].endswith("x2")
    assert [h["step"] for h in model.meta["history"]] == [2, 4]
    assert (proc.stdout + proc.stderr).count("usable photos") == 1  # only rank 0 reports


def test_reading_a_folder_stops_when_asked(tmp_path):
    """A scan that is stopped raises InterruptedError, with worker processes too, and caches nothing."""
    folder = tmp_path / "many"
    folder.mkdir()
    img = small_photo("coffee", 40)
    for i in range(70):  # over the size that starts worker processes
        Image.fromarray(np.roll(img, i, axis=1)).save(folder / f"{i:03d}.png")
    seen = []
    with pytest.raises(InterruptedError):
        load_photo_folder(folder, 32, cache_dir=tmp_path / "cache", workers=2,
                          on_progress=lambda d, t: seen.append(d), should_stop=lambda: True)
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").glob("*.npz"))


# --------------------------------------------------------------------------- semantics, growth, old-scan damage


def test_labels_come_from_the_pool_manifest(tmp_path):
    from colorizer_app.training.labels import CLASSES, labels_for

    rows = [("train/imagenette/0.png", "imagenette", "imagenette/train/n03028079/n03028079_1.JPEG"),
            ("train/catsdogs_breeds/1.png", "catsdogs_breeds", "c/dataset/breed_dataset/dog_breeds/train/x.jpg"),
            ("train/houses/2.png", "houses", "houses/Houses Dataset/12_frontal.jpg"),
            ("train/imagenet_sample1000/3.png", "imagenet_sample1000", "s/n09999999_1.JPEG"),
            ("train/humans/4.png", "humans", "humans/Humans/1 (2).jpg")]
    (tmp_path / "MANIFEST.tsv").write_text(
        "file\tsource\torigin_path\n" + "".join(f"{f}\t{s}\t{o}\n" for f, s, o in rows))
    files = [str(tmp_path / f) for f, _, _ in rows] + [str(tmp_path / "train" / "elsewhere.png")]
    labels = labels_for(files, tmp_path / "train")
    assert [CLASSES[i] if i >= 0 else None for i in labels] == [
        "n03028079", "dog", "house_front", None, "portrait", None]
    assert labels_for(files, tmp_path / "no_manifest_here" / "deeper" / "still") is None


def test_degraded_lightness_stays_in_range_and_spares_the_rest():
    from colorizer_app.training.degrade import degrade_lightness

    L = torch.rand(16, 1, 48, 48) * 100
    assert degrade_lightness(L, 0.0) is L
    out = degrade_lightness(L, 1.0, torch.Generator().manual_seed(1))
    assert out.shape == L.shape and out.min() >= 0 and out.max() <= 100
    changed = (out - L).abs().flatten(1).amax(1) > 1
    assert changed.all()  # every photo damaged at p = 1
    half = degrade_lightness(L, 0.5, torch.Generator().manual_seed(2))
    untouched = ((half - L).abs().flatten(1).amax(1) == 0).sum().item()
    assert 2 <= untouched <= 14  # about half left exactly as they were


def test_print_damage_cracks_some_photos_across_and_leaves_the_rest_in_range():
    from colorizer_app.training.degrade import print_damage

    flat = torch.full((64, 1, 64, 64), 50.0)
    assert print_damage(flat, 0.0) is flat
    out = print_damage(flat, 1.0, torch.Generator().manual_seed(4))
    assert out.shape == flat.shape and out.min() >= 0 and out.max() <= 100
    # uneven light and vignettes stay within a few tens of units of mid-gray; cracks do not
    cracked = [o[0] for o in out if ((o[0] > 85) | (o[0] < 20)).any()]
    assert 16 <= len(cracked) <= 48  # about half the photos
    for o in cracked:
        ys, xs = torch.nonzero((o > 85) | (o < 20), as_tuple=True)
        assert len(set(ys.tolist())) > 3 and len(set(xs.tolist())) > 3  # lines that wander, not one column
    changed = (out - flat).abs().flatten(1).amax(1) > 1
    assert changed.float().mean() > 0.6
    some = print_damage(flat, 0.5, torch.Generator().manual_seed(5))
    untouched = ((some - flat).abs().flatten(1).amax(1) == 0).sum().item()
    assert 16 <= untouched <= 52  # photos not drawn, plus drawn ones that happened to get nothing


def test_plain_backdrops_replace_part_of_a_photo_with_an_even_tone_whose_truth_is_neutral():
    from colorizer_app.training.backdrops import plain_backdrops

    gen = torch.Generator().manual_seed(6)
    # a busy photo in strong colour: stripes of lightness, a blue-green cast everywhere
    L = (torch.arange(64.0)[None, None, None, :] % 8 * 10 + 10).expand(32, 1, 64, 64).clone()
    ab = torch.tensor([-30.0, -20.0])[None, :, None, None].expand(32, 2, 64, 64).clone()
    assert plain_backdrops(L, ab, 0.0) == (L, ab)
    L2, ab2 = plain_backdrops(L, ab, 1.0, gen)
    assert L2.shape == L.shape and ab2.shape == ab.shape and L2.min() >= 0 and L2.max() <= 100
    chroma = ab2.norm(dim=1)  # (B, H, W)
    for i in range(32):
        backdrop = chroma[i] < 1  # where the truth is now (nearly) neutral
        kept = (ab2[i] == ab[i]).all(0)  # where the photo was left exactly as it was
        assert 0.1 < backdrop.float().mean() < 0.95 and kept.float().mean() > 0.03
        assert torch.equal(L2[i, 0][kept], L[i, 0][kept])
        # the backdrop is featureless next to the photo: neighbours differ by grain, not by stripes
        step = (L2[i, 0, :, 1:] - L2[i, 0, :, :-1]).abs()
        both = backdrop[:, 1:] & backdrop[:, :-1]
        assert step[both].median() < 6 < (L[i, 0, :, 1:] - L[i, 0, :, :-1]).abs().median()
    some_L, some_ab = plain_backdrops(L, ab, 0.5, gen)
    untouched = ((some_ab - ab).abs().flatten(1).amax(1) == 0).sum().item()
    assert 6 <= untouched <= 26 and torch.equal(some_L[(some_ab == ab).flatten(1).all(1)],
                                                L[(some_ab == ab).flatten(1).all(1)])


def test_grown_net_starts_as_the_one_it_grew_from_and_ships_without_aux_head(tmp_path, app_dirs, capsys):
    """--init with --extra-blocks and --aux: the grown net computes exactly what its base did
    (new blocks start as identity), trains with the auxiliary loss on the manifest's labels, and
    the saved model has the extra blocks but not the training-only head."""
    from colorizer_app.cli.train import _grown

    folder = tmp_path / "pool" / "train"
    write_photo_folder(folder / "humans", n=12)
    names = sorted(p.name for p in (folder / "humans").glob("photo_*.png"))
    (tmp_path / "pool" / "MANIFEST.tsv").write_text(
        "file\tsource\torigin_path\n" + "".join(f"train/humans/{n}\thumans\thumans/Humans/{n}\n" for n in names))
    base = tmp_path / "base.safetensors"
    assert cli_main(["train", "--model", "regression", "--data", str(folder), "--out", str(base), *COMMON]) == 0
    base_model = load_model(base)

    class Args:
        extra_blocks, aux, hints = 2, True, True
    grown = _grown(base_model, Args)
    L = torch.rand(2, 1, 64, 64) * 100
    hints = torch.zeros(2, 3, 64, 64)
    hints[:, :, 10:13, 20:23] = torch.tensor([40.0, -30.0, 1.0])[:, None, None]
    with torch.no_grad():
        assert torch.allclose(grown.net.eval()(L), base_model.net.eval()(L), atol=1e-4)
        # hint inputs added to a trained net start out ignored: it colours as before until trained
        assert torch.allclose(grown.net(L, hints), base_model.net(L), atol=1e-4)
        out, aux = grown.net(L, with_aux=True)
    assert aux.shape == (2, grown.net.spec.aux_classes)

    capsys.readouterr()
    out_path = tmp_path / "grown.safetensors"
    rc = cli_main(["train", "--model", "regression", "--init", str(base), "--extra-blocks", "2", "--aux",
                   "--degrade", "0.5", "--print-damage", "0.5", "--plain-backdrops", "0.5",
                   "--data", str(folder), "--out", str(out_path),
                   *[a for a in COMMON if a not in ("8,8,16,2", "--spec")]])
    text = "".join(capsys.readouterr())
    assert rc == 0, text
    assert "aux=" in text  # the auxiliary loss was trained
    shipped = load_model(out_path)
    assert shipped.net.spec.extra_blocks == 2 and shipped.net.spec.aux_classes == 0
    tensors, _ = read_safetensors(out_path)
    assert any(k.startswith("net.extra.") for k in tensors) and not any(k.startswith("net.aux.") for k in tensors)


def test_aux_without_labels_is_refused(tmp_path, app_dirs, capsys):
    folder = tmp_path / "photos"
    write_photo_folder(folder, n=12)
    rc = cli_main(["train", "--model", "regression", "--aux", "--data", str(folder),
                   "--out", str(tmp_path / "x.safetensors"), *COMMON])
    assert rc == 2
    assert "no labelled photos" in capsys.readouterr().err


def test_crop_sampler_cuts_whole_windows_with_flips_and_labels():
    """Each photo's pixels encode (row, column, photo): every crop must be one contiguous window of
    one photo, mirrored left-right about half the time, with that photo's label."""
    n, s, crop = 5, 40, 24
    rows, cols = np.mgrid[0:s, 0:s]
    images = np.stack([np.stack([rows, cols, np.full_like(rows, i)], -1) for i in range(n)]).astype(np.uint8)
    photos = PhotoSet(images, [f"p{i}" for i in range(n)], labels=np.arange(n) * 10)
    sampler = data_mod.CropSampler(photos, crop, batch=64, seed=3)
    batch, labels = sampler.next_with_labels()
    assert batch.shape == (64, crop, crop, 3) and batch.dtype == torch.uint8
    b = batch.long()
    assert (b[:, 1:, :, 0] - b[:, :-1, :, 0] == 1).all()  # rows in order
    step = b[:, :, 1:, 1] - b[:, :, :-1, 1]
    flipped = (step == -1).all(dim=(1, 2))
    assert ((step == 1).all(dim=(1, 2)) | flipped).all()  # columns in order, or mirrored
    assert 10 < int(flipped.sum()) < 54
    photo = b[:, 0, 0, 2]
    assert (b[..., 2] == photo[:, None, None]).all()  # one photo per crop
    assert torch.equal(labels, photo * 10)
    assert b[..., 0].max() < s and b[..., 1].max() < s


def test_zoomed_crops_are_enlarged_windows_of_one_photo():
    """With zoom, each crop is a square of crop / z photo pixels (1 <= z <= zoom) resized to the
    crop: on a photo whose pixels encode (row, column), the rows and columns of a crop climb by
    1 / z per pixel (or fall, mirrored), evenly, and one photo fills each crop."""
    n, s, crop, zoom = 5, 40, 24, 2.0
    rows, cols = np.mgrid[0:s, 0:s]
    images = np.stack([np.stack([rows * 6, cols * 6, np.full_like(rows, i)], -1) for i in range(n)]).astype(np.uint8)
    photos = PhotoSet(images, [f"p{i}" for i in range(n)], labels=np.arange(n))
    sampler = data_mod.CropSampler(photos, crop, batch=64, seed=3, zoom=zoom)
    batch, labels = sampler.next_with_labels()
    assert batch.shape == (64, crop, crop, 3) and batch.dtype == torch.uint8
    b = batch.double()
    row_span = (b[:, -1, :, 0] - b[:, 0, :, 0]).mean(1) / 6  # photo rows from the first crop row to the last
    col_span = (b[:, :, -1, 1] - b[:, :, 0, 1]).mean(1) / 6
    z = (crop - 1) / row_span
    assert (z > 1 - 0.05).all() and (z < zoom + 0.05).all()
    assert torch.allclose(col_span.abs(), row_span, atol=0.2)  # square, not stretched
    assert 10 < int((col_span < 0).sum()) < 54  # mirrored about half the time
    assert (z > 1.4).sum() > 10 and (z < 1.4).sum() > 10  # factors spread over the range
    steps = (b[:, 1:, :, 0] - b[:, :-1, :, 0]) / 6
    assert (steps - 1 / z[:, None, None]).abs().max() < 0.2  # evenly, no jumps
    assert torch.equal(batch[..., 2].long(), labels[:, None, None].expand(-1, crop, crop))
    again = data_mod.CropSampler(photos, crop, batch=64, seed=3, zoom=zoom).next_with_labels()[0]
    assert torch.equal(batch, again)  # reproducible from the seed
    with pytest.raises(ValueError, match="zoom"):
        data_mod.CropSampler(photos, crop, batch=4, zoom=0.5)


def test_zoom_detail_sharpens_enlarged_crops_in_lightness_and_leaves_their_colours():
    """`detail` gives an enlarged crop back fine detail: its lightness gains high-frequency energy,
    more the more it was enlarged, while its colours (scikit-image's Lab) and its mean lightness
    stay where they were. The crops' geometry is the same as without it, and a seed repeats it."""
    from skimage.color import rgb2lab

    photo = np.asarray(Image.fromarray(data.astronaut()).resize((96, 96), Image.LANCZOS))
    photos = PhotoSet(photo[None].repeat(16, 0), [f"p{i}" for i in range(16)])
    plain = data_mod.CropSampler(photos, 64, batch=16, seed=5, zoom=2.5).next_with_labels()[0]
    sharp = data_mod.CropSampler(photos, 64, batch=16, seed=5, zoom=2.5, detail=1.5).next_with_labels()[0]
    again = data_mod.CropSampler(photos, 64, batch=16, seed=5, zoom=2.5, detail=1.5).next_with_labels()[0]
    assert torch.equal(sharp, again)
    lab_plain = rgb2lab(plain.numpy())
    lab_sharp = rgb2lab(sharp.numpy())

    def high_pass_energy(L):  # mean squared 4-neighbour Laplacian per crop
        lap = 4 * L[:, 1:-1, 1:-1] - L[:, :-2, 1:-1] - L[:, 2:, 1:-1] - L[:, 1:-1, :-2] - L[:, 1:-1, 2:]
        return (lap ** 2).mean(axis=(1, 2))

    gain = high_pass_energy(lab_sharp[..., 0]) / high_pass_energy(lab_plain[..., 0])
    assert (gain > 1.2).mean() > 0.8  # sharper lightness in nearly every crop
    barely = [data_mod.CropSampler(photos, 64, batch=16, seed=5, zoom=1.02, detail=d).next_with_labels()[0]
              for d in (0.0, 1.5)]
    assert np.abs(rgb2lab(barely[1].numpy())[..., 0] - rgb2lab(barely[0].numpy())[..., 0]).mean() < 0.3  # none at ~1x
    d_ab = np.abs(lab_sharp[..., 1:] - lab_plain[..., 1:]).mean()
    d_mean_L = np.abs(lab_sharp[..., 0].mean(axis=(1, 2)) - lab_plain[..., 0].mean(axis=(1, 2))).max()
    assert d_ab < 1.5 and d_mean_L < 0.5  # colours and overall lightness stay
    with pytest.raises(ValueError, match="detail"):
        data_mod.CropSampler(photos, 64, batch=4, zoom=2.0, detail=-1.0)


def test_hint_inputs_learn_faster_than_the_trained_net_they_join():
    """The zero-initialised hint inputs get their own parameter group with a learning-rate gain,
    and a training step with hints moves them from zero."""
    from colorizer_app.models.checkpoint import new_model
    from colorizer_app.training.objectives import HINT_LR_GAIN, param_groups
    from colorizer_app.training.trainer import TrainConfig

    plain = new_model("regression", {"widths": (8, 8, 16), "blocks": 2})
    assert len(param_groups(plain.net)) == 1
    hinted = new_model("regression", {"widths": (8, 8, 16), "blocks": 2, "hint_channels": 3})
    groups = param_groups(hinted.net)
    assert len(groups) == 2 and groups[1]["lr_gain"] == HINT_LR_GAIN > 1
    names = {id(p): n for n, p in hinted.net.named_parameters()}
    assert sorted(names[id(p)] for p in groups[1]["params"]) == ["hint_in.weight", "hint_skip.bias", "hint_skip.weight"]
    assert sum(len(g["params"]) for g in groups) == len(list(hinted.net.parameters()))
    cfg = TrainConfig(family="regression", steps=2, batch=2, crop=32, warmup=0, lr=1e-3, val_every=100)
    L = torch.rand(2, 1, 32, 32) * 100
    ab = torch.randn(2, 2, 32, 32) * 20
    hints = torch.zeros(2, 3, 32, 32)
    hints[:, :, 8:11, 8:11] = torch.tensor([30.0, -20.0, 1.0])[:, None, None]
    from colorizer_app.training.objectives import OBJECTIVES
    obj = OBJECTIVES["regression"](hinted, cfg.loss, cfg.lr)
    obj.train_step(L, ab, None, hints)
    assert hinted.net.hint_in.weight.abs().sum() > 0  # the hints are learnt from


def test_the_spread_in_the_loss_is_differentiable_and_holds_the_hinted_cells():
    """--hint-spread: the loss is taken after the spread along edges; its gradient (one more
    solve) matches finite differences, and a hinted cell takes the hint's colour."""
    from colorizer_app.training.spread_loop import _Spread, held_from_planes, spread_in_loop

    torch.manual_seed(0)
    planes = torch.zeros(2, 3, 32, 32)
    planes[0, :, 8:12, 8:12] = torch.tensor([30.0, -20.0, 1.0])[:, None, None]  # cell (2, 2), whole
    L = torch.rand(2, 1, 32, 32) * 100
    pred = torch.randn(2, 2, 8, 8) * 10
    out = spread_in_loop(pred, L, planes)
    assert out[0, :, 2, 2].tolist() == pytest.approx([30.0, -20.0], abs=0.1)
    assert torch.equal(out[1], pred[1])  # no hints: unchanged
    guide = torch.nn.functional.avg_pool2d(L, 4)[:, 0].double()
    held, target = held_from_planes(planes, 4)
    p = (torch.randn(2, 2, 8, 8, dtype=torch.float64) * 10).requires_grad_()
    assert torch.autograd.gradcheck(lambda x: _Spread.apply(x, guide, held.double(), target.double()), (p,),
                                    eps=1e-6, atol=1e-4)


def _settled_colour(cfg: LossConfig, target: torch.Tensor) -> torch.Tensor:
    """The one colour a regression loss settles on for photos that look the same in gray."""
    from colorizer_app.training.objectives import OBJECTIVES

    model = new_model("regression", {"widths": (8, 8, 16), "blocks": 2})
    obj = OBJECTIVES["regression"](model, cfg, 1e-3)
    p = torch.tensor([[1.0, 1.0]])[:, :, None, None].requires_grad_()
    opt = torch.optim.Adam([p], lr=0.5)
    for step in range(600):
        for group in opt.param_groups:
            group["lr"] = 0.5 if step < 400 else 0.05
        opt.zero_grad()
        obj.loss(p.expand(target.shape[0], 2, 1, 1), target).backward()
        opt.step()
    return p.detach()[0, :, 0, 0]


@pytest.mark.parametrize("weight, faded", [(0.0, True), (1.0, False)])
def test_chroma_term_keeps_colour_whose_hue_is_uncertain(weight, faded):
    """Two photos look the same in gray but one is red, the other green (the hue is a coin toss):
    L2 alone settles on gray, the mean; with --chroma-weight the colour keeps much of its strength,
    along the direction the mean leans to."""
    target = torch.tensor([[40.0, 20.0], [-38.0, -20.0]])[:, :, None, None]  # red-ish, green-ish
    strength = _settled_colour(LossConfig(chroma_weight=weight), target).norm().item()
    truth_strength = target.norm(dim=1).mean().item()
    if faded:
        assert strength < 2.0  # the mean, (1, 0): nearly gray
    else:
        assert strength > 0.4 * truth_strength


def test_false_colour_term_fades_a_coin_toss_and_keeps_a_sure_colour():
    """Red or green behind the same gray: the chroma term keeps a strong colour along one of them,
    far off for the other half of the photos; the false-colour term charges that and the colour
    fades. Where every photo agrees (all red), nothing is far off and the colour stays."""
    toss = torch.tensor([[40.0, 20.0], [-38.0, -20.0]])[:, :, None, None]
    sure = torch.tensor([[40.0, 20.0], [44.0, 18.0]])[:, :, None, None]
    bold = _settled_colour(LossConfig(chroma_weight=1.0), toss).norm().item()
    faded = _settled_colour(LossConfig(chroma_weight=1.0, false_colour_weight=0.5), toss).norm().item()
    assert faded < 0.7 * bold
    kept = _settled_colour(LossConfig(chroma_weight=1.0, false_colour_weight=0.5), sure)
    assert torch.allclose(kept, sure[:, :, 0, 0].mean(0), atol=1.0)


@pytest.mark.parametrize("margin", [0.0, 30.0])
def test_decoded_term_charges_a_false_colour_by_how_far_off_it_is(margin):
    """Cross-entropy over the bins costs the same for any bin far from the truth; the decoded term
    costs a near miss (orange for red) less than a false colour (blue for red), and nothing for the
    truth. With a margin of 30 (the wrong-colour threshold) the near miss costs nothing either.
    Its gradient reaches the bin scores."""
    from colorizer_app.models import bins as B
    from colorizer_app.training.objectives import OBJECTIVES

    model = new_model("classification", {"widths": (8, 8, 16), "blocks": 2})
    obj = OBJECTIVES["classification"](model, LossConfig(decoded_weight=5.0, decoded_margin=margin), 1e-3)
    centres = B.gamut_bins()
    red = torch.tensor([50.0, 40.0])
    truth = red[None, :, None, None].expand(1, 2, 4, 4).contiguous()

    def sure_of(ab):
        logits = torch.full((1, centres.shape[0], 4, 4), -4.0)
        logits[:, (centres - torch.tensor(ab)).norm(dim=1).argmin()] = 4.0
        return logits.requires_grad_()

    at_truth, near, far = sure_of([50.0, 40.0]), sure_of([30.0, 60.0]), sure_of([0.0, -50.0])
    ce_near, ce_far = obj.loss(near, truth).item(), obj.loss(far, truth).item()
    assert ce_near == pytest.approx(ce_far, rel=0.05)  # both outside the truth's soft neighbours
    costs = [obj.decoded_loss(x, truth) for x in (at_truth, near, far)]
    assert costs[0].item() < 1e-3 and costs[1].item() < 0.5 * costs[2].item()
    assert (costs[1].item() < 1e-3) == bool(margin)
    costs[2].backward()
    assert far.grad.abs().sum() > 0


@pytest.mark.parametrize("accepted, refused", [
    (["--model", "regression", "--hints", "--hint-spread"], ["--model", "regression", "--hint-spread"]),  # no hint inputs
    (["--model", "regression", "--chroma-weight", "0.5"], ["--model", "gan", "--chroma-weight", "0.5"]),  # not its loss
    (["--model", "regression", "--false-colour-weight", "0.25"],
     ["--model", "gan", "--false-colour-weight", "0.25"]),  # not its loss
    (["--model", "gan", "--perceptual-weight", "0.1"],
     ["--model", "classification", "--perceptual-weight", "0.1"]),  # predicts bins, not colours
    (["--model", "classification", "--zoom", "1.8"], ["--model", "classification", "--zoom", "0.5"]),  # shrinks
    (["--model", "classification", "--decoded-weight", "5"],
     ["--model", "regression", "--decoded-weight", "5"]),  # no bins to decode
    (["--model", "classification", "--decoded-weight", "5", "--decoded-margin", "30"],
     ["--model", "classification", "--decoded-margin", "30"]),  # a margin of no term
    (["--model", "regression", "--zoom", "2", "--zoom-detail", "1.5"],
     ["--model", "regression", "--zoom-detail", "1.5"]),  # nothing enlarged to sharpen
    (["--model", "classification", "--arch", "effnet_lite0", "--imagenet-weight", "0.5"],
     ["--model", "regression", "--imagenet-weight", "0.01"]),  # no pretrained encoder to keep
])
def test_cli_training_options_are_taken_where_they_apply_and_refused_elsewhere(accepted, refused, tmp_path,
                                                                               app_dirs, capsys):
    """--hint-spread needs a regression net with hint inputs, --chroma-weight the regression loss,
    --zoom a factor that enlarges. A refused run says which option and writes nothing."""
    folder = tmp_path / "photos"
    write_photo_folder(folder)
    out = tmp_path / "ok.safetensors"
    assert cli_main(["train", *accepted, "--data", str(folder), "--out", str(out), *COMMON]) == 0
    assert load_model(out).family == accepted[1]
    capsys.readouterr()
    assert cli_main(["train", *refused, "--data", str(folder),
                     "--out", str(tmp_path / "no.safetensors"), *COMMON]) == 2
    assert refused[2] in capsys.readouterr().err
    assert not (tmp_path / "no.safetensors").exists()


def test_classification_started_from_a_regression_net_decodes_to_its_colours_then_trains(tmp_path, capsys):
    """--model classification --init <regression file>: the colour head becomes bin logits whose
    annealed mean gives the regression net's colours, so Vivid starts from what Natural sees."""
    from colorizer_app.cli.train import _binned
    from colorizer_app.models.bins import annealed_mean

    folder = tmp_path / "photos"
    write_photo_folder(folder, n=8)
    base = tmp_path / "natural.safetensors"
    assert cli_main(["train", "--model", "regression", "--hints", "--data", str(folder), "--out", str(base), *COMMON]) == 0
    natural = load_model(base)
    vivid = _binned(load_model(base))
    assert vivid.net.spec.family == "classification" and vivid.net.spec.out_channels == vivid.bins.shape[0]
    L = F.avg_pool2d(torch.rand(2, 1, 64, 64) * 100, 5, 1, 2)
    with torch.no_grad():
        ab = natural.net.eval()(L)
        logits = vivid.net.eval()(L)
    assert ab.abs().max() > 0.5  # a trained net's colours, not zeros
    # exact up to the bins' edge: a Gaussian cut off by the gamut has its mean pulled inward a little
    assert (annealed_mean(logits, vivid.bins, 1.0) - ab).abs().mean() < 0.5

    capsys.readouterr()
    out_path = tmp_path / "vivid.safetensors"
    rc = cli_main(["train", "--model", "vivid", "--init", str(base), "--hints", "--data", str(folder),
                   "--out", str(out_path), *[a for a in COMMON if a not in ("8,8,16,2", "--spec")]])
    assert rc == 0, "".join(capsys.readouterr())
    trained = load_model(out_path)
    assert trained.family == "classification" and trained.net.spec.hint_channels == natural.net.spec.hint_channels
    assert trained.meta["base_model"] == natural.name
