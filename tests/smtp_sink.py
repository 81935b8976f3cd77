"""A small SMTP server on loopback for delivery tests: slow, and refusing
some mails the first time (as a busy mail server does, with 451).

With `hold_at=N` it keeps the N-th mail (to an address starting with
`hold_prefix`) unanswered until told to let go, so
that a test can kill the sender while it waits; that mail is then dropped,
never accepted (the server never said 250), as a real server would."""

from __future__ import annotations

import contextlib
import socketserver
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class Sink:
    def __init__(
        self,
        delay: float,
        refuse_every: int,
        hold_at: int = 0,
        hold_prefix: str = "",
        keep_messages: bool = False,
    ) -> None:
        self.delay = delay
        self.refuse_every = refuse_every
        self.accepted: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.offered = 0
        self.lock = threading.Lock()
        self.hold_at = hold_at
        self.hold_prefix = hold_prefix
        self.received = 0
        self.holding = threading.Event()
        self.release = threading.Event()
        self.held: list[str] = []
        # (recipients, message bytes) of each accepted mail, in order, if kept.
        self.keep_messages = keep_messages
        self.messages: list[tuple[list[str], bytes]] = []

    def hold(self, recipients: list[str]) -> bool:
        """Whether this mail is the one to hold; if so, wait until released."""
        if not all(r.startswith(self.hold_prefix) for r in recipients):
            return False
        with self.lock:
            self.received += 1
            if self.received != self.hold_at:
                return False
            self.held = list(recipients)
        self.holding.set()
        self.release.wait(timeout=120)
        return True

    def decide(self, recipients: list[str], data: bytes = b"") -> bool:
        """Accept, or refuse (temporarily) every `refuse_every`-th new mail."""
        time.sleep(self.delay)
        with self.lock:
            self.offered += 1
            first_time = not any(self.refused[r] for r in recipients)
            if first_time and self.refuse_every and self.offered % self.refuse_every == 0:
                for recipient in recipients:
                    self.refused[recipient] += 1
                return False
            for recipient in recipients:
                self.accepted[recipient] += 1
            if self.keep_messages:
                self.messages.append((list(recipients), data))
            return True


class Handler(socketserver.StreamRequestHandler):
    server: Server

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 sink ready")
        recipients: list[str] = []
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = bytearray()
                while (data_line := self.rfile.readline()) not in (b".\r\n", b""):
                    data += data_line[1:] if data_line.startswith(b"..") else data_line
                if self.server.sink.hold(recipients):
                    with contextlib.suppress(OSError):  # the sender is gone
                        self.reply("421 closing, the mail was not accepted")
                    return
                if self.server.sink.decide(recipients, bytes(data)):
                    self.reply("250 queued")
                else:
                    self.reply("451 busy, try again later")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # RSET, NOOP
                self.reply("250 OK")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    # As a mail server's: senders open several connections at once, and the
    # default backlog of 5 drops the others' first SYN (a retry a second later).
    request_queue_size = 128
    sink: Sink


@contextmanager
def smtp_sink(
    delay: float = 0.002,
    refuse_every: int = 20,
    hold_at: int = 0,
    hold_prefix: str = "",
    keep_messages: bool = False,
) -> Iterator[tuple[Sink, int]]:
    """(sink, port) of a server on 127.0.0.1 for the duration."""
    server = Server(("127.0.0.1", 0), Handler)
    server.sink = Sink(delay, refuse_every, hold_at, hold_prefix, keep_messages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.sink, server.server_address[1]
    finally:
        server.sink.release.set()
        server.shutdown()
        server.server_close()
