"""The reference photo in the viewer: where its colours went (the rest dimmed, on request), and
the colour with and without it, compared (reference_panel.py, preview.py, views.py)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PIL import Image  # noqa: E402

from gui_helpers import (  # noqa: E402,F401  (fixtures)
    load,
    settings_path,
    tiny_models,
    tiny_models_dir,
    wait_idle,
    window,
)


def stripes(h: int, w: int) -> np.ndarray:
    sy, sx = np.mgrid[0:h, 0:w]
    return np.where(((sx + sy) // 6) % 2 == 0, 230.0, 40.0)


def striped_reference(path, h=120, w=160):
    """A colour photo of red diagonal stripes."""
    s = stripes(h, w)
    Image.fromarray(np.stack([s, s * 0.25, s * 0.2], -1).round().astype(np.uint8)).save(path)
    return path


def half_striped_photo(path, h=192, w=288):
    """A gray photo: the same stripes on its left half, a smooth gradient (nothing like them) on
    its right half."""
    yy, _ = np.mgrid[0:h, 0:w]
    arr = 60 + 120 * yy / h
    arr[:, : w // 2] = stripes(h, w // 2)
    Image.fromarray(arr.round().astype(np.uint8), "L").save(path)
    return path


def image_bytes(qimage) -> bytes:
    return bytes(qimage.constBits())[: qimage.sizeInBytes()]


def shade_alpha(shade) -> np.ndarray:
    """The opacity (0-255) of each pixel of the match shade."""
    rows = np.frombuffer(shade.constBits(), np.uint32, count=shade.bytesPerLine() // 4 * shade.height())
    return (rows.reshape(shade.height(), -1)[:, : shade.width()] >> 24).astype(np.float64)


def choose(qtbot, box, path):
    with qtbot.waitSignal(box.changed, timeout=10000):
        box.load(path)


def settle(qtbot, window):
    window._controls_settled()
    qtbot.waitUntil(lambda: window.preview.after_params == window.current_params(), timeout=15000)


def open_photo(qtbot, window, tmp_path):
    window.controls.set_model("tiny-const")
    with qtbot.waitSignal(window.photoColorized, timeout=15000):
        [photo], _ = load(qtbot, window, [half_striped_photo(tmp_path / "street.png")])
    wait_idle(qtbot, window)
    return photo


def painted(pane) -> np.ndarray:
    """The pane as painted, (H, W, 3) float."""
    from colorizer_app.gui.qimage import qimage_to_numpy

    return qimage_to_numpy(pane.grab().toImage()).astype(np.float64)


def test_where_the_reference_photos_colours_went(qtbot, window, tmp_path):
    import torch.nn.functional as F

    from colorizer_app.gui.preview import SHADE_ALPHA
    from colorizer_app.models import matching

    window.set_view_mode("side_by_side")
    photo = open_photo(qtbot, window, tmp_path)
    box, viewer = window.controls.reference, window.viewer
    assert not box.show_match.isEnabled() and not box.compare_check.isEnabled()

    folder = tmp_path / "postcards"
    folder.mkdir()
    striped_reference(folder / "a.png")
    choose(qtbot, box, folder)  # a folder: a palette, nothing to show where it went
    assert box.photo is None and not box.show_match.isEnabled() and box.compare_check.isEnabled()

    choose(qtbot, box, striped_reference(tmp_path / "awning.png"))
    assert box.photo is not None and box.show_match.isEnabled() and not box.show_match.isChecked()
    box.strength.setValue(1.0)
    settle(qtbot, window)
    assert viewer.match_shade() is None and all(p.shade() is None for p in viewer.panes())
    plain = painted(viewer.colour_pane())

    box.show_match.setChecked(True)
    qtbot.waitUntil(lambda: viewer.match_shade() is not None, timeout=15000)
    original, pane = viewer.panes()
    assert pane is viewer.colour_pane() and pane.caption() == "Colour"
    assert pane.shade() is viewer.match_shade() and original.shade() is None  # over the colour only

    # the shade is where the reference was trusted, enlarged to the photo on screen, inverted
    alpha = shade_alpha(pane.shade())
    assert alpha.shape == (window.preview.after.height(), window.preview.after.width())
    out, _, _ = window.session.renderer.network(photo.ref, window.photo_params(photo))
    trust = F.interpolate(matching.match(out.work_L, box.photo)[1].float(), size=alpha.shape, mode="bilinear",
                          align_corners=False)[0, 0].numpy()
    assert np.abs(alpha - (1 - trust) * SHADE_ALPHA).max() <= 1.0
    w = alpha.shape[1]
    assert alpha[:, : w // 3].mean() < 15  # the stripes: matched
    assert alpha[:, 2 * w // 3:].mean() > 0.8 * SHADE_ALPHA  # the gradient: nothing like it in the reference

    # as painted: the colour as it was where the reference was trusted, darker where it was not
    shaded = painted(pane)
    tl, br = pane.from_fraction(0, 0), pane.from_fraction(1, 1)
    x0, x1, y0, y1 = tl.x(), br.x(), tl.y(), br.y()
    rows = slice(int(y0 + 0.15 * (y1 - y0)), int(y0 + 0.6 * (y1 - y0)))  # clear of the caption and legend
    matched = (rows, slice(int(x0 + 0.05 * (x1 - x0)), int(x0 + 0.3 * (x1 - x0))))
    unmatched = (rows, slice(int(x0 + 0.75 * (x1 - x0)), int(x0 + 0.95 * (x1 - x0))))
    assert np.abs(shaded[matched] - plain[matched]).mean() < 3
    ratio = shaded[unmatched].sum() / plain[unmatched].sum()
    assert ratio < 1 - 0.8 * SHADE_ALPHA / 255

    box.clear()  # no reference: nothing to show, and the box unticked
    assert not box.show_match.isChecked() and not box.show_match.isEnabled()
    assert viewer.match_shade() is None and all(p.shade() is None for p in viewer.panes())

    choose(qtbot, box, tmp_path / "awning.png")
    box.show_match.setChecked(True)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: viewer.match_shade() is not None, timeout=15000)
    choose(qtbot, box, folder)  # a palette now: nothing was matched
    assert not box.show_match.isChecked() and viewer.match_shade() is None
    settle(qtbot, window)
    wait_idle(qtbot, window)


def test_the_colour_with_and_without_the_reference(qtbot, window, tmp_path):
    from colorizer_app.gui.wording import WITH_REFERENCE, WITHOUT_REFERENCE

    open_photo(qtbot, window, tmp_path)
    plain = image_bytes(window.preview.after)
    box, viewer = window.controls.reference, window.viewer
    assert not box.compare_check.isEnabled()

    choose(qtbot, box, striped_reference(tmp_path / "awning.png"))
    box.strength.setValue(1.0)
    settle(qtbot, window)
    steered = image_bytes(window.preview.after)
    assert steered != plain
    assert not viewer.comparing_reference() and viewer.panes()[0].split_captions() == ("Before", "After")

    box.compare_check.setChecked(True)  # split view: the colour without it left of the divider
    qtbot.waitUntil(viewer.comparing_reference, timeout=15000)
    [pane] = viewer.panes()
    assert pane.split_captions() == (WITHOUT_REFERENCE, WITH_REFERENCE)
    assert image_bytes(pane.image()) == plain and image_bytes(pane.split_image()) == steered

    window.set_view_mode("side_by_side")
    captions = lambda: [p.caption() for p in viewer.panes()]  # noqa: E731
    assert captions() == [WITHOUT_REFERENCE, WITH_REFERENCE]
    left, right = viewer.panes()
    assert image_bytes(left.image()) == plain and image_bytes(right.image()) == steered
    assert right is viewer.colour_pane()  # colour hints go on the colour with the reference

    box.strength.setValue(0.0)  # "ignore": with and without are the same colour
    settle(qtbot, window)
    assert captions() == [WITHOUT_REFERENCE, WITH_REFERENCE]
    left, right = viewer.panes()
    assert image_bytes(left.image()) == image_bytes(right.image()) == plain

    box.strength.setValue(1.0)
    settle(qtbot, window)
    box.compare_check.setChecked(False)  # unticked: the original again
    assert captions() == ["Original", "Colour"]
    box.compare_check.setChecked(True)
    qtbot.waitUntil(lambda: captions() == [WITHOUT_REFERENCE, WITH_REFERENCE], timeout=15000)

    box.clear()  # no reference: the box unticked, the original again
    assert not box.compare_check.isChecked() and not box.compare_check.isEnabled()
    settle(qtbot, window)
    assert captions() == ["Original", "Colour"]
    assert image_bytes(viewer.panes()[1].image()) == plain
    wait_idle(qtbot, window)
