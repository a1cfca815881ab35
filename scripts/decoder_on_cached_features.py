"""Train only the decoder of a Natural or Vivid network, on its frozen encoder's view kept in memory.

    python scripts/decoder_on_cached_features.py weights/regression.safetensors ../shared/data/train \\
        --out runs/dc.safetensors --minutes 60 [--crops] [--save-every 1000]

The encoder of a network on EfficientNet-Lite costs less than its decoder, but it is the part that
has to keep what ImageNet taught it; with the encoder frozen, each photo's view through it is
computed once (fp16: about 150 KB a whole photo, 110 KB a crop) and the decoder alone trains on
those views, about four times as many photos a second as end-to-end training. It asks whether the
decoder is what holds the shipped networks back. `--views FILE` keeps the views on disk, so runs
that try other losses or seeds on the same encoder skip the part that takes longest.

Views: by default each photo whole, at the size the app gives a photo of its size (the pool's
144 px photos at 160 px, as `colorizer-cli eval` shows them); with `--crops`, one crop per photo
as the family's training recipe cuts it (128 px, enlarged up to 1.25x with detail given back,
simulated colour hints, old-scan and old-print damage; for Vivid also plain backdrops, or for
either as many as `--plain-backdrops` asks). Horizontal flips of the views during training. The
loss is the one the file records it was trained with (Natural 11: L2 on ab plus the chroma term at
0.5; Vivid 11: cross-entropy over the colour bins rebalanced toward rare colours at lambda 0.8),
without the feature loss; `--loss smooth_l1` gives a Natural network smooth L1 on ab instead, and
`--chroma-weight` and `--false-colour-weight` set the weights of its two colour-strength terms. The
encoder, the hint inputs' first layer and everything else are left as they were.
Figures come from `colorizer-cli eval` on the files written (docs/training-history.md, "The decoder
trained alone", "Vivid's decoder trained alone", "Lively 12", "Natural 12" and "Natural 13", whose
decoders were made this way; Natural 12's and 13's with `--false-colour-weight`, which fades colours
that are far off).
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F

from colorizer_app.defaults import DEFAULT_SIZE
from colorizer_app.models import pipeline, registry
from colorizer_app.models.checkpoint import load_model, save_model
from colorizer_app.training.data import CropSampler, lab_batch, load_photo_folder
from colorizer_app.training.objectives import OBJECTIVES, downsample_ab, recorded_loss
from colorizer_app.training.trainer import TrainConfig, colour_prior_sample, lr_at, training_batch

PHOTO_SIZE = 144  # the pool's photos


def recipe(model, lr: float, steps: int, regression_loss: str | None = None,
           plain_backdrops: float | None = None, false_colour_weight: float | None = None,
           chroma_weight: float | None = None) -> TrainConfig:
    """The decoder's training recipe: the crops of the family's recipe (Natural 11's, Vivid 11's;
    model files do not record their crops) and the loss the file records."""
    asked = {"regression_loss": regression_loss, "false_colour_weight": false_colour_weight,
             "chroma_weight": chroma_weight}
    # the terms through ImageNet networks need the colour image, which the kept views are not
    loss = replace(recorded_loss(model), perceptual_weight=0.0, imagenet_weight=0.0,
                   **{name: value for name, value in asked.items() if value is not None})
    if plain_backdrops is None:
        plain_backdrops = 0.5 if model.family == "classification" else 0.0
    return TrainConfig(model.family, steps=steps, crop=128, lr=lr, warmup=50, zoom=1.25, zoom_detail=1.5,
                       degrade=0.3, print_damage=0.4, plain_backdrops=plain_backdrops, loss=loss)


DECODER = ("bottleneck", "context", "up16", "up8", "up4", "head", "hint_skip")
META_SKIP = {"format_version", "app_version", "family", "spec", "normalisation", "val_metrics", "history"}


def views(net, photos, cfg: TrainConfig | None, batch: int = 128, seed: int = 5, log=print):
    """One view per photo through the frozen encoder, fp16, and its true ab on the output grid:
    the photo whole at its working size, or (with `cfg`) a crop as that training recipe cuts it."""
    n = len(photos)
    stride = net.spec.stride
    sampler = CropSampler(photos, cfg.crop, batch, seed=seed, zoom=cfg.zoom, detail=cfg.zoom_detail) if cfg else None
    kept, targets, t0 = None, None, time.time()
    with torch.inference_mode():
        for i in range(0, n, batch):
            if cfg:
                L, ab, _, hints = training_batch(sampler, cfg, hints=bool(net.spec.hint_channels))
            else:
                L, ab = lab_batch(torch.from_numpy(photos.images[i:i + batch]))
                size = pipeline.working_shape(*L.shape[-2:], DEFAULT_SIZE, stride)
                L, ab = (F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)
                         for x in (L, ab))
                hints = None
            levels, summary, hint_grid = net.encode(L, hints)
            parts = (*levels, summary) + ((hint_grid,) if hint_grid is not None else ())
            m = min(batch, n - i)
            if kept is None:
                kept = [torch.empty((n, *p.shape[1:]), dtype=torch.float16) for p in parts]
                targets = torch.empty((n, 2, *levels[0].shape[-2:]), dtype=torch.float16)
            for buf, p in zip(kept, parts):
                buf[i:i + m] = p[:m].half()
            targets[i:i + m] = downsample_ab(ab, net.spec.out_stride)[:m].half()
            if (i // batch) % 40 == 0:
                log(f"views {i + m}/{n}, {time.time() - t0:.0f} s")
    return kept, targets


def encoder_digest(net) -> str:
    """A fingerprint of everything but the decoder: what the views are made through."""
    digest = hashlib.sha256()
    for name, value in sorted(net.state_dict().items()):
        if name.split(".")[0] not in DECODER:
            digest.update(name.encode())
            digest.update(value.detach().cpu().reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:16]


def kept_views(args, net, photos, cfg: TrainConfig):
    """The views, from `--views` when they were made through the same encoder from the same photos
    and crops (a start with another decoder on that encoder reads them too); otherwise made, and
    written there when asked."""
    key = None
    if args.views:
        key = {"encoder": encoder_digest(net), "photos": len(photos), "crops": args.crops,
               "plain_backdrops": cfg.plain_backdrops}
    if args.views and args.views.exists():
        saved = torch.load(args.views, weights_only=True)
        if saved["key"] != key:
            raise SystemExit(f"error: {args.views} holds views made through another encoder or of other "
                             f"photos or crops ({saved['key']}, and this run's are {key})")
        print(f"views read from {args.views}", flush=True)
        return saved["kept"], saved["targets"]
    kept, targets = views(net, photos, cfg if args.crops else None, log=lambda s: print(s, flush=True))
    if args.views:
        part = args.views.with_name(args.views.name + ".part")
        torch.save({"key": key, "kept": kept, "targets": targets}, part)
        part.replace(args.views)
        print(f"views written to {args.views}", flush=True)
    return kept, targets


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("data", type=Path, help="folder of colour photos")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--crops", action="store_true", help="the training recipe's crops instead of whole photos")
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--steps", type=int, help="stop after this many steps (default: by --minutes)")
    ap.add_argument("--loss", choices=("l2", "smooth_l1"), help="Natural: the loss on ab (default: the file's own)")
    ap.add_argument("--false-colour-weight", type=float,
                    help="Natural: also fade the colour of pixels further off than the wrong-colour threshold, "
                         "by this weight (default: the file's own)")
    ap.add_argument("--chroma-weight", type=float,
                    help="Natural: pull each pixel's colour strength toward the truth's by this weight "
                         "(default: the file's own)")
    ap.add_argument("--views", type=Path,
                    help="keep the views in this file: made and written when it is missing, read when it "
                         "is there and was made through the same encoder (runs with other losses or seeds then "
                         "skip making them)")
    ap.add_argument("--plain-backdrops", type=float,
                    help="with --crops: share of crops given a neutral plain backdrop (default: the family's, "
                         "Natural 0, Vivid 0.5; Lively's recipe has 0.3)")
    ap.add_argument("--lr", type=float, default=1e-4, help="peak rate (the trainer's warm-up and cosine schedule)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--save-every", type=int, default=0, help="also write OUT_s<step>.safetensors this often")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--limit", type=int, help="use only the first N photos")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = load_model(args.model)
    net = model.net.eval()
    if model.family not in ("regression", "classification") or not hasattr(net, "encode"):
        print(f"error: {args.model} is not a Natural or Vivid network on a pretrained encoder", file=sys.stderr)
        return 2
    natural_only = [flag for flag, value in (("--loss", args.loss), ("--false-colour-weight", args.false_colour_weight),
                                             ("--chroma-weight", args.chroma_weight)) if value is not None]
    if natural_only and model.family != "regression":
        print(f"error: {', '.join(natural_only)}: terms of Natural's loss, and {args.model} is a Vivid network",
              file=sys.stderr)
        return 2
    started = time.time()
    photos = load_photo_folder(args.data, PHOTO_SIZE, cache_dir=registry.cache_dir() / "photos", limit=args.limit)
    print(f"{len(photos)} photos", flush=True)
    cfg = recipe(model, args.lr, args.steps or 0, args.loss, args.plain_backdrops, args.false_colour_weight,
                 args.chroma_weight)
    kept, targets = kept_views(args, net, photos, cfg)

    decoder = [getattr(net, name) for name in DECODER if getattr(net, name, None) is not None]
    params = [p for m in decoder for p in m.parameters()]
    net.requires_grad_(False)
    for p in params:
        p.requires_grad_(True)
    prior = colour_prior_sample(photos) if model.family == "classification" else None
    loss_of = OBJECTIVES[model.family](model, cfg.loss, lr=0.0, prior_sample=prior).loss
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=1e-4, betas=(0.9, 0.99))
    meta = {k: v for k, v in model.meta.items() if k not in META_SKIP}
    meta["created"] = time.strftime("%Y-%m-%d %H:%M:%S")
    meta["command"] = "python scripts/decoder_on_cached_features.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])

    def save(path: Path, step: int) -> None:
        net.eval()
        # the training behind the file: its start's, then this run's (the views included)
        done = {"decoder_steps": step, "steps": (model.meta.get("steps") or 0) + step,
                "train_seconds": round((model.meta.get("train_seconds") or 0) + time.time() - started, 1)}
        save_model(path, net, {**meta, **done}, bins=model.bins)
        for m in decoder:
            m.train()
        print(f"wrote {path}", flush=True)

    for m in decoder:
        m.train()
    gen = torch.Generator().manual_seed(args.seed + 1)
    n, step, t0, avg = len(targets), 0, time.time(), None
    while True:
        done = step / args.steps if args.steps else (time.time() - t0) / (60 * args.minutes)
        if done >= 1.0:
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(step, cfg, done)
        idx = torch.randint(0, n, (args.batch,), generator=gen)
        parts = [p[idx].float() for p in kept]
        target = targets[idx].float()
        if torch.rand(1, generator=gen).item() < 0.5:
            parts = [p.flip(-1) if p.ndim == 4 else p for p in parts]
            target = target.flip(-1)
        levels, summary, hint_grid = parts[:4], parts[4], (parts[5] if len(parts) > 5 else None)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            pred = net.decode(levels, summary, hint_grid)
        loss = loss_of(pred.float(), target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        avg = loss.item() if avg is None else 0.98 * avg + 0.02 * loss.item()
        if step % 100 == 0:
            print(f"step {step}: loss {avg:.5f}, {(time.time() - t0) / 60:.1f} min", flush=True)
        if args.save_every and step % args.save_every == 0:
            save(args.out.with_name(f"{args.out.stem}_s{step}.safetensors"), step)
    save(args.out, step)
    return 0


if __name__ == "__main__":
    sys.exit(main())
