"""One Colorizer window per user: a second launch hands its photos to the window already open
(over a QLocalSocket) and exits, instead of opening a second window that would overwrite the
first one's settings when it closes.

The protocol is one line of JSON each way: {"paths": [...]} from the new launch, {"ok": true}
back once the open window has taken them.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

HANDOVER_TIMEOUT_MS = 2000
MAX_MESSAGE = 4 * 2**20  # bytes: thousands of paths, and a bound on what a stray client can send


def server_name() -> str:
    """Per user (and per settings store: the tests' own COLORIZER_INSTANCE wins)."""
    if os.environ.get("COLORIZER_INSTANCE"):
        return os.environ["COLORIZER_INSTANCE"]
    try:
        user = getpass.getuser()
    except Exception:  # no user name (a container): the uid is as good
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return "colorizer-" + hashlib.sha1(user.encode()).hexdigest()[:12]


def hand_over(paths: list[str], name: str | None = None, timeout_ms: int = HANDOVER_TIMEOUT_MS) -> bool:
    """Give `paths` to a running Colorizer; True when it took them (this launch should exit)."""
    sock = QLocalSocket()
    sock.connectToServer(name or server_name())
    if not sock.waitForConnected(timeout_ms):
        return False
    message = json.dumps({"paths": [str(Path(p).absolute()) for p in paths]}).encode() + b"\n"
    sock.write(message)
    if not sock.waitForBytesWritten(timeout_ms):
        sock.abort()
        return False
    reply = b""
    while b"\n" not in reply:
        if not sock.waitForReadyRead(timeout_ms):
            sock.abort()
            return False
        reply += bytes(sock.readAll())
    sock.disconnectFromServer()
    try:
        return bool(json.loads(reply.split(b"\n", 1)[0]).get("ok"))
    except ValueError:
        return False


class InstanceServer(QObject):
    """Listens for later launches; `pathsReceived(list[str])` (possibly empty: just show the window)."""

    pathsReceived = Signal(list)

    def __init__(self, name: str | None = None, parent=None):
        super().__init__(parent)
        self.name = name or server_name()
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._buffers: dict[QLocalSocket, bytes] = {}
        self.server.newConnection.connect(self._connection)

    def listen(self) -> bool:
        """Start listening; a socket left by a crashed instance (nobody answering) is removed first."""
        # ask first: with access options set, Qt's listen() would silently replace a live socket
        probe = QLocalSocket()
        probe.connectToServer(self.name)
        if probe.waitForConnected(300):
            probe.abort()
            return False  # a live instance: the caller should have handed over
        if self.server.listen(self.name):
            return True
        QLocalServer.removeServer(self.name)
        return self.server.listen(self.name)

    def close(self) -> None:
        self.server.close()

    def _connection(self) -> None:
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            self._buffers[sock] = b""
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(lambda s=sock: self._gone(s))

    def _gone(self, sock: QLocalSocket) -> None:
        self._buffers.pop(sock, None)
        sock.deleteLater()

    def _read(self, sock: QLocalSocket) -> None:
        data = self._buffers.get(sock, b"") + bytes(sock.readAll())
        if len(data) > MAX_MESSAGE:
            sock.abort()
            return
        self._buffers[sock] = data
        if b"\n" not in data:
            return
        line = data.split(b"\n", 1)[0]
        try:
            paths = [str(p) for p in json.loads(line).get("paths", [])]
        except (ValueError, AttributeError):
            sock.write(b'{"ok": false}\n')
            sock.disconnectFromServer()
            return
        self.pathsReceived.emit(paths)
        sock.write(b'{"ok": true}\n')
        sock.flush()
        sock.disconnectFromServer()
