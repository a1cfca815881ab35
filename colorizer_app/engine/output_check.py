"""A model's colours are checked before they are merged with the photo: NaN or infinite ab would
make an all-black photo that is written with exit code 0, so it is an error naming the cause."""

from __future__ import annotations

import torch


class ModelOutputError(ValueError):
    """The model gave no usable colours; the message names the model and the cause."""


def check_ab(ab: torch.Tensor, model_name: str, temperature: float | None = None) -> None:
    finite = torch.isfinite(ab)
    if bool(finite.all()):
        return
    share = 1.0 - float(finite.float().mean())
    hint = (f" at temperature {temperature:g}" if temperature is not None else "")
    raise ModelOutputError(
        f"model {model_name!r} gave NaN or infinite colours for {share:.0%} of the photo{hint}; "
        "its weights or its normalisation are broken (nothing was written)")
