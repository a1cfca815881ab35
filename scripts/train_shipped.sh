#!/usr/bin/env bash
# Trains the three shipped models on the photo pool, in order, resuming whatever was interrupted.
# Usage: scripts/train_shipped.sh [POOL_DIR] [RUN_DIR]    (defaults: ../shared/data runs)
# Writes RUN_DIR/{regression,classification,gan}.safetensors; copy them to weights/ to ship.
# On the 2-core CPU of the model card this takes about 2 hours in all.
set -euo pipefail
POOL=${1:-../shared/data}
RUNS=${2:-runs}
CLI=${CLI:-colorizer-cli}
mkdir -p "$RUNS"

train() {  # out steps args... : skip when done, resume when interrupted
  local out=$1 steps=$2; shift 2
  if [ -f "$out" ]; then echo "== $out exists, skipping"; return; fi
  local resume=()
  [ -f "${out%.safetensors}.resume.safetensors" ] && resume=(--resume "${out%.safetensors}.resume.safetensors")
  echo "== training $out"
  $CLI train --data "$POOL/train" --val "$POOL/val" --steps "$steps" --out "$out" \
      --checkpoint-every 200 "${resume[@]}" "$@"
}

# regression: L2 on ab, 4000 steps of 32 crops
train "$RUNS/regression.safetensors" 4000 --model regression --name regression --lr 1.5e-3
# classification: rebalanced (lambda 0.5) for 4000 steps -> vivid but below the grayscale PSNR;
# then 1000 steps without rebalancing -> accurate but muted; ship the weight average (0.6 / 0.4).
train "$RUNS/classification_rebalanced.safetensors" 4000 --model classification --name classification --lr 1.5e-3
train "$RUNS/classification_plain.safetensors" 1000 --model classification --name classification \
    --init "$RUNS/classification_rebalanced.safetensors" --rebalance-lambda 1.0 --lr 5e-4 --warmup 50 --val-every 500
[ -f "$RUNS/classification.safetensors" ] || python scripts/average_weights.py \
    "$RUNS/classification_rebalanced.safetensors" "$RUNS/classification_plain.safetensors" \
    --alpha 0.4 --out "$RUNS/classification.safetensors" --val "$POOL/val"
# gan: the regression net against a PatchGAN critic, NoGAN-style (critic warm-up, then both).
# The shipped gan had this phase on a GPU (scripts/train_gpu.sh: 10k steps of 64); on a 2-core CPU
# the same number of images takes about 3 hours, so this line runs a fifth of it.
train "$RUNS/gan.safetensors" 4000 --model gan --name gan --init "$RUNS/regression.safetensors" \
    --d-warmup 300 --l1-weight 30 --lr 2e-4 --val-every 1000
