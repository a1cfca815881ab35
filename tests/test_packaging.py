"""Packaging: bundled data found through colorizer_app.resources (checkout, wheel and bundle
layouts), the Linux desktop entry and AppStream metainfo, the per-user desktop install, the
frozen-process setup, and the start-up contract that the window is built without torch."""

from __future__ import annotations

import configparser
import mimetypes
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from colorizer_app import __version__, desktop_integration, process_setup, resources
from colorizer_app.imaging.io import SUPPORTED_EXTENSIONS
from colorizer_app.resources import APP_ID, ICON_NAME, ICON_SIZES

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = ("regression", "classification", "gan")


def desktop_entry(text: str | None = None) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    if text is None:
        text = (resources.linux_dir() / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    parser.read_string(text)
    return dict(parser["Desktop Entry"])


# --------------------------------------------------------------------------- resource lookup


def test_checkout_layout_finds_weights_icons_samples_and_desktop_files(monkeypatch):
    monkeypatch.delenv("COLORIZER_WEIGHTS", raising=False)
    assert resources.data_root() == ROOT  # an editable install reads the checkout
    for family in FAMILIES:
        assert (resources.weights_dir() / f"{family}.safetensors").is_file()
    assert (resources.weights_dir() / "MODEL_CARD.md").is_file()
    names = [p.name for p in resources.icon_files()]
    assert names == [f"{ICON_NAME}.svg"] + [f"{ICON_NAME}-{s}.png" for s in ICON_SIZES]
    assert sorted(resources.samples_dir().glob("*.jpg"))
    assert (resources.linux_dir() / f"{APP_ID}.desktop").is_file()
    assert (resources.linux_dir() / f"{APP_ID}.metainfo.xml").is_file()


def test_icon_pngs_have_their_sizes():
    from PIL import Image

    for size in ICON_SIZES:
        with Image.open(resources.icons_dir() / f"{ICON_NAME}-{size}.png") as im:
            assert im.size == (size, size) and im.mode == "RGBA"


def test_wheel_and_bundle_layouts_are_preferred_to_the_checkout(tmp_path, monkeypatch):
    monkeypatch.delenv("COLORIZER_WEIGHTS", raising=False)
    package = tmp_path / "site-packages" / "colorizer_app"
    (package / "data" / "weights").mkdir(parents=True)
    monkeypatch.setattr(resources, "PACKAGE_DIR", package)
    assert resources.data_root() == package / "data"
    assert resources.weights_dir() == package / "data" / "weights"

    bundle = tmp_path / "bundle" / "_internal"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert resources.is_frozen()
    assert resources.icons_dir() == bundle / "colorizer_app" / "data" / "resources" / "icons"


def test_weights_folder_can_be_overridden(tmp_path, monkeypatch):
    from colorizer_app.models import registry

    monkeypatch.setenv("COLORIZER_WEIGHTS", str(tmp_path))
    assert resources.weights_dir() == tmp_path == registry.bundled_dir()


def test_the_bundled_models_are_listed_from_the_resource_lookup(monkeypatch):
    from colorizer_app.models import registry

    monkeypatch.delenv("COLORIZER_WEIGHTS", raising=False)
    bundled = [e for e in registry.list_models() if e.bundled]
    assert [e.name for e in bundled] == list(FAMILIES)
    assert all(e.path.parent == resources.weights_dir() for e in bundled)


def test_the_wheel_build_hook_maps_both_data_folders():
    setup_py = (ROOT / "setup.py").read_text(encoding="utf-8")
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8")
    assert 'DATA_FOLDERS = ("weights", "resources")' in setup_py
    assert "graft weights" in manifest and "graft resources" in manifest


# --------------------------------------------------------------------------- Linux desktop files


def test_desktop_entry_launches_colorizer_with_files_and_opens_the_supported_images():
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "colorizer %F"
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"
    mime = set(filter(None, entry["MimeType"].split(";")))
    for ext in SUPPORTED_EXTENSIONS:
        assert mimetypes.guess_type(f"x{ext}")[0] in mime | {"image/x-ms-bmp"}, ext
    assert {"image/jpeg", "image/png", "image/tiff", "image/webp", "image/bmp"} <= mime
    assert "Graphics" in entry["Categories"].split(";")


def test_metainfo_names_the_app_its_launcher_media_types_and_this_release():
    root = ET.parse(resources.linux_dir() / f"{APP_ID}.metainfo.xml").getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    for tag in ("name", "summary", "metadata_license", "project_license"):
        assert (root.findtext(tag) or "").strip(), tag
    assert root.find("description/p") is not None
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    media = {m.text for m in root.findall("provides/mediatype")}
    entry_mime = set(filter(None, desktop_entry()["MimeType"].split(";")))
    assert media == entry_mime
    assert {b.text for b in root.findall("provides/binary")} == {"colorizer", "colorizer-cli"}
    assert root.find("content_rating") is not None
    assert root.find("releases/release").get("version") == __version__


@pytest.mark.parametrize("path, written", [
    ("/opt/colorizer/colorizer", "/opt/colorizer/colorizer"),
    ("/home/a b/bin/colorizer", '"/home/a b/bin/colorizer"'),
    ('/odd/"q"$x/colorizer', '"/odd/\\\\"q\\\\"\\\\$x/colorizer"'),
    ("/100%/colorizer", "/100%%/colorizer"),
])
def test_exec_paths_are_quoted_as_the_desktop_entry_spec_says(path, written):
    assert desktop_integration.quote_exec(Path(path)) == written


def test_install_and_uninstall_for_one_user(tmp_path):
    home = tmp_path / "share"
    command = tmp_path / "my apps" / "colorizer"
    written = desktop_integration.install(home, command)
    assert all(p.is_file() for p in written)
    entry = desktop_entry((home / "applications" / f"{APP_ID}.desktop").read_text(encoding="utf-8"))
    assert entry["Exec"] == f'"{command}" %F'
    assert entry["TryExec"] == str(command)
    assert (home / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    assert (home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    for size in ICON_SIZES:
        assert (home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    removed = desktop_integration.uninstall(home)
    assert sorted(removed) == sorted(written)
    assert not any(p.exists() for p in written)


def test_the_launcher_is_this_installations_colorizer_command():
    found = desktop_integration.launcher()
    assert found is not None and found.name.startswith("colorizer")


# --------------------------------------------------------------------------- frozen process


def test_missing_stdout_and_stderr_go_to_a_log_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    process_setup.prepare_process()
    try:
        print("hello from a windowed app")
        sys.stderr.write("and its errors\n")
        sys.stdout.flush()
        text = process_setup.log_file().read_text(encoding="utf-8")
        assert "hello from a windowed app" in text and "and its errors" in text
        assert str(process_setup.log_file()).startswith(str(tmp_path))
    finally:
        sys.stdout.close()


# --------------------------------------------------------------------------- start-up


def _run_python(code: str, tmp_path: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env.pop("COLORIZER_WEIGHTS", None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=tmp_path)


def test_the_main_window_is_built_and_shown_without_importing_torch(tmp_path):
    code = f"""
import sys
from pathlib import Path
from colorizer_app.gui.app import make_application
from colorizer_app.gui import engine_loader
app = make_application([sys.argv[0]])
engine_loader.defer()
from colorizer_app.gui.main_window import MainWindow
from colorizer_app.gui.settings import Settings
w = MainWindow(Settings(Path({str(tmp_path)!r}) / "s.ini"))
w.show()
app.processEvents()
print("models:", w.controls.model_combo.count(), "torch:", "torch" in sys.modules)
"""
    out = _run_python(code, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "models: 3 torch: False" in out.stdout


def test_the_app_opens_a_photo_from_its_command_line_and_colourises_it(tmp_path):
    photo = ROOT / "resources" / "samples" / "chelsea.jpg"
    code = f"import sys; from colorizer_app.gui.app import main; sys.exit(main(['--self-check', {str(photo)!r}]))"
    out = _run_python(code, tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "self-check: first paint" in out.stdout
    assert "first result shown (chelsea.jpg" in out.stdout
    assert ("self-check: ok: colourised, a training step ran, a reference photo was matched and a photo "
            "repaired") in out.stdout


def test_the_self_checks_training_step_reports_a_failure(monkeypatch):
    from colorizer_app.gui import self_check
    from colorizer_app.models import registry

    assert self_check.training_problem() is None
    monkeypatch.setattr(registry, "load", lambda *a, **k: (_ for _ in ()).throw(ImportError("no torch._dynamo")))
    assert self_check.training_problem() == "training step failed: ImportError: no torch._dynamo"


def test_the_window_and_application_carry_the_icon(qtbot):
    from colorizer_app.gui.app import make_application

    app = make_application([sys.argv[0]])
    assert not app.windowIcon().isNull()
    assert not app.windowIcon().pixmap(32, 32).isNull()
    assert app.desktopFileName() == APP_ID


def test_a_restored_device_survives_the_late_device_list(qtbot, monkeypatch):
    from colorizer_app.engine.device import available_devices
    from colorizer_app.gui import engine_loader
    from colorizer_app.gui.controls import ControlPanel

    monkeypatch.setattr(engine_loader, "_loader", None)
    engine_loader.defer()
    panel = ControlPanel()
    qtbot.addWidget(panel)
    assert [panel.device.itemData(i) for i in range(panel.device.count())] == ["auto", "cpu"]
    panel.set_values(device="cpu")
    engine_loader._loader.start()
    qtbot.waitUntil(lambda: panel.device.itemText(0).startswith("Auto ("), timeout=10000)  # "Auto (CPU)"
    assert [panel.device.itemData(i) for i in range(panel.device.count())] == ["auto", *available_devices()]
    assert panel.device_request() == "cpu"


def test_engine_callbacks_wait_for_the_background_import(qtbot, monkeypatch):
    from colorizer_app.gui import engine_loader

    monkeypatch.setattr(engine_loader, "_loader", None)
    calls = []
    engine_loader.defer()
    assert not engine_loader.ready()
    engine_loader.call_when_loaded(lambda: calls.append("loaded"))
    assert calls == []
    engine_loader._loader.start()
    qtbot.waitUntil(lambda: calls == ["loaded"], timeout=10000)
    assert engine_loader.ready()
    engine_loader.call_when_loaded(lambda: calls.append("at once"))
    assert calls == ["loaded", "at once"]


# --------------------------------------------------------------------------- PySide6 releases

def pyside_requirements():
    import tomllib

    from packaging.requirements import Requirement

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return [r for r in map(Requirement, deps) if r.name.lower() == "pyside6-essentials"]


@pytest.mark.parametrize("python,good,bad", [
    ("3.10", ["6.6.0", "6.11.3", "6.12.1"], ["6.12.0", "6.5.3"]),
    ("3.11", ["6.6.0", "6.11.3", "6.12.1"], ["6.12.0"]),
    ("3.12", ["6.6.0", "6.11.3", "6.12.0"], ["6.5.3"]),
    ("3.13", ["6.12.0"], []),
])
def test_pyproject_leaves_out_pyside_releases_that_lose_none(python, good, bad):
    """6.12.0 drops a reference to None on every void Qt call; it matters only where None is
    mortal (before Python 3.12), so it is excluded there and allowed from 3.12 on."""
    pytest.importorskip("tomllib")
    env = {"python_version": python, "python_full_version": f"{python}.0"}
    applying = [r for r in pyside_requirements() if r.marker is None or r.marker.evaluate(env)]
    assert len(applying) == 1, applying
    spec = applying[0].specifier
    assert all(spec.contains(v) for v in good) and not any(spec.contains(v) for v in bad)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_the_installed_pyside_keeps_its_references_to_none(qtbot):
    from colorizer_app.gui.self_check import PROBE_CALLS, none_references_lost

    assert none_references_lost() < PROBE_CALLS // 2
