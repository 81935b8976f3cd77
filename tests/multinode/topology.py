"""Newsroom on several "machines", on this one: the test topology.

Starts, all on loopback and one PostgreSQL database:

- moto's standalone S3 server (the object store; a bucket for the artifacts),
- two gunicorn web nodes on two ports, each in a working directory of its
  own (nothing on disk is shared between them),
- two `db_worker` processes taking every queue (rendering, publishing, mail),

each in its own process group, so that a node can be killed whole
(`kill_node`) as a machine that dies would be. Mail goes to an SMTP server
the caller runs (tests/smtp_sink.py).

Used by tests/multinode/test_topology.py. Also runnable by hand against a
database of your own, with the demo content:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_topology \\
        .venv/bin/python -m tests.multinode.topology

prints the two addresses (demo logins from seed_demo) and runs until Ctrl+C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from tests.s3_server import (
    ACCESS_KEY,
    REGION,
    SECRET_KEY,
    create_bucket,
    free_port,
    moto_server,
    stop,
    wait_for_http,
)

ROOT = Path(__file__).resolve().parent.parent.parent
BUCKET = "newsroom-artifacts"
START_TIMEOUT = 60.0


@dataclass
class Node:
    name: str
    workdir: Path
    process: subprocess.Popen[bytes]
    url: str = ""

    @property
    def log(self) -> Path:
        return self.workdir / f"{self.name}.log"


@dataclass
class Topology:
    s3_url: str
    bucket: str
    env: dict[str, str] = field(default_factory=dict)
    web: list[Node] = field(default_factory=list)
    workers: list[Node] = field(default_factory=list)

    def worker(self, worker_id: str) -> Node:
        return next(node for node in self.workers if node.name == worker_id)

    def logs(self) -> str:
        """The tail of every node's log, for a failing test's report."""
        parts = []
        for node in [*self.web, *self.workers]:
            text = node.log.read_text(errors="replace") if node.log.exists() else ""
            parts.append(f"--- {node.name} ---\n{text[-3000:]}")
        return "\n".join(parts)


def node_environment(
    *, database_url: str, s3_url: str, bucket: str, mail_port: int, site_url: str, home: Path
) -> dict[str, str]:
    """What every node is given: the same database, bucket, secret and mail
    server; nothing of this checkout's .env, and a home of its own."""
    keep = ("PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT", "FONTCONFIG_PATH", "FONTCONFIG_FILE")
    return {k: os.environ[k] for k in keep if k in os.environ} | {
        "HOME": str(home),
        "TMPDIR": str(home),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_ENV_FILE": str(home / "no-such.env"),
        # Debug on for plain HTTP on loopback (no TLS proxy here) and static
        # files without collectstatic; everything else is as in production.
        "DJANGO_DEBUG": "1",
        "DJANGO_SECRET_KEY": "multinode-topology-shared-secret",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_URL": f"smtp://127.0.0.1:{mail_port}",
        "NEWSROOM_SITE_URL": site_url,
        "NEWSROOM_ARTIFACTS_S3_BUCKET": bucket,
        "NEWSROOM_ARTIFACTS_S3_ENDPOINT_URL": s3_url,
        "NEWSROOM_ARTIFACTS_S3_REGION": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "NEWSROOM_DOWNLOADS": "redirect",
        "NEWSROOM_SIGNED_LINK_SECONDS": "60",
        # A dead sender's claimed mails are taken over after this, and a
        # refused mail is retried after that: short, so the test is short.
        "NEWSROOM_DELIVERY_LEASE_SECONDS": "5",
        "NEWSROOM_DELIVERY_BACKOFF": "1",
        # A worker silent this long is dead; its running task is taken back.
        "NEWSROOM_WORKER_LOST_AFTER": "5",
        "NEWSROOM_RENDER_WORKERS": "1",
        "NEWSROOM_ARTIFACTS_ROOT": str(home / "artifacts"),
        "DJANGO_MEDIA_ROOT": str(home / "media"),
    }


def spawn(name: str, command: list[str], *, workdir: Path, env: dict[str, str]) -> Node:
    workdir.mkdir(parents=True, exist_ok=True)
    log = (workdir / f"{name}.log").open("wb")
    try:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed whole
        )
    finally:
        log.close()
    return Node(name, workdir, process)


def kill_node(node: Node) -> None:
    """SIGKILL the node and every process it started, at once, as a machine
    that loses power: no cleanup, no goodbye to the database or mail server."""
    with suppress(ProcessLookupError):
        os.killpg(node.process.pid, signal.SIGKILL)
    node.process.wait(timeout=10)


@contextmanager
def topology(*, database_url: str, mail_port: int, base: Path | None = None) -> Iterator[Topology]:
    """Start the S3 server, two web nodes and two workers; stop every one of
    them on the way out, whatever happened."""
    with ExitStack() as stack:
        if base is None:
            base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="newsroom-nodes-")))
        s3_url = stack.enter_context(moto_server(base / "s3.log"))
        create_bucket(s3_url, BUCKET)
        running = Topology(s3_url=s3_url, bucket=BUCKET)
        ports = [free_port(), free_port()]
        site_url = f"http://127.0.0.1:{ports[0]}"

        def environment(home: Path) -> dict[str, str]:
            home.mkdir(parents=True, exist_ok=True)
            return node_environment(
                database_url=database_url,
                s3_url=s3_url,
                bucket=BUCKET,
                mail_port=mail_port,
                site_url=site_url,
                home=home,
            )

        try:
            for name, port in zip(("web-a", "web-b"), ports, strict=True):
                home = base / name
                node = spawn(
                    name,
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "newsroom.wsgi",
                        "--pythonpath",
                        str(ROOT),
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        "2",
                        "--timeout",
                        "60",
                        "--access-logfile",
                        "-",
                    ],
                    workdir=home,
                    env=environment(home),
                )
                node.url = f"http://127.0.0.1:{port}"
                running.web.append(node)
                running.env = running.env or environment(home)
            for name in ("worker-a", "worker-b"):
                home = base / name
                running.workers.append(
                    spawn(
                        name,
                        [
                            sys.executable,
                            str(ROOT / "manage.py"),
                            "db_worker",
                            "--queue-name",
                            "*",
                            "--worker-id",
                            name,
                            "--interval",
                            "0.2",
                            "--no-reload",
                            "--no-startup-delay",
                        ],
                        workdir=home,
                        env=environment(home),
                    )
                )
            deadline = time.monotonic() + START_TIMEOUT
            for node in running.web:
                wait_for_http(
                    node.url + "/healthz",
                    timeout=max(1.0, deadline - time.monotonic()),
                    process=node.process,
                )
            yield running
        finally:
            for node in [*running.workers, *running.web]:
                stop(node.process)


def main() -> None:  # pragma: no cover - by hand
    from tests.smtp_sink import smtp_sink

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is migrated and seeded).")
    env = {**os.environ, "DJANGO_DEBUG": "1", "DJANGO_SECRET_KEY": "topology"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    with (
        smtp_sink(delay=0.0, refuse_every=0) as (sink, port),
        topology(database_url=database_url, mail_port=port) as running,
    ):
        # Seeded like a node, so that its published issues go to the bucket.
        subprocess.run([*manage, "seed_demo"], env=running.env, check=True)
        print(f"S3 (moto): {running.s3_url}, bucket {running.bucket}")
        for node in running.web:
            print(f"{node.name}: {node.url}  (log {node.log})")
        for node in running.workers:
            print(f"{node.name}: db_worker pid {node.process.pid}  (log {node.log})")
        print("Ctrl+C stops everything.")
        try:
            while all(n.process.poll() is None for n in [*running.web, *running.workers]):
                time.sleep(1)
            print("A node stopped; see its log.")
        except KeyboardInterrupt:
            pass
        print(f"mails accepted: {sum(sink.accepted.values())}")


if __name__ == "__main__":
    main()
