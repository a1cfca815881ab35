"""The photo viewer and the numpy <-> QImage bridge, headless (pytest-qt, offscreen platform)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QImage, QWheelEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from colorizer_app.gui.qimage import numpy_to_qimage, qimage_to_numpy  # noqa: E402
from colorizer_app.gui.views import EMPTY_HINT, MAX_ZOOM, MIN_ZOOM, PhotoViewer  # noqa: E402


# --- numpy <-> QImage -------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(17, 33), (17, 33, 3), (1, 1), (5, 2, 3)])
def test_numpy_qimage_round_trip_with_odd_widths(shape):
    """33 px of gray or RGB is not a multiple of 4 bytes: scanline padding must not skew rows."""
    arr = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    img = numpy_to_qimage(arr)
    expected = QImage.Format.Format_Grayscale8 if arr.ndim == 2 else QImage.Format.Format_RGB888
    assert img.format() == expected
    assert (img.width(), img.height()) == (shape[1], shape[0])
    back = qimage_to_numpy(img)
    assert back.shape == arr.shape and back.dtype == np.uint8
    np.testing.assert_array_equal(back, arr)


def test_numpy_to_qimage_is_a_deep_copy_and_accepts_views():
    arr = np.random.default_rng(1).integers(0, 256, (20, 40, 3), dtype=np.uint8)
    view = arr[:, 3:36]  # non-contiguous, 33 px wide
    img = numpy_to_qimage(view)
    expected = view.copy()
    arr[:] = 0
    del arr, view
    np.testing.assert_array_equal(qimage_to_numpy(img), expected)
    readonly = expected.copy()
    readonly.setflags(write=False)
    np.testing.assert_array_equal(qimage_to_numpy(numpy_to_qimage(readonly)), expected)


def test_numpy_to_qimage_rejects_bad_input():
    with pytest.raises(TypeError):
        numpy_to_qimage(np.zeros((4, 4), np.float32))
    with pytest.raises(ValueError):
        numpy_to_qimage(np.zeros((4, 4, 4), np.uint8))


def test_qimage_to_numpy_converts_other_formats():
    img = QImage(7, 3, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.red)
    out = qimage_to_numpy(img)
    assert out.shape == (3, 7, 3)
    assert (out == [255, 0, 0]).all()


def test_a_preview_is_drawn_where_the_photo_is_without_building_levels(qtbot):
    """A screen-resolution preview of a larger photo fills the place of the photo, and at fit
    zoom it is drawn as it is: no reduced copies are made on the GUI thread."""
    from PySide6.QtCore import QSize

    v = PhotoViewer()
    qtbot.addWidget(v)
    v.resize(500, 300)
    v.show()
    arr = np.random.default_rng(4).integers(0, 256, (300, 500, 3), dtype=np.uint8)
    before, after = numpy_to_qimage(arr[..., 0].copy()), numpy_to_qimage(arr)
    v.set_images(before, after, size=QSize(2000, 1200))  # previews of a 2000 x 1200 photo
    v.grab()
    (pane,) = v.panes()
    assert v.photo_size() == QSize(2000, 1200) and v.zoom() == pytest.approx(0.25, abs=0.01)
    assert len(pane._pyramids[after.cacheKey()]) == 1  # drawn at about 1:1, from itself
    frame = qimage_to_numpy(v.grab().toImage())
    assert frame.shape[:2] == (300, 500) and frame.std() > 20  # the photo fills the pane


# --- the viewer -------------------------------------------------------------------------------

def gray_image(w=120, h=80, value=None):
    if value is None:
        arr = np.tile(np.linspace(0, 255, w, dtype=np.uint8), (h, 1))
    else:
        arr = np.full((h, w), value, np.uint8)
    return numpy_to_qimage(arr)


def rgb_image(w=120, h=80, value=None):
    if value is None:
        arr = np.random.default_rng(2).integers(0, 256, (h, w, 3), dtype=np.uint8)
    else:
        arr = np.full((h, w, 3), value, np.uint8)
    return numpy_to_qimage(arr)


@pytest.fixture
def viewer(qtbot):
    v = PhotoViewer()
    qtbot.addWidget(v)
    v.resize(600, 400)
    v.show()
    QApplication.processEvents()
    return v


def wheel(widget, pos: QPointF, notches: float = 1.0) -> None:
    event = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(), QPoint(0, int(120 * notches)),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_modes_show_the_right_panes_and_captions(viewer, qtbot):
    viewer.set_images(gray_image(), rgb_image())
    assert viewer.mode() == "split"
    (pane,) = viewer.panes()
    assert pane.split_image() is not None and pane.isVisible()

    with qtbot.waitSignal(viewer.modeChanged) as blocker:
        viewer.set_mode("side_by_side")
    assert blocker.args == ["side_by_side"]
    assert [p.caption() for p in viewer.panes()] == ["Original", "Colour"]
    assert all(p.isVisible() for p in viewer.panes())

    names = ["regression", "classification", "gan"]
    viewer.set_compare_images({n: rgb_image() for n in names})
    viewer.set_mode("compare")
    assert [p.caption() for p in viewer.panes()] == names

    viewer.set_mode("split")
    assert len(viewer.panes()) == 1
    assert sum(p.isVisible() for p in viewer.findChildren(type(pane))) == 1
    with pytest.raises(ValueError):
        viewer.set_mode("grid")


def test_empty_busy_and_pending_states(viewer):
    (pane,) = viewer.panes()
    assert pane.image() is None
    viewer.set_images(gray_image(), None)
    (pane,) = viewer.panes()
    assert pane.image() is not None and pane.split_image() is None
    assert "colourising" in pane.overlay_text().lower()
    viewer.set_busy_text("Colourising 2 of 5")
    assert viewer.panes()[0].overlay_text() == "Colourising 2 of 5"
    viewer.set_busy_text(None)
    assert viewer.panes()[0].overlay_text() is None
    viewer.set_images(gray_image(), rgb_image())
    assert viewer.panes()[0].overlay_text() is None

    viewer.set_mode("compare")
    viewer.set_compare_images({"regression": rgb_image(), "gan": None})
    done, running = viewer.panes()
    assert done.overlay_text() is None
    assert running.image() is None and "gan" in running.overlay_text() and "\u2026" in running.overlay_text()

    viewer.set_images(None, None)
    viewer.set_compare_images({})
    (pane,) = viewer.panes()
    assert pane.image() is None
    frame = qimage_to_numpy(viewer.grab().toImage())
    assert frame.max() > 120  # the hint is drawn
    assert EMPTY_HINT == "Drop photos here or use File > Open"


def test_set_divider_clamps_and_emits(viewer, qtbot):
    viewer.set_images(gray_image(), rgb_image())
    with qtbot.waitSignal(viewer.dividerChanged) as blocker:
        viewer.set_divider(1.7)
    assert blocker.args == [1.0] and viewer.divider() == 1.0
    with qtbot.waitSignal(viewer.dividerChanged) as blocker:
        viewer.set_divider(-3)
    assert blocker.args == [0.0]
    with qtbot.assertNotEmitted(viewer.dividerChanged):
        viewer.set_divider(0.0)
    viewer.set_divider(0.3)
    assert viewer.divider() == pytest.approx(0.3)


def test_dragging_near_the_divider_moves_it(viewer, qtbot):
    viewer.set_images(gray_image(), rgb_image())
    (pane,) = viewer.panes()
    y = pane.height() // 2
    start = QPoint(round(pane.divider_x()) + 4, y)  # within the grab distance, not on it
    target = QPoint(pane.width() // 4, y)
    with qtbot.waitSignal(viewer.dividerChanged):
        qtbot.mousePress(pane, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(pane, target)
        qtbot.mouseRelease(pane, Qt.MouseButton.LeftButton, pos=target)
    assert viewer.divider() == pytest.approx(0.25, abs=0.01)

    # a press far from the divider pans instead (nothing to pan at fit: the divider stays)
    before = viewer.divider()
    far = QPoint(pane.width() - 20, y)
    qtbot.mousePress(pane, Qt.MouseButton.LeftButton, pos=far)
    qtbot.mouseMove(pane, QPoint(pane.width() // 2, y))
    qtbot.mouseRelease(pane, Qt.MouseButton.LeftButton, pos=QPoint(pane.width() // 2, y))
    assert viewer.divider() == before


def test_keyboard_moves_the_divider(viewer, qtbot):
    viewer.set_images(gray_image(), rgb_image())
    viewer.setFocus()
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    assert viewer.divider() == pytest.approx(0.52)
    qtbot.keyClick(viewer, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert viewer.divider() == pytest.approx(0.42)
    qtbot.keyClick(viewer, Qt.Key.Key_End)
    assert viewer.divider() == 1.0
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    assert viewer.divider() == 1.0
    qtbot.keyClick(viewer, Qt.Key.Key_Home)
    assert viewer.divider() == 0.0


def test_wheel_zooms_about_the_cursor(viewer, qtbot):
    viewer.set_images(gray_image(400, 300), rgb_image(400, 300))
    viewer.set_mode("side_by_side")
    pane = viewer.panes()[0]
    viewer.set_zoom(2.0)  # larger than the pane both ways, so neither axis is pinned to the centre
    z0 = viewer.zoom()
    cursor = QPointF(pane.width() * 0.3, pane.height() * 0.4)
    under = (cursor - pane.offset()) / z0  # image point under the cursor (dpr 1 offscreen)
    with qtbot.waitSignal(viewer.zoomChanged) as blocker:
        wheel(pane, cursor)
    assert viewer.zoom() == pytest.approx(z0 * 1.25)
    assert blocker.args == [pytest.approx(viewer.zoom())]
    after = (cursor - pane.offset()) / viewer.zoom()
    assert abs(after.x() - under.x()) < 1.5 and abs(after.y() - under.y()) < 1.5
    wheel(pane, cursor, -2)
    assert viewer.zoom() == pytest.approx(z0 / 1.25)


def test_side_by_side_panes_stay_in_step(viewer, qtbot):
    viewer.set_images(gray_image(400, 300), rgb_image(400, 300))
    viewer.set_mode("side_by_side")
    left, right = viewer.panes()
    wheel(right, QPointF(right.width() * 0.7, right.height() * 0.6), 3)
    assert left.zoom() == right.zoom() == viewer.zoom()
    assert left.offset() == right.offset()

    start = left.offset()
    centre = QPoint(left.width() // 2, left.height() // 2)
    qtbot.mousePress(left, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(left, centre + QPoint(25, 15))
    qtbot.mouseRelease(left, Qt.MouseButton.LeftButton, pos=centre + QPoint(25, 15))
    assert left.offset() == right.offset()
    assert left.offset() - start == QPointF(25, 15)


def test_fit_to_window_shows_the_whole_image(viewer):
    viewer.set_images(gray_image(1000, 500), rgb_image(1000, 500))
    (pane,) = viewer.panes()
    assert viewer.is_fit()
    assert viewer.zoom() <= min(viewer.width() / 1000, viewer.height() / 500) + 1e-9
    assert viewer.zoom() == pytest.approx(min(pane.width() / 1000, pane.height() / 500))
    off = pane.offset()
    assert off.x() >= 0 and off.y() >= 0
    assert off.x() + 1000 * viewer.zoom() <= pane.width() + 1
    assert off.y() + 500 * viewer.zoom() <= pane.height() + 1

    viewer.resize(300, 400)  # still fitted after a resize
    QApplication.processEvents()
    assert viewer.zoom() == pytest.approx(min(pane.width() / 1000, pane.height() / 500))

    viewer.zoom_in()
    assert not viewer.is_fit()
    zoomed = viewer.zoom()
    viewer.resize(600, 400)  # the user's zoom survives a resize
    QApplication.processEvents()
    assert viewer.zoom() == zoomed
    viewer.fit_to_window()
    assert viewer.zoom() == pytest.approx(min(pane.width() / 1000, pane.height() / 500))

    viewer.set_zoom(2.0)
    viewer.set_images(gray_image(1000, 500), rgb_image(1000, 500))  # same size: zoom kept
    assert viewer.zoom() == 2.0
    viewer.set_images(gray_image(200, 100), rgb_image(200, 100))  # new size: fitted again
    assert viewer.is_fit()


def test_zoom_limits_steps_and_double_click(viewer, qtbot):
    viewer.set_images(gray_image(1000, 500), rgb_image(1000, 500))
    viewer.actual_size()
    assert viewer.zoom() == 1.0
    viewer.zoom_in()
    assert viewer.zoom() == pytest.approx(1.25)
    viewer.zoom_out()
    viewer.zoom_out()
    assert viewer.zoom() == pytest.approx(0.8)
    viewer.set_zoom(1000)
    assert viewer.zoom() == MAX_ZOOM
    viewer.set_zoom(0)
    assert viewer.zoom() == MIN_ZOOM

    viewer.fit_to_window()
    (pane,) = viewer.panes()
    spot = QPoint(pane.width() // 4, pane.height() // 3)  # away from the divider
    qtbot.mouseDClick(pane, Qt.MouseButton.LeftButton, pos=spot)
    assert viewer.zoom() == 1.0
    qtbot.mouseDClick(pane, Qt.MouseButton.LeftButton, pos=spot)
    assert viewer.is_fit()


def test_split_render_is_dark_left_of_the_divider_and_bright_right(viewer):
    viewer.set_images(gray_image(300, 200, value=0), rgb_image(300, 200, value=255))
    (pane,) = viewer.panes()
    for fraction in (0.5, 0.3):
        viewer.set_divider(fraction)
        frame = qimage_to_numpy(viewer.grab().toImage()).astype(int)
        assert frame.shape[:2] == (viewer.height(), viewer.width())
        off, zoom = pane.offset(), viewer.zoom()
        y = int(off.y() + 200 * zoom * 0.8)  # below the captions and the handle
        x = int(pane.divider_x())
        assert off.x() + 10 < x - 15 and x + 15 < off.x() + 300 * zoom - 10
        assert frame[y, x - 15].max() < 40
        assert frame[y, x + 15].min() > 215


def _split_sides(viewer):
    """The widths of the photo left and right of the divider, and the darkest pixel left of it
    and the brightest right of it, on the row through the photo's lower part."""
    (pane,) = viewer.panes()
    frame = qimage_to_numpy(viewer.grab().toImage()).astype(int)
    photo, x = pane.photo_rect(), pane.divider_x()
    y = int(photo.top() + photo.height() * 0.8)  # below the captions and the handle
    left = frame[y, int(photo.left()) + 1:int(x) - 3]
    right = frame[y, int(x) + 3:int(photo.right()) - 1]
    return x - photo.left(), photo.right() - x, left, right


def test_the_divider_stays_on_the_photo_for_any_shape_and_zoom(viewer, qtbot):
    """Moved near the left edge of a landscape photo, the divider is still on a portrait photo
    and at actual size: part of the photo shows before, part after."""
    viewer.set_images(gray_image(300, 200, value=0), rgb_image(300, 200, value=255))
    viewer.set_divider(0.1)
    (pane,) = viewer.panes()
    assert pane.photo_rect().width() == pytest.approx(600, abs=1)  # the landscape photo fills the pane

    viewer.set_images(gray_image(100, 200, value=0), rgb_image(100, 200, value=255))  # portrait
    photo = pane.photo_rect()
    assert photo.width() == pytest.approx(200, abs=1) and photo.left() == pytest.approx(200, abs=1)
    before_w, after_w, left, right = _split_sides(viewer)
    assert before_w == pytest.approx(0.1 * photo.width(), abs=1) and after_w > 0
    assert left.size and left.max() < 40  # the original shows left of the divider...
    assert right.size and right.min() > 215  # ...and the colour right of it

    viewer.set_images(gray_image(300, 200, value=0), rgb_image(300, 200, value=255))
    viewer.set_divider(0.9)
    viewer.actual_size()  # 300 x 200 in a 600 x 400 pane: margins all round
    photo = pane.photo_rect()
    assert photo.width() == pytest.approx(300, abs=1)
    before_w, after_w, left, right = _split_sides(viewer)
    assert before_w > 0 and after_w == pytest.approx(0.1 * photo.width(), abs=1)
    assert left.size and left.max() < 40
    assert right.size and right.min() > 215

    # dragging the divider far past the photo's edge leaves it at the edge, not in the margin
    y = int(photo.center().y())
    start = QPoint(round(pane.divider_x()) + 2, y)
    qtbot.mousePress(pane, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(pane, QPoint(5, y))
    qtbot.mouseRelease(pane, Qt.MouseButton.LeftButton, pos=QPoint(5, y))
    assert viewer.divider() == 0.0 and pane.divider_x() == pytest.approx(photo.left(), abs=1)
