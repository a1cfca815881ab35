"""numpy <-> QImage conversion, done once and done right.

QImage does not own memory it is built on, and its scanlines are padded to 4 bytes, so a
constructor without `bytesPerLine` silently skews any image whose row is not a multiple of 4 bytes
(a 33-px-wide RGB photo, for instance). Both directions here pass the stride explicitly and copy,
so neither side keeps a pointer into the other's buffer.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

__all__ = ["numpy_to_qimage", "qimage_to_numpy", "alpha_to_qimage"]


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


def alpha_to_qimage(alpha: np.ndarray, rgb: tuple[int, int, int] = (0, 0, 0)) -> QImage:
    """uint8 (H, W) opacity -> a Format_ARGB32_Premultiplied image of the colour `rgb` at that
    opacity: a translucent layer to paint over a picture."""
    alpha = np.asarray(alpha)
    if alpha.dtype != np.uint8 or alpha.ndim != 2:
        raise ValueError(f"expected a uint8 (H, W) array, got {alpha.dtype} {alpha.shape}")
    h, w = alpha.shape
    img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
    if img.isNull():
        raise MemoryError(f"cannot allocate a {w}x{h} image")
    a = alpha.astype(np.uint32)
    r, g, b = ((a * int(c) + 127) // 255 for c in rgb)  # premultiplied
    rows = np.frombuffer(img.bits(), np.uint32, count=img.bytesPerLine() // 4 * h).reshape(h, -1)
    np.copyto(rows[:, :w], (a << 24) | (r << 16) | (g << 8) | b)  # 0xAARRGGBB in native byte order
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
