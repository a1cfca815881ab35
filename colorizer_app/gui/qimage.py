"""numpy <-> QImage conversion, done once and done right.

QImage does not own memory it is built on, and its scanlines are padded to 4 bytes, so a
constructor without `bytesPerLine` silently skews any image whose row is not a multiple of 4 bytes
(a 33-px-wide RGB photo, for instance). Both directions here pass the stride explicitly and copy,
so neither side keeps a pointer into the other's buffer.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

__all__ = ["numpy_to_qimage", "qimage_to_numpy", "half_size_levels", "photo_qimage"]

SMALLEST_LEVEL = 256  # half-size levels stop before their long side drops under this


def numpy_to_qimage(arr: np.ndarray) -> QImage:
    """uint8 (H, W) gray -> Format_Grayscale8, (H, W, 3) RGB -> Format_RGB888 (a (H, W, 1) array
    counts as gray). The QImage owns its memory, so the numpy buffer may be freed afterwards.

    The pixels are copied by numpy into a QImage allocated with its own padded scanlines: numpy
    releases the GIL while copying, whereas PySide6 holds it through QImage.copy(), which stalls
    the GUI thread for tens of milliseconds when a worker converts a 12 MP photo (40 ms vs 2 ms).
    """
    arr = np.asarray(arr)
    if arr.dtype != np.uint8:
        raise TypeError(f"expected a uint8 array, got {arr.dtype}")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim == 2:
        fmt, channels = QImage.Format.Format_Grayscale8, 1
    elif arr.ndim == 3 and arr.shape[2] == 3:
        fmt, channels = QImage.Format.Format_RGB888, 3
    else:
        raise ValueError(f"expected (H, W) or (H, W, 3), got shape {arr.shape}")
    h, w = arr.shape[:2]
    img = QImage(w, h, fmt)
    if img.isNull():
        raise MemoryError(f"cannot allocate a {w}x{h} image")
    rows = np.frombuffer(img.bits(), np.uint8, count=img.bytesPerLine() * h).reshape(h, -1)
    np.copyto(rows[:, : w * channels], arr.reshape(h, w * channels))
    return img


def qimage_to_numpy(img: QImage) -> np.ndarray:
    """Grayscale8 -> (H, W) uint8; any other format -> (H, W, 3) uint8 RGB (alpha dropped).
    Scanline padding is stripped, and the result owns its memory."""
    if img.isNull():
        raise ValueError("null QImage")
    if img.format() == QImage.Format.Format_Grayscale8:
        channels = 1
    else:
        channels = 3
        if img.format() != QImage.Format.Format_RGB888:
            img = img.convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = img.height(), img.width(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=stride * h).reshape(h, stride)
    out = buf[:, : w * channels].copy()
    return out.reshape(h, w) if channels == 1 else out.reshape(h, w, 3)


def half_size_levels(arr: np.ndarray, smallest: int = SMALLEST_LEVEL) -> list[QImage]:
    """The photo at 1/2, 1/4, ... (2x2 area average) while the long side stays >= `smallest`.

    The viewer draws a zoomed-out photo from the level nearest its zoom. Made here with numpy on
    the worker thread (numpy releases the GIL; QImage.scaled holds it), a 12 MP photo's levels no
    longer cost the GUI thread 50-70 ms at its first paint.
    """
    levels = []
    a = np.asarray(arr)
    while max(a.shape[:2]) // 2 >= smallest:
        h, w = a.shape[:2]
        if h % 2 or w % 2:  # repeat the last row / column so every output pixel averages four
            a = np.pad(a, ((0, h % 2), (0, w % 2)) + ((0, 0),) * (a.ndim - 2), mode="edge")
        acc = a[0::2, 0::2].astype(np.uint16)
        acc += a[1::2, 0::2]
        acc += a[0::2, 1::2]
        acc += a[1::2, 1::2]
        acc += 2
        acc >>= 2
        a = acc.astype(np.uint8)
        levels.append(numpy_to_qimage(a))
    return levels


def photo_qimage(arr: np.ndarray) -> QImage:
    """numpy_to_qimage for a photo the viewer will show, with its half-size levels attached
    (as `half_sizes`), built on the calling (worker) thread."""
    img = numpy_to_qimage(arr)
    img.half_sizes = half_size_levels(arr)
    return img
