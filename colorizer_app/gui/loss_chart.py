"""A small live chart of training and held-out loss, painted with QPainter.

QtCharts is not part of PySide6-Essentials (the only Qt wheel the app depends on; it comes with the
much larger PySide6-Addons), and two polylines with rescaling axes need little code. The training
series is thinned as it grows (neighbouring points averaged), so painting stays cheap however
long the run.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

MAX_POINTS = 400  # training points kept; beyond that, neighbours are merged
SMOOTHING = 0.15  # weight of a new point in the smoothed training curve (per averaged step)
TRAIN_COLOUR = QColor(70, 130, 200)
TRAIN_RAW_COLOUR = QColor(70, 130, 200, 70)
EVAL_COLOUR = QColor(220, 110, 40)
LEGEND = (("colour error on your photos", TRAIN_COLOUR), ("on the photos set aside", EVAL_COLOUR))
LOWER_IS_BETTER = "lower is better"
CHART_TIP = ("How far the model's colours are from the true colours as it learns: lower is better. "
             "Blue: the photos it learns from (training loss); orange: photos it never learns from "
             "(held-out loss), the fairer judge.")


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 5 x 10^k steps) covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(1, count - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks, v = [], first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 12))
        v += step
    return ticks


def _label(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v:.0f}"
    return f"{v:.4g}"


class LossChart(QWidget):
    """Training loss (thinned) and held-out loss against the step, axes rescaling to the data."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(280, 160)
        self.setToolTip(CHART_TIP)
        self.clear()

    def sizeHint(self) -> QSize:
        return QSize(520, 240)

    def clear(self, total_steps: int = 1) -> None:
        self.total = max(1, int(total_steps))
        self.train: list[tuple[float, float]] = []
        self._weights: list[int] = []  # how many raw points each kept point stands for
        self.eval: list[tuple[float, float]] = []
        self.update()

    def set_total(self, total_steps: int) -> None:
        self.total = max(1, int(total_steps))
        self.update()

    def add_train(self, step: int, loss: float) -> None:
        if not math.isfinite(loss):
            return
        self.train.append((float(step), float(loss)))
        self._weights.append(1)
        if len(self.train) > MAX_POINTS:
            self._thin()
        self.update()

    def add_eval(self, step: int, loss: float) -> None:
        if math.isfinite(loss):
            self.eval.append((float(step), float(loss)))
            self.update()

    def _thin(self) -> None:
        """Merge neighbouring pairs (weighted means), keeping the newest point as it is."""
        pts, ws = self.train[:-1], self._weights[:-1]
        merged, weights = [], []
        for i in range(0, len(pts) - 1, 2):
            (s0, l0), (s1, l1), w0, w1 = pts[i], pts[i + 1], ws[i], ws[i + 1]
            w = w0 + w1
            merged.append(((s0 * w0 + s1 * w1) / w, (l0 * w0 + l1 * w1) / w))
            weights.append(w)
        if len(pts) % 2:
            merged.append(pts[-1])
            weights.append(ws[-1])
        self.train = merged + self.train[-1:]
        self._weights = weights + self._weights[-1:]

    def smoothed(self) -> list[tuple[float, float]]:
        """The training curve through an exponential moving average (noisy batches made readable)."""
        out, ema = [], None
        for (step, loss), w in zip(self.train, self._weights):
            a = 1 - (1 - SMOOTHING) ** w  # a merged point counts as the w points it stands for
            ema = loss if ema is None else ema + a * (loss - ema)
            out.append((step, ema))
        return out

    # --- painting --------------------------------------------------------------------------------

    def y_range(self) -> tuple[float, float]:
        values = [v for _, v in self.train] + [v for _, v in self.eval]
        if not values:
            return 0.0, 1.0
        lo, hi = min(values), max(values)
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5 * abs(lo or 1), hi + 0.5 * abs(hi or 1)
        pad = 0.06 * (hi - lo)
        return max(0.0, lo - pad) if lo >= 0 else lo - pad, hi + pad

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        p.setFont(font)
        fm = p.fontMetrics()
        lo, hi = self.y_range()
        yticks = nice_ticks(lo, hi)
        left = 10 + max(fm.horizontalAdvance(_label(t)) for t in yticks)
        plot = QRectF(left, 8 + fm.height(), self.width() - left - 14, self.height() - 16 - 3 * fm.height())
        if plot.width() < 20 or plot.height() < 20:
            return

        def to_px(step: float, loss: float) -> QPointF:
            x = plot.left() + plot.width() * step / self.total
            y = plot.bottom() - plot.height() * (loss - lo) / (hi - lo)
            return QPointF(x, y)

        text_pen = QPen(pal.color(QPalette.ColorRole.Text))
        grid_pen = QPen(pal.color(QPalette.ColorRole.Mid), 0.5, Qt.PenStyle.DotLine)
        for t in yticks:
            y = to_px(0, t).y()
            p.setPen(grid_pen)
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(text_pen)
            p.drawText(QRectF(0, y - fm.height() / 2, left - 6, fm.height()),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, _label(t))
        for t in (t for t in nice_ticks(0, self.total, 6) if t == int(t)):  # steps are whole
            x = to_px(t, lo).x()
            p.setPen(grid_pen)
            p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            p.setPen(text_pen)
            p.drawText(QRectF(x - 40, plot.bottom() + 2, 80, fm.height()), Qt.AlignmentFlag.AlignHCenter,
                       _label(t))
        p.drawText(QRectF(plot.left(), plot.bottom() + 2 + fm.height(), plot.width(), fm.height()),
                   Qt.AlignmentFlag.AlignHCenter, "training step")
        p.setPen(QPen(pal.color(QPalette.ColorRole.Mid), 1))
        p.drawRect(plot)

        p.setClipRect(plot.adjusted(-1, -1, 1, 1))
        series = ((self.train, TRAIN_RAW_COLOUR, 1.0), (self.smoothed(), TRAIN_COLOUR, 1.8),
                  (self.eval, EVAL_COLOUR, 2.0))
        for points, colour, width in series:
            if not points:
                continue
            path = QPainterPath(to_px(*points[0]))
            for pt in points[1:]:
                path.lineTo(to_px(*pt))
            p.setPen(QPen(colour, width))
            p.drawPath(path)
            if points is self.eval:
                p.setBrush(colour)
                for pt in points:
                    p.drawEllipse(to_px(*pt), 2.5, 2.5)
                p.setBrush(Qt.BrushStyle.NoBrush)
        p.setClipping(False)

        x = plot.left() + 6
        for text, colour in LEGEND:
            p.setPen(QPen(colour, 2.5))
            y = 4 + fm.height() / 2
            p.drawLine(QPointF(x, y), QPointF(x + 16, y))
            p.setPen(text_pen)
            p.drawText(QPointF(x + 20, 4 + fm.ascent()), text)
            x += 36 + fm.horizontalAdvance(text)
        p.setPen(text_pen)
        p.drawText(QRectF(plot.left(), 4, plot.width() - 4, fm.height()),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, LOWER_IS_BETTER)
        p.end()
