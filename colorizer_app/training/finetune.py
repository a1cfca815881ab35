"""Fine-tuning a model on a folder of the user's own colour photos.

One workflow behind both `colorizer-cli finetune` and the app's Fine-tune dialog: scan the folder
(and say what is usable), hold out a few photos, train from the base model, report progress,
losses and a preview of a held-out photo, and save the result as a user model. Nothing here knows
about Qt: the dialog drives it from a worker thread through the callbacks.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image

from ..imaging.io import ImageError, load_image
from ..models import pipeline, registry
from ..models.checkpoint import CheckpointError, LoadedModel, load_model
from ..models.user_models import file_stem, name_problem  # noqa: F401  (part of this module's API)
from .data import PhotoSet, lab_batch, load_photo_folder, photo_size
from .objectives import LossConfig, recorded_loss
from .trainer import Trainer, TrainConfig, validate

MIN_PHOTOS = 10  # fewer cannot both train and leave a held-out photo to judge by
DEFAULT_STEPS = 600  # batches of 16 at 128 px: about 3 to 5 minutes on a 2-core CPU
DEFAULT_BATCH = 16
DEFAULT_LR = 3e-4  # a third of training from scratch: adapt, do not forget
DEFAULT_CROP = 128
# classification: class rebalancing while fine-tuning (1.0 = none). Measured on 200 cats and dogs
# (docs/training.md): none gained 1.6 dB on held-out photos but halved the colour; 0.75 kept the colour and
# lost 1.3 dB. Accuracy wins by default; --rebalance-lambda trades it for colour.
FINETUNE_LAMBDA = 1.0
# A pretrained encoder moves at this share of the learning rate when the base does not record its
# own: at the full rate, 600 steps on 200 portraits cost Natural 5 1 dB on the folder's held-out photos.
FINETUNE_ENCODER_LR = 0.3
PREVIEW_SIZE = 256  # short side of the preview photo
MAX_HELD_OUT = 32


class FineTuneError(Exception):
    """Fine-tuning cannot start; the message says why in words a user can act on."""


# --- the folder ------------------------------------------------------------------------------


@dataclass
class FolderScan:
    folder: Path
    photos: PhotoSet

    @property
    def usable(self) -> int:
        return len(self.photos)

    @property
    def unreadable(self) -> int:
        return len(self.photos.unreadable)

    @property
    def grayscale(self) -> int:
        return len(self.photos.grayscale)

    def summary(self) -> str:
        skipped = []
        if self.unreadable:
            skipped.append(f"{self.unreadable} unreadable")
        if self.grayscale:
            skipped.append(f"{self.grayscale} grayscale")
        tail = f" ({', '.join(skipped)} skipped)" if skipped else ""
        return f"{self.usable} usable colour photo{'s' if self.usable != 1 else ''}{tail}"

    def problem(self, min_photos: int = MIN_PHOTOS) -> str | None:
        """Why this folder cannot be used, or None."""
        seen = self.usable + self.unreadable + self.grayscale
        if seen == 0:
            return f"{self.folder}: no photos found (JPEG, PNG, TIFF, WebP, BMP...)"
        if self.usable == 0 and self.grayscale:
            return (f"{self.folder}: all {self.grayscale} readable photos are grayscale; "
                    "fine-tuning learns colour from colour photos")
        if self.usable == 0:
            return f"{self.folder}: none of the {self.unreadable} files could be read as a photo"
        if self.usable < min_photos:
            return (f"{self.folder}: only {self.summary()}; at least {min_photos} colour photos "
                    "are needed")
        return None


def scan_folder(folder: str | Path, crop: int = DEFAULT_CROP,
                on_progress: Callable[[int, int], None] | None = None,
                should_stop: Callable[[], bool] | None = None) -> FolderScan:
    """Read every photo under `folder` once (cached), sorting usable, unreadable and grayscale."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FineTuneError(f"{folder}: no such folder")
    photos = load_photo_folder(folder, photo_size(crop), cache_dir=registry.cache_dir() / "photos",
                               on_progress=on_progress, should_stop=should_stop)
    return FolderScan(folder, photos)


# --- names and files -------------------------------------------------------------------------


def output_path(name: str) -> Path:
    return registry.user_models_dir() / f"{file_stem(name)}.safetensors"


# --- the run ---------------------------------------------------------------------------------


@dataclass
class FineTuneSettings:
    base: str  # a model name or .safetensors path
    name: str
    steps: int = DEFAULT_STEPS
    lr: float = DEFAULT_LR
    crop: int = DEFAULT_CROP
    batch: int = DEFAULT_BATCH
    minutes: float | None = None  # optional time budget on top of `steps`
    rebalance_lambda: float | None = None  # classification: None keeps FINETUNE_LAMBDA
    seed: int = 0


@dataclass
class FineTuneResult:
    path: Path | None  # None when cancelled
    steps: int
    seconds: float
    before: dict = field(default_factory=dict)  # held-out metrics of the base model
    after: dict = field(default_factory=dict)  # and of the fine-tuned one
    kept_step: int | None = None  # the step whose weights were saved, where not the last


def held_out_count(n: int) -> int:
    return min(MAX_HELD_OUT, max(2, n // 10))


def _loss_config(base: LoadedModel, settings: FineTuneSettings) -> LossConfig:
    """The base's own training loss where its card records it, so fine-tuning keeps its style."""
    cfg = recorded_loss(base)
    if "encoder_lr" not in (base.meta.get("loss") or {}):
        cfg.encoder_lr = FINETUNE_ENCODER_LR
    steps = settings.steps
    if base.family == "classification":
        cfg.rebalance_lambda = FINETUNE_LAMBDA if settings.rebalance_lambda is None else settings.rebalance_lambda
    if base.family == "gan":
        cfg.d_warmup = min(100, steps // 5)  # a fresh critic learns a little before it teaches
    return cfg


class FineTune:
    """One fine-tuning run. Call from a worker thread; pause(), resume() and cancel() are safe
    from any thread. Callbacks run on the training thread."""

    def __init__(self, settings: FineTuneSettings, scan: FolderScan, device: torch.device | str = "cpu",
                 on_progress: Callable[[int, int, dict, float], None] | None = None,
                 on_eval: Callable[[int, float], None] | None = None,
                 on_preview: Callable[[int, np.ndarray], None] | None = None,
                 log: Callable[[str], None] = lambda msg: None, evals: int = 12,
                 command: str | None = None):
        problem = scan.problem() or name_problem(settings.name)
        if problem:
            raise FineTuneError(problem)
        try:
            base_file = registry.resolve(settings.base)
            self.base = load_model(base_file)  # loaded for this run alone: it trains in place, in fp32
        except CheckpointError as e:
            raise FineTuneError(str(e)) from None
        self.settings, self.scan = settings, scan
        self.device = torch.device(device)
        self.on_progress = on_progress or (lambda *a: None)
        self.on_eval = on_eval or (lambda *a: None)
        self.on_preview = on_preview or (lambda *a: None)
        self.log = log
        self.out = output_path(settings.name)
        self.train_set, self.held = scan.photos.split(held_out_count(scan.usable), seed=settings.seed)
        self.eval_every = max(1, settings.steps // evals)
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.preview_photo = self._preview_photo()
        model = LoadedModel(net=self.base.net.float(), meta={}, bins=self.base.bins)
        cfg = TrainConfig(
            family=self.base.family, steps=settings.steps, batch=settings.batch, crop=settings.crop - settings.crop % self.base.net.spec.stride,
            lr=settings.lr, warmup=min(50, settings.steps // 10), seed=settings.seed,
            checkpoint_every=10**9, val_every=10**9, val_images=len(self.held),
            loss=_loss_config(self.base, settings), max_minutes=settings.minutes, keep_resume=False)
        meta = {
            "name": settings.name.strip(),
            "base_model": self.base.name,
            "command": command or "Fine-tune dialog",
            "data": {"train": str(scan.folder), "train_photos": len(self.train_set),
                     "val": f"{len(self.held)} photos of the folder held out", "val_photos": len(self.held)},
            "finetune": {"folder": str(scan.folder), "photos": scan.usable, "held_out": len(self.held),
                         "unreadable": scan.unreadable, "grayscale": scan.grayscale,
                         "base_model": self.base.name, "base_file": str(base_file)},
        }
        self.trainer = Trainer(cfg, model, self.train_set, self.held, self.out, device=self.device,
                               on_progress=self._progress, should_stop=self._should_stop, log=log, meta=meta,
                               before_final=self._keep_best)
        self.held_L, self.held_ab = self._held_batch()
        self.best: tuple[float, int, dict] | None = None  # held-out loss, step, weights (on the CPU)
        self.final_loss = float("nan")
        self.kept_step: int | None = None

    # --- control from other threads --------------------------------------------------------------

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()  # a paused run must wake up to stop

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def training_seconds(self) -> float:
        """Time spent training so far, pauses not counted (they are kept out of the trainer's clock)."""
        return self.trainer.seconds_before + time.time() - self.trainer.t_start

    def _should_stop(self) -> bool:
        return self._cancel.is_set()

    # --- evaluation and preview ------------------------------------------------------------------

    def _preview_photo(self) -> np.ndarray:
        """The first held-out photo, from its file at preview size (the square crop if unreadable)."""
        try:
            pixels = load_image(self.held.files[0]).pixels
        except (ImageError, IndexError):
            return self.held.images[0]
        h, w = pixels.shape[:2]
        scale = PREVIEW_SIZE / min(h, w)
        if scale < 1:
            pixels = np.asarray(Image.fromarray(pixels).resize((max(8, round(w * scale)), max(8, round(h * scale))),
                                                               Image.Resampling.BILINEAR))
        return pixels

    def _held_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        size = self.held.size - self.held.size % self.base.net.spec.stride
        return lab_batch(torch.from_numpy(np.ascontiguousarray(self.held.images[:, :size, :size])), self.device)

    @torch.inference_mode()
    def colourise_preview(self) -> np.ndarray:
        """The preview photo as the model now colours it (uint8 RGB), by the app's own pipeline."""
        objective = self.trainer.objective
        model = objective.model
        objective.train(False)
        try:
            settings = pipeline.Settings(size=PREVIEW_SIZE, temperature=getattr(objective.cfg, "temperature", None))
            return pipeline.colorize(model, self.preview_photo, settings, self.device)
        finally:
            objective.train(True)

    @torch.inference_mode()
    def held_out_loss(self) -> float:
        objective = self.trainer.objective
        objective.train(False)
        try:
            return objective.val_loss(self.held_L, self.held_ab)
        finally:
            objective.train(True)

    def _evaluate(self, step: int) -> None:
        self.on_eval(step, self._held_out_loss_noted(step))
        self.on_preview(step, self.colourise_preview())

    def _held_out_loss_noted(self, step: int) -> float:
        """The held-out loss now; the weights are copied aside when it is the lowest yet."""
        loss = self.held_out_loss()
        if self.best is None or loss < self.best[0]:
            net = self.trainer.objective.model.net
            self.best = (loss, step, {k: v.detach().to("cpu", copy=True) for k, v in net.state_dict().items()})
        return loss

    def _keep_best(self, last_step: int) -> None:
        """A strong base overfits a small folder within a few hundred steps (Natural 5 on 200
        portraits lost 1.2 dB on the held-out ones after 600): where an earlier evaluation, the base
        itself included, did better on the held-out photos than the last step, that one is saved instead."""
        self.final_loss = self._held_out_loss_noted(last_step)
        if self.final_loss <= self.best[0]:
            return
        _, step, state = self.best
        self.trainer.objective.model.net.load_state_dict(state)
        self.trainer.meta["finetune"]["kept_step"] = self.kept_step = step
        self.log(f"kept the weights of step {step}, the closest to the held-out photos")

    def _progress(self, step: int, total: int, losses: dict, ips: float) -> None:
        self.on_progress(step, total, losses, ips)
        if step % self.eval_every == 0 and step < total:
            self._evaluate(step)
        if not self._running.is_set():
            paused_at = time.time()
            self._running.wait()
            self.trainer.seconds_before -= time.time() - paused_at  # a pause is not training time

    # --- the run ---------------------------------------------------------------------------------

    def run(self) -> FineTuneResult:
        t0 = time.time()
        before = validate(self.trainer.objective, self.held, self.device, len(self.held))
        self.trainer.meta["finetune"]["val_before"] = {k: round(v, 4) for k, v in before.items()}
        self._evaluate(0)
        result = self.trainer.run()
        if result.stopped:
            return FineTuneResult(None, result.steps_done, time.time() - t0, before)
        self.on_eval(result.steps_done, self.final_loss)
        self.on_preview(result.steps_done, self.colourise_preview())
        return FineTuneResult(self.out, result.steps_done, result.seconds, before, result.metrics, self.kept_step)
