"""`colorizer-cli colorize` under awkward conditions: signals mid-batch, temporary files a killed run
left, a folder it cannot write, outputs inside the input tree, GIFs and float TIFFs, a model whose
colours are NaN, and the thread setting."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from colorizer_app.cli.main import main
from colorizer_app.models.checkpoint import new_model, save_model

TINY = {"widths": (8, 8, 16), "blocks": 2}


@pytest.fixture
def weights(tmp_path, monkeypatch):
    folder = tmp_path / "weights"
    torch.manual_seed(0)
    m = new_model("regression", TINY)
    save_model(folder / "regression.safetensors", m.net, {"name": "regression"})
    monkeypatch.setenv("COLORIZER_WEIGHTS", str(folder))
    return folder


def photo_folder(folder: Path, count: int, size=(64, 48)) -> Path:
    """`count` small gray photos: one file and hard links to it (a long batch, made in no time)."""
    folder.mkdir(parents=True, exist_ok=True)
    y, x = np.mgrid[0 : size[1], 0 : size[0]]
    Image.fromarray(((x * 3 + y * 2) % 256).astype(np.uint8), "L").save(folder / "p0000.png")
    for i in range(1, count):
        os.link(folder / "p0000.png", folder / f"p{i:04d}.png")
    return folder


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --- signals ------------------------------------------------------------------------------------

SIGNALS = [s for s in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, s)]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("name", SIGNALS)
def test_a_signal_mid_batch_stops_cleanly_with_a_summary(weights, tmp_path, name):
    src = photo_folder(tmp_path / "in", 400)
    out = tmp_path / "out"
    env = {**os.environ, "COLORIZER_WEIGHTS": str(weights), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "colorizer_app.cli.main", "colorize", str(src), "-o", str(out),
                             "--model", "regression"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 120
        while not (out.is_dir() and any(p.suffix == ".png" and not p.name.startswith(".")
                                        for p in out.iterdir())):  # under way: one photo is written
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no photo written in two minutes"
            time.sleep(0.01)
        proc.send_signal(getattr(signal, name))
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    signum = getattr(signal, name)
    assert proc.returncode == 128 + signum, (proc.returncode, stdout, stderr)
    written = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert 0 < len(written) < 400
    assert f"{len(written)} of 400 photos written to {out}, stopped ({name})" in stdout
    assert hidden(out) == []  # no temporary file left
    assert "Traceback" not in stderr
    for name_ in written:  # every file there is whole
        with Image.open(out / name_) as im:
            im.load()


def test_temporary_files_of_a_killed_run_are_removed_on_the_next(weights, tmp_path, capsys):
    src = photo_folder(tmp_path / "in", 2)
    out = tmp_path / "out"
    out.mkdir()
    dead = out / ".p0000.999999999-0123456789ab.tmp.png"  # its process is gone
    old = out / ".p0001.0123456789ab.tmp.jpg"  # an older version's name, two hours old
    fresh = out / ".p0002.abcdef012345.tmp.png"  # may be another run's, under way: kept
    other = out / ".notes.tmp"  # not ours: kept
    for p in (dead, old, fresh, other):
        p.write_bytes(b"half a photo")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    assert main(["colorize", str(src), "-o", str(out), "--model", "regression"]) == 0
    assert hidden(out) == sorted([fresh.name, other.name])
    assert f"removed {dead.name}" in capsys.readouterr().out


# --- the output folder -------------------------------------------------------------------------

def test_an_output_folder_that_cannot_be_written_is_refused_before_any_photo(weights, tmp_path, capsys):
    src = photo_folder(tmp_path / "in", 2)
    blocker = tmp_path / "out"
    blocker.write_text("a file where the folder should be")
    assert main(["colorize", str(src), "-o", str(blocker), "--model", "regression"]) == 2
    assert f"{blocker}: is a file, not a folder" in capsys.readouterr().err
    below = blocker / "sub"  # a folder that cannot even be created
    assert main(["colorize", str(src), "-o", str(below), "--model", "regression"]) == 2
    assert f"{below}: cannot create the output folder" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_read_only_output_folder_is_refused_before_any_photo(weights, tmp_path, capsys):
    src = photo_folder(tmp_path / "in", 2)
    out = tmp_path / "readonly"
    out.mkdir()
    out.chmod(0o555)
    try:
        if os.access(out, os.W_OK):
            pytest.skip("running as root: a read-only folder is writable anyway")
        assert main(["colorize", str(src), "-o", str(out), "--model", "regression"]) == 2
        assert f"{out}: cannot write in the output folder" in capsys.readouterr().err
    finally:
        out.chmod(0o755)


def test_outputs_inside_the_input_tree_are_never_inputs(weights, tmp_path, capsys):
    src = photo_folder(tmp_path / "in", 3)
    for _ in range(2):  # the second run must not colourise the first run's results
        assert main(["colorize", str(src), "-o", str(src / "colour"), "--model", "regression"]) == 0
        assert "3 of 3 photos written" in capsys.readouterr().out
    beside = photo_folder(tmp_path / "beside", 3)
    for _ in range(2):  # the outputs beside the inputs, told apart by the name pattern
        assert main(["colorize", str(beside), "-o", str(beside), "--pattern", "{stem}_c", "--model", "regression"]) == 0
        assert "3 of 3 photos written" in capsys.readouterr().out
    assert sorted(p.name for p in beside.glob("*_c.png")) == ["p0000_c.png", "p0001_c.png", "p0002_c.png"]


# --- photos ---------------------------------------------------------------------------------------

def test_a_gif_in_a_folder_is_colourised_and_an_animated_one_says_which_frame(weights, tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    Image.new("L", (40, 30), 120).convert("P").save(src / "still.gif")
    frames = [Image.new("L", (40, 30), v) for v in (60, 200, 90)]
    frames[0].save(src / "anim.gif", save_all=True, append_images=frames[1:])
    out = tmp_path / "out"
    assert main(["colorize", str(src), "-o", str(out), "--model", "regression"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["anim.png", "still.png"]
    assert f"note: {src / 'anim.gif'}: GIF file with 3 frames: the first one is used" in capsys.readouterr().out
    with Image.open(out / "anim.png") as im:
        assert abs(int(np.asarray(im.convert("L")).mean()) - 60) <= 3  # the first frame's lightness


def test_a_float_tiff_slightly_over_one_with_an_infinite_pixel_is_not_black(weights, tmp_path, capsys):
    values = np.tile(np.linspace(0.0, 1.02, 40, dtype=np.float32), (30, 1))
    values[5, 5] = np.inf
    src = tmp_path / "float.tif"
    Image.fromarray(values, "F").save(src)
    out = tmp_path / "out"
    assert main(["colorize", str(src), "-o", str(out), "--model", "regression"]) == 0
    printed = capsys.readouterr().out
    assert f"note: {src}: 1 pixel not a finite number" in printed
    assert "values up to 1.02: scaled so that 1.02 is white" in printed
    with Image.open(out / "float.png") as im:
        gray = np.asarray(im.convert("L")).astype(int)
    assert gray[:, -1].min() >= 250 and gray[:, 0].max() <= 5  # the full range, not nearly black


def test_corrupt_exif_becomes_one_note_naming_the_file(weights, tmp_path, capsys):
    import struct

    ifd = (struct.pack("<2sHI", b"II", 42, 8) + struct.pack("<H", 1)
           + struct.pack("<HHII", 0x010F, 2, 1000, 9999) + struct.pack("<I", 0))  # tag data past the end
    src = tmp_path / "odd.jpg"
    Image.new("L", (32, 24), 100).save(src, exif=b"Exif\x00\x00" + ifd)
    with _no_warnings():
        assert main(["colorize", str(src), "-o", str(tmp_path / "out"), "--model", "regression"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "Pillow" in ln]
    assert lines == [f"note: {src}: Pillow warned: Tag data larger than file. Skipping tag 271"]


class _no_warnings:
    """Fail if any warning reaches Python's warning machinery inside the block."""

    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings(record=True)
        self.caught = self._cm.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc):
        self._cm.__exit__(*exc)
        assert not self.caught, [str(w.message) for w in self.caught]


def test_png_is_written_fast_by_default_and_small_on_request(weights, tmp_path):
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:300, 0:400]
    img = ((x + y) / 3 + rng.normal(0, 4, x.shape)).clip(0, 255).astype(np.uint8)
    Image.fromarray(img, "L").save(tmp_path / "p.png")
    sizes = {}
    for png in ("fast", "small"):
        assert main(["colorize", str(tmp_path / "p.png"), "-o", str(tmp_path / png), "--png", png,
                     "--model", "regression"]) == 0
        sizes[png] = (tmp_path / png / "p.png").stat().st_size
    assert sizes["small"] < sizes["fast"]


# --- the model and the arguments ----------------------------------------------------------------

def test_a_model_whose_colours_are_not_finite_writes_nothing_and_says_why(tmp_path, monkeypatch, capsys):
    torch.manual_seed(0)
    m = new_model("regression", TINY)
    with torch.no_grad():
        m.net.head.weight.fill_(3e38)  # finite weights, infinite colours
    path = tmp_path / "overflow.safetensors"
    save_model(path, m.net, {"name": "overflow"}, half=False)
    src = photo_folder(tmp_path / "in", 3)
    out = tmp_path / "out"
    assert main(["colorize", str(src), "-o", str(out), "--model", str(path)]) == 2
    captured = capsys.readouterr()
    assert "model 'overflow' gave NaN or infinite colours" in captured.err
    assert "0 of 3 photos written" in captured.out
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("args, words", [(["--vibrance", "nan"], "--vibrance"), (["--temperature", "-1"], "--temperature"),
                                         (["--threads", "-1"], "--threads"), (["--size", "0"], "--size")])
def test_arguments_that_would_break_the_photos_are_refused(weights, tmp_path, capsys, args, words):
    src = photo_folder(tmp_path / "in", 1)
    assert main(["colorize", str(src), "-o", str(tmp_path / "out"), "--model", "regression", *args]) == 2
    assert f"error: {words}" in capsys.readouterr().err


def test_threads_option_gives_the_same_photo_and_leaves_torch_as_it_was(weights, tmp_path):
    src = photo_folder(tmp_path / "in", 1, size=(300, 2000))  # several stripes per worker
    before = torch.get_num_threads()
    outputs = []
    for threads in ("1", "0", "3"):
        out = tmp_path / f"out{threads}"
        assert main(["colorize", str(src), "-o", str(out), "--model", "regression", "--threads", threads]) == 0
        assert torch.get_num_threads() == before
        with Image.open(out / "p0000.png") as im:
            outputs.append(np.asarray(im).astype(int))
    assert (outputs[0] == outputs[1]).all()  # the pixel work shared out or not: the same photo
    assert np.abs(outputs[0] - outputs[2]).max() <= 1  # the network on 3 threads: float rounding


def test_a_report_whose_rename_fails_leaves_the_previous_one_and_no_temporary_file(tmp_path, monkeypatch):
    """Reports (eval's JSON and CSV, saved palettes) are written whole or not at all."""
    from colorizer_app import temp_files

    report = tmp_path / "figures.json"
    temp_files.write_text_atomic(report, '{"old": 1}')
    temp_files.write_text_atomic(report, '{"new": 2}')
    assert report.read_text() == '{"new": 2}'

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(temp_files.os, "replace", disk_full)
    with pytest.raises(OSError, match="No space"):
        temp_files.write_text_atomic(report, '{"half": ')
    assert report.read_text() == '{"new": 2}'
    assert [p.name for p in tmp_path.iterdir()] == ["figures.json"]


def test_a_report_left_half_written_by_a_killed_run_is_removed_on_the_next_write(tmp_path, monkeypatch):
    from colorizer_app import temp_files

    report = tmp_path / "figures.json"
    # a run whose process is gone, killed outright (no clean-up) between writing and renaming
    def killed(src, dst):
        raise RuntimeError("killed")

    monkeypatch.setattr(temp_files, "pid_tag", lambda: "999999999-")
    monkeypatch.setattr(temp_files.os, "replace", killed)
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: None)
    with pytest.raises(RuntimeError, match="killed"):
        temp_files.write_text_atomic(report, '{"half": ')
    monkeypatch.undo()
    [dead] = tmp_path.iterdir()
    assert dead.name.startswith(".figures.json.999999999-")
    other = tmp_path / ".palette.json.999999999-0123abcd.tmp"  # another file's: left to its writer
    running = tmp_path / f".figures.json.{os.getpid()}-0123abcd.tmp"  # this process, under way: kept
    for p in (other, running):
        p.write_text('{"half": ')
    temp_files.write_text_atomic(report, '{"new": 2}')
    assert report.read_text() == '{"new": 2}'
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["figures.json", other.name, running.name])
