#!/usr/bin/env bash
# Training the bundled models on a GPU: continues the CPU-trained weights on one CUDA GPU, all jobs
# at once (the nets are small; one process alone leaves most of the GPU idle), each under the same
# time budget. Usage: scripts/train_gpu.sh POOL_DIR RUN_DIR [MINUTES]
# Writes RUN_DIR/*.safetensors and RUN_DIR/*.log; pick and average them on the CPU afterwards
# (weights/MODEL_CARD.md says which were shipped). The crops are cut on the GPU from the whole pack
# held there as one uint8 tensor; Lab, damage and the losses run there too, in bf16.
set -euo pipefail
POOL=$1
RUNS=$2
MIN=${3:-7.5}
CLI=${CLI:-colorizer-cli}
mkdir -p "$RUNS"
# decode the pool once into the photo cache, so that the jobs below start from it together
${PY:-python3} -c "
from colorizer_app.training.data import load_photo_folder
from colorizer_app.models.registry import cache_dir
for part in ('train', 'val'):
    print(part, len(load_photo_folder('$POOL/' + part, 144, cache_dir=cache_dir() / 'photos')))"

job() {  # name args...
  local name=$1; shift
  $CLI train --data "$POOL/train" --val "$POOL/val" --steps 100000 --minutes "$MIN" \
      --out "$RUNS/$name.safetensors" --checkpoint-every 1000000 --val-every 2000 --threads 2 \
      --name "$name" "$@" > "$RUNS/$name.log" 2>&1 &
}
# Every job continues from the shipped weights, grows the net where it is still the first
# version's size, trains the auxiliary class head on the pack's MANIFEST.tsv and sees simulated
# old-scan damage. The shipped regression (Natural) is already grown (extra_blocks 4) and takes
# colour hints (hint_channels 3): its job goes on learning them from simulated hints (the trainer
# adds them for any net with hint inputs), and the gans started from it take hints too.
# The two classification jobs are Vivid 2's recipe (rebalancing 0.6 and 0.9, then
# average_weights.py plain vivid --alpha 0.4); the shipped one is already grown, so
# --extra-blocks 4 keeps its size.
# The regression and gan jobs see crops enlarged up to 2.5x (--zoom, as Natural 4 and Lively 3):
# the pool's photos are 144 px, the app works at 256, and a net trained on the pool's scale alone
# loses about 1 dB there. The classification jobs do not: for Vivid the enlarged crops painted
# blue-gray foliage and red and blue patches on old scans, more of it the more zoom
# (docs/training-history.md).
COMMON="--aux --degrade 0.2"
ZOOM="--zoom 2.5"
job regression --model regression --init weights/regression.safetensors --hints --batch 256 --lr 7e-4 --warmup 100 $COMMON $ZOOM
job cls_rebalanced --model classification --init weights/classification.safetensors --extra-blocks 4 \
    --batch 256 --lr 5e-4 --warmup 100 --rebalance-lambda 0.6 --aux-weight 0.3 $COMMON
job cls_plain --model classification --init weights/classification.safetensors --extra-blocks 4 \
    --batch 256 --lr 5e-4 --warmup 100 --rebalance-lambda 0.9 --aux-weight 0.3 $COMMON
for w in 10 30; do
  job gan_l1_$w --model gan --init weights/regression.safetensors --batch 128 --lr 2e-4 --warmup 100 \
      --d-warmup 300 --l1-weight $w --aux-weight 0.3 $COMMON $ZOOM
done
# The networks on the ImageNet-pretrained encoder (--arch effnet_lite0), continued from the
# candidates in checkpoints/ (docs/training-history.md): on a GPU they get the many passes over the
# pool that the 2-core CPU cannot give them.
job lite_natural --model natural --init checkpoints/natural5-candidate.safetensors --hints --batch 256 \
    --lr 5e-4 --warmup 100 --encoder-lr 0.3 --chroma-weight 0.5 --degrade 0.2 --zoom 1.8 --zoom-detail 1.5
job lite_vivid --model vivid --init checkpoints/vivid3-candidate.safetensors --batch 256 --lr 5e-4 \
    --warmup 100 --encoder-lr 0.3 --rebalance-lambda 0.8 --degrade 0.2
wait
grep -H "val PSNR\|wrote\|rror" "$RUNS"/*.log || true
