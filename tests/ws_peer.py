"""A hostile WebSocket *server* made of a raw socket, for the client side's fault tests.

It does the opening handshake by hand and then sends whatever frames a test asks for
(text, binary, floods), with no library in between that might tidy them up.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import struct
import threading
import time
from collections.abc import Iterable

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE = 0x1, 0x2, 0x8


def frame(payload: bytes | str, opcode: int = TEXT) -> bytes:
    """One unmasked server-to-client frame."""
    data = payload.encode() if isinstance(payload, str) else payload
    head = bytes([0x80 | opcode])
    if len(data) < 126:
        return head + bytes([len(data)]) + data
    if len(data) < 1 << 16:
        return head + bytes([126]) + struct.pack("!H", len(data)) + data
    return head + bytes([127]) + struct.pack("!Q", len(data)) + data


def tick_frame(seq: int, t: float | None = None, value: float = 0.5) -> bytes:
    stamp = time.time() if t is None else t
    return frame(f'{{"type": "tick", "seq": {seq}, "t": {stamp!r}, "value": {value}}}')


class RawWebSocketPeer:
    """Listens on 127.0.0.1; for each client, handshakes, then sends `script` frames.

    `script` is a list of bytes (already framed); `flood_rate` > 0 then sends ticks at that
    many a second until the client leaves or stop() is called.
    """

    def __init__(self, script: Iterable[bytes] = (), flood_rate: int = 0) -> None:
        self.script = list(script)
        self.flood_rate = flood_rate
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}/ws/ticks"
        self.stopped = threading.Event()
        self.sent = 0
        self.clients = 0
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, name="raw-ws-peer", daemon=True)

    def __enter__(self) -> RawWebSocketPeer:
        self._accept.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()
        self._accept.join(5)
        for thread in self._threads:
            thread.join(5)

    def _serve(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            self.clients += 1
            thread = threading.Thread(target=self._talk, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _talk(self, conn: socket.socket) -> None:
        with conn:
            try:
                self._handshake(conn)
                for data in self.script:
                    conn.sendall(data)
                    self.sent += 1
                if self.flood_rate:
                    self._flood(conn)
                else:
                    conn.settimeout(0.1)
                    while not self.stopped.is_set():  # read and drop what the client says
                        try:
                            if not conn.recv(65536):
                                return
                        except TimeoutError:
                            continue
            except OSError:
                return

    @staticmethod
    def _handshake(conn: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                raise ConnectionResetError
            request += chunk
        key = next(
            line.split(b":", 1)[1].strip()
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        conn.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )

    def _flood(self, conn: socket.socket) -> None:
        """Ticks at flood_rate/s, sent in 10 ms batches (one sendall each)."""
        started, seq = time.perf_counter(), 0
        while not self.stopped.is_set():
            due = int((time.perf_counter() - started) * self.flood_rate)
            now = time.time()
            batch = b"".join(tick_frame(n, now) for n in range(seq + 1, due + 1))
            if batch:
                conn.sendall(batch)
                self.sent += due - seq
                seq = due
            time.sleep(0.01)


def client_frame(payload: bytes | str, opcode: int = TEXT) -> bytes:
    """One masked client-to-server frame (a client must mask; the mask here is zero)."""
    data = payload.encode() if isinstance(payload, str) else payload
    unmasked = frame(data, opcode)
    head_length = len(unmasked) - len(data)
    head = bytearray(unmasked[:head_length])
    head[1] |= 0x80  # the mask bit
    return bytes(head) + b"\0\0\0\0" + data


def raw_ws_client(host: str, port: int, path: str, rcvbuf: int = 0) -> socket.socket:
    """A raw socket that has opened a WebSocket to `path` and read the 101 answer."""
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect((host, port))
    key = base64.b64encode(b"0123456789abcdef").decode()
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade"
        f"\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(1)  # byte by byte: leave the frames after the headers unread
        if not chunk:
            raise ConnectionResetError("closed during the handshake")
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock
