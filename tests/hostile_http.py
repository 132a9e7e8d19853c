"""A misbehaving HTTP server made of raw sockets, in threads of its own.

It speaks just enough HTTP to break it in every way a client must survive: slow, cut,
malformed, compressed, redirecting somewhere it should not. It runs in its own threads, so
even the sync way (which blocks the thread of the event loop) can talk to it.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import struct
import threading
import time
import urllib.parse
import zlib
from collections.abc import Callable

from guidemo.server import news_articles

OK_HEAD = b"HTTP/1.1 200 OK\r\n"
# Answers sent as they are: (path, the bytes). The server closes after sending.
CANNED: dict[str, bytes] = {
    "/garbage": b"\x00\xff\xfe garbage, not HTTP at all\r\n\r\n",
    "/http09": b"hello, no status line at all",
    "/http2-status": b"HTTP/2 200 OK\r\nContent-Length: 2\r\n\r\nhi",
    "/no-colon": OK_HEAD + b"Content-Type text/plain\r\nContent-Length: 2\r\n\r\nhi",
    "/space-in-name": OK_HEAD + b"X Bad: 1\r\nContent-Length: 2\r\n\r\nhi",
    "/nul-in-value": OK_HEAD + b"X-A: a\x00b\r\nContent-Length: 2\r\n\r\nhi",
    "/bad-length": OK_HEAD + b"Content-Length: abc\r\n\r\nhi",
    "/two-lengths": OK_HEAD + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\nhi",
    "/length-and-chunked": OK_HEAD
    + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
    "/bad-chunk": OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhi\r\n0\r\n\r\n",
    "/chunk-overflow": OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"f" * 30 + b"\r\nhi",
    "/long-header": OK_HEAD + b"X-Long: " + b"a" * 20_000 + b"\r\nContent-Length: 2\r\n\r\nhi",
    "/many-headers": OK_HEAD
    + b"".join(b"X-%d: 1\r\n" % i for i in range(150))
    + b"Content-Length: 2\r\n\r\nhi",
    "/chunked": OK_HEAD
    + b"Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
    + b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n",
    "/no-reason": b"HTTP/1.1 200\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
    "/interim-100": b"HTTP/1.1 100 Continue\r\n\r\n" + OK_HEAD + b"Content-Length: 2\r\n\r\nhi",
    "/until-close": b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nread me until the end",
    "/folded": OK_HEAD + b"X-A: a\r\n b\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi",
    "/status-999": b"HTTP/1.1 999 Weird\r\nContent-Length: 2\r\n\r\nhi",
    "/not-modified": b"HTTP/1.1 304 Not Modified\r\n\r\n",
    "/brotli": OK_HEAD + b"Content-Encoding: br\r\nContent-Length: 5\r\n\r\nhello",
    "/bad-gzip": OK_HEAD + b"Content-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello",
    "/redirect-no-location": b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n",
    "/redirect-relative": b"HTTP/1.1 301 Moved\r\nLocation: /json\r\nContent-Length: 0\r\n\r\n",
    "/redirect-loop": b"HTTP/1.1 302 Found\r\nLocation: /redirect-loop\r\n"
    b"Content-Length: 0\r\n\r\n",
    "/redirect-javascript": b"HTTP/1.1 302 Found\r\nLocation: javascript:alert(1)\r\n"
    b"Content-Length: 0\r\n\r\n",
    "/bad-utf8": OK_HEAD + b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 7\r\n\r\n"
    b"caf\xc3 \xff\xfe",
    "/extra-body": OK_HEAD + b"Content-Type: text/plain\r\nContent-Length: 10\r\n\r\n" + b"z" * 100,
    "/json": OK_HEAD + b'Content-Type: application/json\r\nContent-Length: 12\r\n\r\n{"ok": true}',
}


def _compressed(kind: str, data: bytes) -> bytes:
    body = gzip.compress(data) if kind == "gzip" else zlib.compress(data)
    head = f"Content-Type: application/json\r\nContent-Encoding: {kind}\r\n"
    return OK_HEAD + f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


GZIP_JSON = {"words": ["gzip", "deflate"] * 50}
CANNED["/gzip"] = _compressed("gzip", json.dumps(GZIP_JSON).encode())
CANNED["/deflate"] = _compressed("deflate", json.dumps(GZIP_JSON).encode())
BOMB = gzip.compress(b"0" * 20_000_000)  # 20 MB of zeros in about 20 KB
CANNED["/gzip-bomb"] = (
    OK_HEAD + f"Content-Encoding: gzip\r\nContent-Length: {len(BOMB)}\r\n\r\n".encode() + BOMB
)


class HostileServer:
    """Serves CANNED answers and a few that take time or cut the connection (see _answer).

    `ftp` is a second listener that plays an FTP server: it greets, and counts who comes
    (`ftp_visits`, `ftp_lines`), so a test can see whether a client followed a redirect
    to ftp:// (and tried to log in).
    """

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.ftp = socket.create_server(("127.0.0.1", 0))
        self.ftp_url = f"ftp://127.0.0.1:{self.ftp.getsockname()[1]}/file.txt"
        self.ftp_visits = 0
        self.ftp_lines: list[bytes] = []
        self.requests: list[str] = []  # request lines, as received
        self._threads = [
            threading.Thread(target=self._accept, args=(self.sock, self._serve), daemon=True),
            threading.Thread(target=self._accept, args=(self.ftp, self._ftp), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        self.stopping.set()
        for listener in (self.sock, self.ftp):
            # close() alone does not wake a thread blocked in accept() (each join waited out
            # its 2 s and left the thread behind); shutdown() does.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for thread in self._threads:
            thread.join(timeout=2)
            assert not thread.is_alive(), f"{thread.name} still accepting"

    def _accept(self, listener: socket.socket, serve: Callable[[socket.socket], None]) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    def _ftp(self, conn: socket.socket) -> None:
        self.ftp_visits += 1
        with conn, contextlib.suppress(OSError):
            conn.settimeout(5)
            conn.sendall(b"220 hostile FTP ready\r\n")
            while line := conn.recv(1024):
                self.ftp_lines.append(line)
                conn.sendall(b"530 no\r\n")

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            line = request.split(b"\r\n", 1)[0].decode("latin-1")
            self.requests.append(line)
            target = urllib.parse.urlsplit(line.split(" ")[1])
            with contextlib.suppress(OSError):  # the client hung up first: fine
                self._answer(conn, target.path, urllib.parse.parse_qs(target.query))
                time.sleep(0.05)  # let the client read before the connection closes

    def _answer(self, conn: socket.socket, path: str, query: dict[str, list[str]]) -> None:
        def send(body: bytes, kind: str = "application/json", length: int | None = None) -> None:
            size = len(body) if length is None else length
            head = f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {size}\r\n"
            conn.sendall(f"{head}Connection: close\r\n\r\n".encode() + body)

        if path in CANNED:
            conn.sendall(CANNED[path])
        elif path == "/redirect-ftp":
            head = f"HTTP/1.1 302 Found\r\nLocation: {self.ftp_url}\r\n"
            conn.sendall(f"{head}Content-Length: 0\r\n\r\n".encode())
        elif path == "/slow-head":  # the headers a byte at a time: every read is quick
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Slow: " + b"z" * 200:
                if self.stopping.wait(0.1):
                    return
                conn.sendall(bytes([byte]))
            conn.sendall(b"\r\nContent-Length: 2\r\n\r\nhi")
        elif path == "/drip-status":  # the start of a status line a byte every 0.5 s, then close
            for byte in b"HTTP/":
                if self.stopping.wait(0.5):
                    return
                conn.sendall(bytes([byte]))
        elif path == "/slow-body":  # quick headers, then the body a few bytes at a time
            conn.sendall(OK_HEAD + b"Content-Type: text/plain\r\nContent-Length: 1000\r\n\r\n")
            for _ in range(100):
                if self.stopping.wait(0.1):
                    return
                conn.sendall(b"0123456789")
        elif path == "/reset":  # promise 1000 bytes, send 100, then RST
            send(b"x" * 100, "text/plain", length=1000)
            time.sleep(0.05)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif path == "/hangup":  # the same, but a polite close (FIN)
            send(b"x" * 100, "text/plain", length=1000)
        elif path == "/silence":  # accept, read the request, close without a word
            return
        elif path == "/hang":  # never answer: only a timeout ends this
            self.stopping.wait(30)
        elif path == "/endless":  # a chunked body that never ends
            conn.sendall(
                OK_HEAD + b"Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            while not self.stopping.is_set():
                conn.sendall(b"10000\r\n" + b"y" * 0x10000 + b"\r\n")
        elif path.endswith("/api/news/sources"):
            if path.startswith("/broken"):
                send(b'{"sources": "none today"}')
                return
            ids = ["source-00", "source-01", "wrong-shape", "bad-utf8", "missing"]
            send(json.dumps({"sources": [{"id": i} for i in ids]}).encode())
        elif path.endswith("/api/news/articles"):
            source = query.get("source", [""])[0]
            if source.startswith("source-"):
                send(json.dumps({"articles": news_articles(source)}).encode())
            elif source == "wrong-shape":
                send(b'{"articles": 42}')
            elif source == "bad-utf8":
                send(b'{"articles": ["caf\xc3"]}')
            else:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        else:
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
