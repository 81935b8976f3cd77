"""A TCP proxy on loopback that a test can cut and restore, to play a
database outage for the processes that connect through it.

`cut()` closes the listening socket and every connection it carries, so a
client sees what it sees when PostgreSQL goes down: its connection breaks,
and a new one is refused. `restore()` listens again on the same port."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Proxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        self.listener: socket.socket | None = None
        self.port = 0
        self.cuts = 0

    def restore(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self.accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        self.cuts += 1
        with self.lock:
            doomed = [s for s in (self.listener, *self.sockets) if s is not None]
            self.listener = None
            self.sockets.clear()
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # cut
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                if self.listener is not listener:  # cut meanwhile
                    client.close()
                    upstream.close()
                    return
                self.sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pump, args=(source, sink), daemon=True).start()

    def pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with self.lock:
            self.sockets.discard(source)
        source.close()


@contextmanager
def tcp_proxy(host: str, port: int) -> Iterator[Proxy]:
    """A proxy to (host, port), listening on 127.0.0.1:`proxy.port`."""
    proxy = Proxy((host, port))
    proxy.restore()
    try:
        yield proxy
    finally:
        proxy.cut()
