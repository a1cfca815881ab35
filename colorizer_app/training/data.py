"""Photo folders decoded once into a uint8 array in memory, then sampled as random crops.

Decoding and converting per sample held a 2-core training loop to 27 img/s (DESIGN.md); decoding
once and converting to Lab in torch on the whole batch removes that bottleneck. The decoded
array is cached as .npy in the user cache folder, keyed by the files, their sizes and mtimes.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ..imaging.io import ImageError, iter_image_files, load_image
from ..imaging.lab import uint8_to_lab_batch
from .degrade import gaussian_blur
from .labels import labels_for

DETAIL_GRAIN = 2.0  # gray levels (of 255) of grain per unit of CropSampler's `detail`, before the 1 - 1/z ramp
GRAY_CHROMA = 2.0  # mean ab chroma below this: a gray (or nearly gray) photo, useless for training
CACHE_VERSION = 2


def photo_size(crop: int) -> int:
    """Photos are squared to this size, then cropped at random to `crop` (a multiple of the
    network's stride): a little larger than the crop, so crops move around the photo."""
    return max(crop, round(crop * 1.125))


@dataclass
class PhotoSet:
    """Square uint8 RGB photos (N, S, S, 3) and what was skipped while reading the folder."""

    images: np.ndarray
    files: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    grayscale: list[str] = field(default_factory=list)
    labels: np.ndarray | None = None  # what each photo shows (labels.CLASSES index, -1 unknown)

    def __len__(self) -> int:
        return len(self.images)

    @property
    def size(self) -> int:
        return int(self.images.shape[1]) if len(self.images) else 0

    def split(self, n_holdout: int, seed: int = 0) -> tuple["PhotoSet", "PhotoSet"]:
        """A fixed random hold-out: for validating when a folder has no separate val set."""
        order = np.random.default_rng(seed).permutation(len(self))
        hold, keep = np.sort(order[:n_holdout]), np.sort(order[n_holdout:])
        pick = lambda ix: PhotoSet(self.images[ix], [self.files[i] for i in ix],  # noqa: E731
                                   labels=None if self.labels is None else self.labels[ix])
        return pick(keep), pick(hold)


def square_photo(path: str, size: int) -> tuple[str, np.ndarray | None, str]:
    """Load, resize the short side to `size`, centre-crop. Returns (path, pixels or None, status)."""
    try:
        img = load_image(path)
    except ImageError:
        return path, None, "unreadable"
    if not img.is_colour:
        return path, None, "grayscale"
    pil = Image.fromarray(img.pixels)
    w, h = pil.size
    scale = size / min(w, h)
    nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
    if (nw, nh) != (w, h):
        pil = pil.resize((nw, nh), Image.Resampling.BICUBIC, reducing_gap=2.0)
    left, top = (nw - size) // 2, (nh - size) // 2
    arr = np.asarray(pil.crop((left, top, left + size, top + size)))
    ab = uint8_to_lab_batch(torch.from_numpy(arr[None].copy()))[0, 1:]
    chroma = ab.square().sum(0).sqrt().mean().item()
    if chroma < GRAY_CHROMA:
        return path, None, "grayscale"
    return path, arr, "ok"


def _cache_key(files: list[Path], size: int) -> str:
    h = hashlib.sha1(f"v{CACHE_VERSION} {size} {GRAY_CHROMA}".encode())
    for f in files:
        st = f.stat()
        h.update(f"{f.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:20]


def _square_photo_star(args):
    return square_photo(*args)


def load_photo_folder(folder: str | Path, size: int, cache_dir: Path | None = None,
                      on_progress: Callable[[int, int], None] | None = None,
                      should_stop: Callable[[], bool] | None = None,
                      workers: int | None = None, limit: int | None = None) -> PhotoSet:
    """Every usable colour photo under `folder` as a PhotoSet of size x size crops."""
    files = [f for f in iter_image_files([folder], recursive=True) if f.is_file()]
    if limit is not None:
        files = files[:limit]
    key = _cache_key(files, size) if cache_dir else None
    if key:
        npz = Path(cache_dir) / f"{key}.npz"
        if npz.is_file():
            with np.load(npz, allow_pickle=False) as d:
                files_kept = list(d["files"])
                return PhotoSet(d["images"], files_kept, list(d["unreadable"]), list(d["grayscale"]),
                                labels_for(files_kept, Path(folder)))
    kept, names, unreadable, gray = [], [], [], []
    workers = workers or min(os.cpu_count() or 1, 8)
    jobs = [(str(f), size) for f in files]
    done = 0
    pool = (ProcessPoolExecutor(max_workers=workers, initializer=_one_thread)
            if workers > 1 and len(jobs) > 64 else _Serial())
    with pool as ex:
        for path, arr, status in ex.map(_square_photo_star, jobs, chunksize=64):
            done += 1
            if status == "ok":
                kept.append(arr)
                names.append(path)
            elif status == "grayscale":
                gray.append(path)
            else:
                unreadable.append(path)
            if on_progress and (done % 256 == 0 or done == len(jobs)):
                on_progress(done, len(jobs))
            if should_stop and should_stop():
                ex.shutdown(wait=False, cancel_futures=True)  # drop the queued photos, do not decode them
                raise InterruptedError("stopped while reading photos")
    images = np.stack(kept) if kept else np.zeros((0, size, size, 3), np.uint8)
    ps = PhotoSet(images, names, unreadable, gray, labels_for(names, Path(folder)))
    if key:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        # a temporary name of its own: DDP ranks (or threads) reading the same folder save at once
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp.npz", dir=cache_dir)
        os.close(fd)
        np.savez(tmp, images=images, files=np.array(names, dtype=str),
                 unreadable=np.array(unreadable, dtype=str), grayscale=np.array(gray, dtype=str))
        os.replace(tmp, npz)
    return ps


def _one_thread() -> None:
    """Worker processes share the cores: one torch thread each avoids oversubscription."""
    torch.set_num_threads(1)


class _Serial:
    """Stand-in for an executor when the job is too small for worker processes."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, fn, items, chunksize=1):
        return map(fn, items)

    def shutdown(self, wait=True, cancel_futures=False):
        pass


class CropSampler:
    """Endless random crops with horizontal flips, as uint8 (B, crop, crop, 3) tensors.

    The photos live on `device` (on a GPU the whole pool fits in its memory) and a batch is cut
    with one gather, so the sampler keeps up with a GPU; the random numbers come from a CPU
    generator, so a run is the same on every device.

    `zoom` > 1 enlarges each crop by its own random factor in [1, zoom] (log-uniform): a smaller
    square of the photo, resized to `crop`. The pool's photos are small (144 px), while the app
    works on a user's photo at 256 px, where the same scene is up to 1.8x larger in pixels; a
    network that saw only the pool's scale loses about 1 dB on photos shown to it larger.

    An enlarged crop is soft, where a large photo brought down to the working size is sharp and
    textured. `detail` > 0 gives it back some of that: an unsharp mask and a little grain on its
    gray, both growing with the crop's own factor (none at 1x), so that softness stops telling
    the network "this was enlarged".
    """

    def __init__(self, photos: PhotoSet, crop: int, batch: int, seed: int = 0,
                 device: torch.device | str = "cpu", zoom: float = 1.0, detail: float = 0.0):
        if len(photos) == 0:
            raise ValueError("no usable photos to train on")
        if crop > photos.size:
            raise ValueError(f"crop {crop} is larger than the cached photos ({photos.size})")
        if zoom < 1.0:
            raise ValueError(f"zoom must be at least 1 (got {zoom})")
        if detail < 0.0:
            raise ValueError(f"detail must not be negative (got {detail})")
        self.zoom, self.detail = float(zoom), float(detail)
        self.device = torch.device(device)
        self.images = torch.from_numpy(np.ascontiguousarray(photos.images)).to(self.device)
        self.labels = None if photos.labels is None else torch.from_numpy(photos.labels)
        self.crop, self.batch = crop, batch
        self.gen = torch.Generator().manual_seed(seed)
        self._span = torch.arange(crop, device=self.device)

    def next_with_labels(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """A batch of crops and the labels of the photos they came from (None without labels)."""
        idx = torch.randint(self.images.shape[0], (self.batch,), generator=self.gen)
        labels = self.labels[idx] if self.labels is not None else None
        return self._crops(idx), labels

    def _crops(self, idx: torch.Tensor) -> torch.Tensor:
        if self.zoom > 1.0:
            return self._zoomed_crops(idx)
        s = self.images.shape[1]
        offs = torch.randint(s - self.crop + 1, (self.batch, 2), generator=self.gen).to(self.device)
        flips = (torch.rand(self.batch, generator=self.gen) < 0.5).to(self.device)
        rows = offs[:, :1] + self._span  # (B, crop)
        cols = offs[:, 1:] + torch.where(flips[:, None], self._span.flip(0), self._span)
        idx = idx.to(self.device)
        return self.images[idx[:, None, None], rows[:, :, None], cols[:, None, :]]

    def _zoomed_crops(self, idx: torch.Tensor) -> torch.Tensor:
        """Each crop cut from a square of crop / z pixels (z log-uniform in [1, zoom]) at a random
        place, flipped or not, and resized to `crop` (bilinear), in one batched grid_sample."""
        s = self.images.shape[1]
        b = idx.shape[0]
        z = torch.exp(torch.rand(b, generator=self.gen) * math.log(self.zoom))
        side = self.crop / z  # the square's side in photo pixels
        corner = torch.rand(b, 2, generator=self.gen) * (s - side)[:, None]  # top-left (y, x)
        flips = torch.rand(b, generator=self.gen) < 0.5
        # affine_grid works in [-1, 1] over the photo (align_corners=False): centre and half-size
        half = side / s
        cy, cx = ((corner + side[:, None] / 2) / s * 2 - 1).unbind(1)
        theta = torch.zeros(b, 2, 3)
        theta[:, 0, 0] = torch.where(flips, -half, half)
        theta[:, 0, 2] = cx
        theta[:, 1, 1] = half
        theta[:, 1, 2] = cy
        theta = theta.to(self.device)
        photos = self.images[idx.to(self.device)].permute(0, 3, 1, 2).float()
        grid = F.affine_grid(theta, [b, 3, self.crop, self.crop], align_corners=False)
        out = F.grid_sample(photos, grid, mode="bilinear", padding_mode="border", align_corners=False)
        if self.detail > 0.0:
            out = self._restore_detail(out, z)
        return out.round_().clamp_(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous()

    def _restore_detail(self, out: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Add `detail` x (1 - 1/z) times the gray's high-pass (an unsharp mask, Gaussian sigma 1 px)
        plus grain of DETAIL_GRAIN gray levels, equally to R, G and B, so lightness gains the detail
        and the colours barely move."""
        b = out.shape[0]
        amount = (self.detail * (1.0 - 1.0 / z)).to(self.device)[:, None, None, None]
        gray = out.mean(1, keepdim=True)
        blurred = gaussian_blur(gray, torch.ones(b, device=self.device), radius=2)
        grain = torch.randn(b, 1, self.crop, self.crop, generator=self.gen).to(self.device) * DETAIL_GRAIN
        return out + amount * (gray - blurred + grain)


def lab_batch(rgb: torch.Tensor, device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 (B, H, W, 3) -> L (B, 1, H, W) and ab (B, 2, H, W), float32 on `device`."""
    lab = uint8_to_lab_batch(rgb.to(device))
    return lab[:, :1], lab[:, 1:]
