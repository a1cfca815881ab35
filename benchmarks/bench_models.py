"""The one model a GUI benchmark runs, in a models folder of its own (no bundled or user models)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def isolated_models(model: Path | None, prefix: str) -> Path:
    """A temporary folder holding `model` (or a shipped-size classification net with random weights,
    whose timing is the same), set as the only models the app sees. Returns the temporary folder."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    models = tmp / "models"
    models.mkdir()
    if model:
        (models / model.name).symlink_to(model.resolve())
    else:
        from colorizer_app.models.checkpoint import new_model, save_model

        m = new_model("classification")
        save_model(models / "shipped-size.safetensors", m.net, {"name": "shipped-size"}, bins=m.bins)
    os.environ["COLORIZER_USER_MODELS"] = str(models)
    os.environ["COLORIZER_WEIGHTS"] = str(tmp / "none")
    return tmp
