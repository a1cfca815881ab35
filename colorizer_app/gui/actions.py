"""One registry of the window's actions, each with the rule that enables it (mnelab style)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QAction, QKeySequence


class ActionRegistry:
    """`add()` every action once with an `enabled` rule over a state dict; `update(state)` applies
    all rules, so no code path forgets to enable or disable an action."""

    def __init__(self, parent):
        self.parent = parent
        self.actions: dict[str, QAction] = {}
        self._rules: dict[str, Callable[[dict], bool]] = {}

    def add(self, name: str, text: str, slot: Callable | None = None, *,
            shortcut: str | QKeySequence | QKeySequence.StandardKey | list | None = None,
            enabled: Callable[[dict], bool] | None = None, checkable: bool = False,
            tip: str | None = None) -> QAction:
        if name in self.actions:
            raise ValueError(f"action {name!r} registered twice")
        action = QAction(text, self.parent)
        action.setObjectName(f"action_{name}")
        if shortcut is not None:
            keys = []
            for s in shortcut if isinstance(shortcut, list) else [shortcut]:
                if isinstance(s, QKeySequence.StandardKey):
                    keys.extend(QKeySequence.keyBindings(s))
                else:
                    keys.append(QKeySequence(s))
            unique: dict[str, QKeySequence] = {}  # a key listed twice would make it ambiguous
            for k in keys:
                if not k.isEmpty():
                    unique.setdefault(k.toString(), k)
            action.setShortcuts(list(unique.values()))
        if checkable:
            action.setCheckable(True)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        if keys_text := action.shortcut().toString(QKeySequence.SequenceFormat.NativeText):
            action.setToolTip(f"{tip or text.replace('&', '').rstrip('…')} ({keys_text})")
        if slot is not None:
            action.triggered.connect(lambda checked=False, f=slot: f())
        self.actions[name] = action
        if enabled is not None:
            self._rules[name] = enabled
        return action

    def __getitem__(self, name: str) -> QAction:
        return self.actions[name]

    def update(self, state: dict) -> None:
        for name, rule in self._rules.items():
            self.actions[name].setEnabled(bool(rule(state)))
