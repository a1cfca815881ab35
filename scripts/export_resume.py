"""The model inside a training run's .resume.safetensors, written as a shippable model file, so a
run can be measured (`colorizer-cli eval`) or tried in the app while it goes on.

    python scripts/export_resume.py runs/hints/hints_v1.resume.safetensors runs/hints/snapshot.safetensors
"""

from __future__ import annotations

import argparse
from pathlib import Path

from colorizer_app.models.checkpoint import read_safetensors, save_model, unflatten_state
from colorizer_app.models.networks import NetSpec, build_net
from colorizer_app.training.trainer import without_aux_head


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("resume", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--name", help="model name (default: the run's)")
    args = ap.parse_args()
    tensors, meta = read_safetensors(args.resume)
    if meta.get("kind") != "resume":
        raise SystemExit(f"{args.resume}: not a training checkpoint")
    state = unflatten_state(meta["state"], tensors)
    net = build_net(NetSpec.from_dict(meta["spec"]))
    net.load_state_dict(state["modules"]["net"])
    run = meta.get("run_meta", {})
    out_meta = {**run, "name": args.name or run.get("name", args.out.stem), "steps": meta["step"],
                "train_seconds": round(float(meta.get("seconds", 0.0)), 1), "history": meta.get("history", []),
                "snapshot_of": str(args.resume)}
    config = meta.get("config", {})
    # what fine-tuning reads back to keep the model's style (training/finetune.py), as a finished run writes it
    out_meta.update({k: config[k] for k in ("loss", "batch", "crop") if k in config})
    if meta["family"] == "classification" and "loss" in config:
        out_meta["default_temperature"] = config["loss"]["temperature"]
    save_model(args.out, without_aux_head(net), out_meta, bins=tensors.get("bins.centres"))
    print(f"wrote {args.out} (step {meta['step']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
