"""A training loop that knows nothing of Qt or of the model family (minGPT's trainer, with callbacks).

Progress goes out through `on_progress(step, total, losses, images_per_s)`, cancellation comes in
through `should_stop()`. Training state is checkpointed every `checkpoint_every` steps to a
`.resume.safetensors` file beside the output; a run resumed from it continues where it stopped.
Under torchrun the networks are wrapped in DistributedDataParallel (gloo on CPU, NCCL on CUDA);
only rank 0 reports and writes files.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

from ..imaging.metrics import MetricAccumulator
from ..models import pipeline
from ..models.networks import ColorNet, NetSpec, build_net
from ..models.checkpoint import (LoadedModel, read_safetensors, save_model, unflatten_state,
                                 flatten_state, write_safetensors)
from .backdrops import plain_backdrops
from .data import CropSampler, PhotoSet, lab_batch
from .degrade import degrade_lightness, print_damage
from .hint_sampling import simulated_hints
from .objectives import OBJECTIVES, LossConfig

ProgressFn = Callable[[int, int, dict, float], None]


@dataclass
class TrainConfig:
    family: str
    steps: int
    batch: int = 32
    crop: int = 128
    lr: float = 1e-3
    warmup: int = 200
    seed: int = 0
    checkpoint_every: int = 250
    val_every: int = 1000
    val_images: int = 256
    bf16: bool | None = None  # None: on when the CPU has native bf16 (or on CUDA)
    max_minutes: float | None = None  # time budget: the run ends at `steps` or here, whichever first
    keep_resume: bool = True  # False: a stopped run leaves no file behind (the app's cancel)
    degrade: float = 0.0  # share of training photos given old-scan damage (blur, fading, grain, scratches)
    print_damage: float = 0.0  # share given an old print's damage (cracks, uneven light, vignettes)
    plain_backdrops: float = 0.0  # share given a plain backdrop whose truth is neutral (backdrops.py)
    zoom: float = 1.0  # crops enlarged by up to this factor (data.CropSampler): scenes at a user's photo's scale
    zoom_detail: float = 0.0  # sharpening and grain given back to enlarged crops (data.CropSampler's `detail`)
    loss: LossConfig = field(default_factory=LossConfig)


@dataclass
class TrainResult:
    steps_done: int
    stopped: bool
    metrics: dict
    seconds: float
    history: list = field(default_factory=list)


def distributed_rank() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def bf16_supported(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and torch.cpu._is_avx512_bf16_supported()


def lr_at(step: int, cfg: TrainConfig, done: float | None = None) -> float:
    """Linear warm-up, then cosine decay to 5% of the peak over the run (`done`: 0..1 of it)."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup) if done is None else done
    return cfg.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))


def colour_prior_sample(photos: PhotoSet) -> torch.Tensor:
    """ab of up to 2000 photos at 1/4 size: enough for a smooth prior over ~260 bins."""
    idx = np.random.default_rng(0).permutation(len(photos.images))[:2000]
    rgb = torch.from_numpy(np.ascontiguousarray(photos.images[np.sort(idx)]))
    _, ab = lab_batch(rgb)
    return F.avg_pool2d(ab, 4)


def training_batch(sampler: CropSampler, cfg: TrainConfig, device: torch.device | str = "cpu",
                   hints: bool = False):
    """A batch as training sees it: L, ab, the photos' labels and the simulated colour hints (None
    unless `hints`). Crops, plain backdrops, hints, old-scan and old-print damage, in this order:
    the sampler's generator draws for each in turn, so a seeded run depends on it."""
    rgb, labels = sampler.next_with_labels()
    L, ab = lab_batch(rgb, device)
    L, ab = plain_backdrops(L, ab, cfg.plain_backdrops, sampler.gen)
    planes = simulated_hints(ab, sampler.gen) if hints else None
    L = degrade_lightness(L, cfg.degrade, sampler.gen)
    L = print_damage(L, cfg.print_damage, sampler.gen)
    return L, ab, labels, planes


def validate(objective, val: PhotoSet, device: torch.device, limit: int, batch: int = 32) -> dict:
    """Colour metrics on up to `limit` val photos, made by the app's own pipeline (models/pipeline.py):
    the photos are their own working size, and the ab is upsampled and gamut-mapped as users get it."""
    acc = MetricAccumulator()
    model = objective.model
    temperature = getattr(objective.cfg, "temperature", None)
    objective.train(False)
    n = min(limit, len(val))
    size = val.size - val.size % model.net.spec.stride
    with torch.inference_mode():
        for i in range(0, n, batch):
            rgb = torch.from_numpy(np.ascontiguousarray(val.images[i:i + batch, :size, :size]))
            L, _ = lab_batch(rgb)
            out = pipeline.network_output(model, L, device)
            ab = pipeline.decode(model, out, temperature)
            for k, truth in enumerate(rgb.numpy()):
                acc.add(pipeline.render(L[k], ab[k], out.item(k)), truth)
    objective.train(True)
    return acc.summary().as_dict()


class Trainer:
    def __init__(self, cfg: TrainConfig, model: LoadedModel, train: PhotoSet, val: PhotoSet | None,
                 out: Path, device: torch.device | str = "cpu",
                 on_progress: ProgressFn | None = None, should_stop: Callable[[], bool] | None = None,
                 log: Callable[[str], None] = print, meta: dict | None = None,
                 before_final: Callable[[int], None] | None = None):
        self.cfg, self.model, self.train_set, self.val_set = cfg, model, train, val
        # called with the last step before the final check and save: fine-tuning may put earlier weights back
        self.before_final = before_final or (lambda step: None)
        self.out = Path(out)
        self.device = torch.device(device)
        self.on_progress = on_progress or (lambda *a: None)
        self.should_stop = should_stop or (lambda: False)
        self.log = log
        self.meta = meta or {}
        self.rank, self.world = distributed_rank()
        if self.world > 1 and cfg.max_minutes:
            raise ValueError("a time budget (max_minutes) is not supported in distributed training")
        self.step = 0
        self.t_start = time.time()
        self.history: list[dict] = []
        self.seconds_before = 0.0
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True  # fixed crop size: let cuDNN pick its fastest kernels
        model.net.to(self.device).train()
        wrap = self._ddp_wrap if self.world > 1 else (lambda m: m)
        prior_sample = None
        if cfg.family == "classification" or cfg.loss.rarity_weighted:
            prior_sample = colour_prior_sample(train)
        self.objective = OBJECTIVES[cfg.family](model, cfg.loss, cfg.lr, wrap=wrap, prior_sample=prior_sample)
        for m in self.objective.modules().values():
            m.to(self.device).train()
        self.sampler = CropSampler(train, cfg.crop, cfg.batch, seed=cfg.seed * 1000 + self.rank,
                                   device=self.device, zoom=cfg.zoom, detail=cfg.zoom_detail)
        self.use_bf16 = bf16_supported(self.device) if cfg.bf16 is None else cfg.bf16

    @property
    def resume_path(self) -> Path:
        return self.out.with_name(self.out.name.removesuffix(".safetensors") + ".resume.safetensors")

    def _ddp_wrap(self, module):
        module.to(self.device)
        ids = [self.device.index] if self.device.type == "cuda" else None
        return torch.nn.parallel.DistributedDataParallel(module, device_ids=ids)

    # --- checkpoints -------------------------------------------------------------------------

    def save_resume(self) -> None:
        if self.rank != 0:
            return
        tensors: dict[str, torch.Tensor] = {}
        state = {
            "modules": {k: m.state_dict() for k, m in self.objective.modules().items()},
            "optimizers": [o.state_dict() for o in self.objective.optimizers],
            "buffers": self.objective.buffers(),
        }
        skeleton = flatten_state("s", state, tensors)
        if self.model.bins is not None:
            tensors["bins.centres"] = self.model.bins
        meta = {
            "format_version": 1, "kind": "resume", "family": self.cfg.family,
            "spec": self.model.net.spec.to_dict(), "step": self.step,
            "seconds": self.seconds_before + (time.time() - self.t_start),
            "history": self.history, "config": _config_dict(self.cfg), "state": skeleton,
            "run_meta": self.meta,
        }
        write_safetensors(self.resume_path, tensors, meta)

    def load_resume(self, path: Path) -> None:
        tensors, meta = read_safetensors(path)
        if meta.get("kind") != "resume" or meta.get("family") != self.cfg.family:
            raise ValueError(f"{path}: not a {self.cfg.family} training checkpoint")
        state = unflatten_state(meta["state"], tensors)
        for k, m in self.objective.modules().items():
            m.load_state_dict(state["modules"][k])
        for o, s in zip(self.objective.optimizers, state["optimizers"]):
            o.load_state_dict(s)
        self.objective.load_buffers(state["buffers"])
        self.step = int(meta["step"])
        self.seconds_before = float(meta.get("seconds", 0.0))
        self.history = list(meta.get("history", []))
        self.meta = {**meta.get("run_meta", {}), **self.meta}
        self.sampler.gen.manual_seed(self.cfg.seed * 1000 + self.rank + 7919 * self.step)

    # --- the loop ----------------------------------------------------------------------------

    def done_fraction(self) -> float:
        """How much of the run is behind us: by steps, or by time when a budget is set."""
        by_steps = self.step / self.cfg.steps
        if not self.cfg.max_minutes:
            return by_steps
        elapsed = self.seconds_before + time.time() - self.t_start
        return max(by_steps, elapsed / (60 * self.cfg.max_minutes))

    def expected_steps(self) -> int:
        """cfg.steps, or under a time budget the steps the run will reach at its present speed."""
        done = self.done_fraction()
        if not self.cfg.max_minutes or self.step == 0 or done <= 0:
            return self.cfg.steps
        return max(self.step, min(self.cfg.steps, round(self.step / done)))

    def run(self) -> TrainResult:
        cfg = self.cfg
        self.t_start = time.time()
        t_last, step_last = time.time(), self.step
        ips = 0.0
        stopped = False
        autocast = (torch.autocast(self.device.type, dtype=torch.bfloat16) if self.use_bf16
                    else contextlib.nullcontext())
        try:
            while self.done_fraction() < 1.0:
                if self.should_stop():
                    stopped = True
                    break
                for o in self.objective.optimizers:
                    for g in o.param_groups:
                        g["lr"] = (lr_at(self.step, cfg, self.done_fraction() if cfg.max_minutes else None)
                                   * g.get("lr_gain", 1.0))
                L, ab, labels, hints = training_batch(self.sampler, cfg, self.device,
                                                      bool(self.model.net.spec.hint_channels))
                L = L.contiguous(memory_format=torch.channels_last)
                with autocast:
                    losses = self.objective.train_step(L, ab, labels, hints)
                self.step += 1
                now = time.time()
                finished = self.done_fraction() >= 1.0
                if now - t_last > 2.0 or finished:
                    ips = (self.step - step_last) * cfg.batch * self.world / (now - t_last)
                    t_last, step_last = now, self.step
                if self.rank == 0:
                    self.on_progress(self.step, self.expected_steps(), losses, ips)
                if self.step % cfg.checkpoint_every == 0 and not finished and cfg.keep_resume:
                    self.save_resume()
                if self.val_set is not None and self.step % cfg.val_every == 0 and not finished:
                    self._validate()
        except KeyboardInterrupt:
            stopped = True
        if stopped:
            if cfg.keep_resume:
                self.save_resume()
            return TrainResult(self.step, True, {}, self.seconds_before + time.time() - self.t_start,
                               self.history)
        self.before_final(self.step)
        metrics = self._validate() if self.val_set is not None else {}
        seconds = self.seconds_before + time.time() - self.t_start
        if self.rank == 0:
            self._save_final(metrics, seconds)
            self.resume_path.unlink(missing_ok=True)
        return TrainResult(self.step, False, metrics, seconds, self.history)

    def _validate(self) -> dict:
        if self.rank != 0:
            return {}
        m = validate(self.objective, self.val_set, self.device, self.cfg.val_images)
        self.history.append({"step": self.step, **{k: round(v, 4) for k, v in m.items()}})
        self.log(f"step {self.step}: val PSNR {m['psnr']:.2f} dB, AuC {m['auc']:.4f}, "
                 f"colourfulness {100 * m['colourfulness_ratio']:.0f}% of truth, "
                 f"wrong colour {100 * m['wrong_colour']:.2f}%")
        return m

    def _save_final(self, metrics: dict, seconds: float) -> None:
        """The model file with its provenance."""
        meta = {
            **self.meta,
            "steps": self.step,
            "train_seconds": round(seconds, 1),
            "machine": f"{platform.machine()} {os.cpu_count()} cores, {self.device.type}"
                       + (f" x{self.world}" if self.world > 1 else ""),
            "val_metrics": {k: round(v, 4) for k, v in metrics.items()},
            "history": self.history,
            "created": time.strftime("%Y-%m-%d %H:%M:%S"),
            **style_meta(self.cfg.family, asdict(self.cfg.loss), self.cfg.batch * self.world, self.cfg.crop),
        }
        save_model(self.out, without_aux_head(self.model.net.cpu()), meta, bins=self.model.bins)
        self.model.net.to(self.device)


def style_meta(family: str, loss: dict, batch: int, crop: int) -> dict:
    """The run facts a model file carries so that fine-tuning trains it the way it was trained."""
    meta = {"loss": loss, "batch": batch, "crop": crop}
    if family == "classification":
        meta["default_temperature"] = loss["temperature"]
    return meta


def export_resume(resume: Path, out: Path, name: str | None = None) -> int:
    """Write the net inside a run's resume file as a model file, so a run can be measured or tried
    while it goes on; returns the step it was taken at."""
    tensors, meta = read_safetensors(resume)
    if meta.get("kind") != "resume":
        raise ValueError(f"{resume}: not a training checkpoint")
    state = unflatten_state(meta["state"], tensors)
    net = build_net(NetSpec.from_dict(meta["spec"]))
    net.load_state_dict(state["modules"]["net"])
    run, config = meta.get("run_meta", {}), meta["config"]
    out_meta = {**run, "name": name or run.get("name", Path(out).stem), "steps": meta["step"],
                "train_seconds": round(float(meta.get("seconds", 0.0)), 1), "history": meta.get("history", []),
                "snapshot_of": str(resume),
                **style_meta(meta["family"], config["loss"], config["batch"], config["crop"])}
    save_model(out, without_aux_head(net), out_meta, bins=tensors.get("bins.centres"))
    return int(meta["step"])


def without_aux_head(net: ColorNet) -> ColorNet:
    """The net as shipped: the auxiliary head only teaches during training, so it is left out."""
    if not net.spec.aux_classes:
        return net
    spec = NetSpec.from_dict({**net.spec.to_dict(), "aux_classes": 0})
    bare = build_net(spec)
    bare.load_state_dict({k: v for k, v in net.state_dict().items() if not k.startswith("aux.")})
    return bare


def _config_dict(cfg: TrainConfig) -> dict:
    d = asdict(cfg)
    return json.loads(json.dumps(d))
