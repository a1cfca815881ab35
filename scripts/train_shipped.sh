#!/usr/bin/env bash
# Trains the three shipped models on the photo pool, in order, resuming whatever was interrupted.
# Usage: scripts/train_shipped.sh [POOL_DIR] [RUN_DIR]    (defaults: ../shared/data runs)
# Each finished model is written to RUN_DIR/<family>.safetensors; copy them to weights/ to ship.
set -euo pipefail
POOL=${1:-../shared/data}
RUNS=${2:-runs}
CLI=${CLI:-colorizer-cli}
REG_STEPS=${REG_STEPS:-4000}
CLS_STEPS=${CLS_STEPS:-4000}
GAN_STEPS=${GAN_STEPS:-1500}
mkdir -p "$RUNS"

train() {  # family out steps extra-args...
  local family=$1 out=$2 steps=$3; shift 3
  if [ -f "$out" ]; then echo "== $out exists, skipping"; return; fi
  local resume=()
  [ -f "${out%.safetensors}.resume.safetensors" ] && resume=(--resume "${out%.safetensors}.resume.safetensors")
  echo "== training $family -> $out"
  $CLI train --model "$family" --data "$POOL/train" --val "$POOL/val" --steps "$steps" --out "$out" \
      --name "$family" --val-every 1000 --checkpoint-every 200 "${resume[@]}" "$@"
}

train regression "$RUNS/regression.safetensors" "$REG_STEPS" --lr 1.5e-3
train classification "$RUNS/classification.safetensors" "$CLS_STEPS" --lr 1.5e-3
train gan "$RUNS/gan.safetensors" "$GAN_STEPS" --init "$RUNS/regression.safetensors" --d-warmup 200 --l1-weight 10 --lr 2e-4
