"""The checkpoint format: safetensors tensors plus one JSON metadata block.

Loading never unpickles: safetensors holds raw tensors only. Everything else (family, spec, bins,
normalisation, provenance, metrics) lives in the JSON under the "colorizer" metadata key.
Training state (optimisers, step) uses the same format, flattened, so resuming runs no code either.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from .. import __version__
from .bins import gamut_bins
from .effnet_lite import pretrained_state
from .header import FORMAT_VERSION, META_KEY, CheckpointError, checked_meta, refused, shown_name, temp_prefix
from .networks import ColorNet, NetSpec, build_net
from .validation import check_fields, check_model_meta, visible


@dataclass
class LoadedModel:
    """A ready network with everything needed to run it."""

    net: ColorNet
    meta: dict
    path: Path | None = None
    bins: torch.Tensor | None = None  # (Q, 2) ab centres, classification only

    @property
    def family(self) -> str:
        return self.net.spec.family

    @property
    def name(self) -> str:
        return shown_name(visible(self.meta.get("name") or (self.path.stem if self.path else self.family)))


def write_safetensors(path: Path, tensors: dict[str, torch.Tensor], meta: dict) -> None:
    """Atomic write: a crash or Ctrl-C mid-save never leaves a half-written checkpoint."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        tensors = {k: v.detach().contiguous().cpu() for k, v in tensors.items()}
        save_file(tensors, tmp, metadata={META_KEY: json.dumps(meta, sort_keys=True)})
        os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; a model file is an ordinary document
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_safetensors(path: Path) -> tuple[dict[str, torch.Tensor], dict]:
    """Tensors and checked metadata (header.read_meta reads the metadata alone, without torch)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        with safe_open(str(path), framework="pt") as f:
            raw_meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as e:
        raise refused(path, e) from None
    return tensors, checked_meta(path, raw_meta)


def base_meta(spec: NetSpec, **extra) -> dict:
    meta = {
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "family": spec.family,
        "spec": spec.to_dict(),
        "normalisation": {"l_center": spec.l_center, "l_scale": spec.l_scale, "ab_scale": spec.ab_scale},
    }
    meta.update(extra)
    return meta


def save_model(path: Path, net: ColorNet, meta: dict, bins: torch.Tensor | None = None,
               half: bool = True) -> None:
    """Ship format: the generator's weights (fp16 unless told otherwise) and metadata."""
    tensors = {f"net.{k}": (v.half() if half and v.is_floating_point() else v)
               for k, v in net.state_dict().items()}
    if bins is not None:
        tensors["bins.centres"] = bins.float()
    meta = {**base_meta(net.spec), **meta}
    write_safetensors(path, tensors, meta)


def model_from_tensors(path: Path | None, tensors: dict[str, torch.Tensor], meta: dict,
                       expect_family: str | None = None) -> LoadedModel:
    """Build the network a checkpoint describes, after checking everything that could make it
    fail or give wrong colours: the metadata (validation.py), every spec field against NetSpec,
    the file's tensor names and shapes against a network laid out on the meta device (no memory
    is allocated for a spec the file's tensors do not match), and that every value is finite."""
    where = path if path is not None else "checkpoint"
    check_model_meta(where, meta)
    family = meta["family"]
    if expect_family is not None and family != expect_family:
        raise CheckpointError(f"{where}: is a {family} model, but a {expect_family} model is needed")
    try:
        spec = NetSpec.from_dict(check_fields(where, {"family": family, **meta["spec"]}, NetSpec))
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{where}: bad network spec ({e})") from None
    bins = tensors.get("bins.centres")
    if family == "classification":
        if bins is None or bins.ndim != 2 or bins.shape != (spec.out_channels, 2):
            raise CheckpointError(f"{where}: classification checkpoint without matching ab bins")
    with torch.device("meta"):
        expected = build_net(spec).state_dict()
    got = {k[4:]: v for k, v in tensors.items() if k.startswith("net.")}
    missing = sorted(set(expected) - set(got))
    unexpected = sorted(set(got) - set(expected))
    misshapen = sorted(k for k in set(expected) & set(got) if expected[k].shape != got[k].shape)
    problems = []
    if missing:
        problems.append(f"missing tensors {missing[:3]}{'...' if len(missing) > 3 else ''}")
    if unexpected:
        problems.append(f"unexpected tensors {unexpected[:3]}{'...' if len(unexpected) > 3 else ''}")
    if misshapen:
        k = misshapen[0]
        problems.append(f"tensor {k} has shape {tuple(got[k].shape)}, expected {tuple(expected[k].shape)}")
    if problems:
        raise CheckpointError(f"{where}: does not match its {family} spec: " + "; ".join(problems))
    if problem := values_problem({**{f"net.{k}": v for k, v in got.items()},
                                  **({"bins.centres": bins} if bins is not None else {})}):
        raise CheckpointError(f"{where}: {problem}; the model would give no colours")
    net = build_net(spec)
    net.load_state_dict({k: v.to(expected[k].dtype) for k, v in got.items()})
    net.eval()
    return LoadedModel(net=net, meta=meta, path=Path(path) if path else None,
                       bins=bins.float() if bins is not None else None)


def values_problem(tensors: dict[str, torch.Tensor]) -> str | None:
    """The first tensor holding NaN or infinity (or a negative batch-norm variance, whose square
    root is NaN), in words; None when all are usable."""
    for name, t in tensors.items():
        if not t.is_floating_point():
            continue
        bad = int((~torch.isfinite(t)).sum())
        if bad:
            return f"tensor {name} holds {bad} NaN or infinite value{'s' if bad > 1 else ''}"
        if name.endswith("running_var") and bool((t < 0).any()):
            return f"tensor {name} holds negative variances"
    return None


def load_model(path: Path, expect_family: str | None = None) -> LoadedModel:
    tensors, meta = read_safetensors(path)
    return model_from_tensors(path, tensors, meta, expect_family)


def new_model(family: str, spec_overrides: dict | None = None, pretrained: bool = True) -> LoadedModel:
    """A freshly initialised model of a family, with bins for classification. A network on the
    pretrained encoder starts from its ImageNet weights (the registry package's file) unless
    `pretrained` is False."""
    bins = gamut_bins() if family == "classification" else None
    out = bins.shape[0] if bins is not None else 2
    spec = NetSpec(family=family, out_channels=out, **(spec_overrides or {}))
    net = build_net(spec)
    if pretrained and spec.arch != "colornet":
        net.encoder.load_state_dict(pretrained_state(variant=net.encoder.variant))
    return LoadedModel(net=net, meta=base_meta(spec), bins=bins)


# --- training state, flattened into the same format -------------------------------------------

def flatten_state(prefix: str, obj, tensors: dict):
    """Nested dict/list of tensors and plain values -> JSON skeleton; tensors go to `tensors`."""
    if isinstance(obj, torch.Tensor):
        key = f"{prefix}"
        tensors[key] = obj
        return {"__tensor__": key}
    if isinstance(obj, dict):
        return {"__dict__": [[flatten_state(f"{prefix}.k{i}", k, tensors),
                              flatten_state(f"{prefix}.{i}", v, tensors)]
                             for i, (k, v) in enumerate(obj.items())]}
    if isinstance(obj, (list, tuple)):
        return {"__list__": [flatten_state(f"{prefix}.{i}", v, tensors) for i, v in enumerate(obj)]}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot store {type(obj).__name__} in a checkpoint")


def unflatten_state(skeleton, tensors: dict):
    if isinstance(skeleton, dict):
        if "__tensor__" in skeleton:
            return tensors[skeleton["__tensor__"]]
        if "__dict__" in skeleton:
            return {unflatten_state(k, tensors): unflatten_state(v, tensors) for k, v in skeleton["__dict__"]}
        if "__list__" in skeleton:
            return [unflatten_state(v, tensors) for v in skeleton["__list__"]]
    return skeleton
