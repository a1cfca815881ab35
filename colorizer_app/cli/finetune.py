"""`colorizer-cli finetune`: adapt a model to a folder of your own colour photos."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import torch
from tqdm import tqdm

from ..engine.device import choose_device
from ..training import finetune as ft


def add_parser(sub) -> None:
    p = sub.add_parser("finetune", help="adapt a model to a folder of your own colour photos",
                       description="Fine-tune a bundled or user model on a folder of colour photos and "
                                   "save it as a new user model (it then appears in the app's model picker).")
    p.add_argument("--base", required=True, help="model to start from: natural, vivid, lively, a user model's name or a .safetensors file")
    p.add_argument("--data", required=True, type=Path, help="folder of colour photos (recursive)")
    p.add_argument("--name", required=True, help="name of the new model")
    p.add_argument("--steps", type=int, default=ft.DEFAULT_STEPS,
                   help=f"training steps (default {ft.DEFAULT_STEPS}: a few minutes on a CPU)")
    p.add_argument("--minutes", type=float, help="also stop after this many minutes")
    p.add_argument("--lr", type=float, default=ft.DEFAULT_LR)
    p.add_argument("--crop", type=int, default=ft.DEFAULT_CROP)
    p.add_argument("--batch", type=int, default=ft.DEFAULT_BATCH)
    p.add_argument("--rebalance-lambda", type=float,
                   help=f"classification: class rebalancing, 1 = none (default {ft.FINETUNE_LAMBDA})")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, mps")
    p.add_argument("--threads", type=int, help="CPU threads (default: all cores)")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.threads:
        torch.set_num_threads(args.threads)
    choice = choose_device(args.device)
    if choice.message:
        print(f"note: {choice.message}", file=sys.stderr)
    try:
        if problem := ft.name_problem(args.name):
            raise ft.FineTuneError(problem)
        with tqdm(unit="photo", desc="reading photos", leave=False) as rbar:
            def reading(done, total):
                rbar.total, rbar.n = total, done
                rbar.refresh()
            scan = ft.scan_folder(args.data, args.crop, on_progress=reading)
        print(f"{args.data}: {scan.summary()}")
        settings = ft.FineTuneSettings(base=args.base, name=args.name, steps=args.steps, lr=args.lr,
                                       crop=args.crop, batch=args.batch, minutes=args.minutes,
                                       rebalance_lambda=args.rebalance_lambda)
        bar = tqdm(total=args.steps, unit="step", dynamic_ncols=True)

        def progress(step, total, losses, ips):
            bar.total, bar.n = total, step
            bar.set_postfix({**{k: f"{v:.3f}" for k, v in losses.items()}, "img/s": f"{ips:.0f}"}, refresh=False)
            bar.refresh()

        job = ft.FineTune(settings, scan, device=choice.device, on_progress=progress,
                          log=lambda m: tqdm.write(m),
                          command="colorizer-cli " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
        print(f"fine-tuning {job.base.name} ({job.base.family}) on {len(job.train_set)} photos, "
              f"{len(job.held)} held out, {args.steps} steps on {choice.label}")
        result = job.run()
        bar.close()
    except ft.FineTuneError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cancelled; no model written", file=sys.stderr)
        return 130
    if result.path is None:
        print("cancelled; no model written", file=sys.stderr)
        return 130
    b, a = result.before, result.after
    print(f"held-out photos: PSNR {b['psnr']:.2f} -> {a['psnr']:.2f} dB, AuC {b['auc']:.4f} -> {a['auc']:.4f}, "
          f"colourfulness {100 * b['colourfulness_ratio']:.0f}% -> {100 * a['colourfulness_ratio']:.0f}% of truth, "
          f"wrong colour {100 * b['wrong_colour']:.2f}% -> {100 * a['wrong_colour']:.2f}%")
    print(f"wrote {result.path} ({settings.name!r}) after {result.steps} steps in {result.seconds / 60:.1f} min")
    if result.kept_step == 0:
        print("kept the base model's weights: no step coloured the held-out photos better")
    elif result.kept_step is not None:
        print(f"kept the weights of step {result.kept_step}: the held-out photos were coloured best there "
              "(later steps fitted the folder's own photos too closely)")
    return 0
