"""The render service (`manage.py render_server`, issues/rendering/service.py):
one render pool per machine that web and task processes send their renders
to, with each process's own pool as the fallback where none answers."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Client
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from pypdf import PdfReader

from issues.rendering import documents
from issues.rendering import jobs as render_jobs
from issues.rendering import pool as render_pool
from issues.rendering import service as render_service
from issues.rendering.jobs import UnknownJob, worker_pid

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = '<html lang="en"><body><h1>Saltmarsh</h1><p>The ferry runs at dawn.</p></body></html>'
# Long enough to lay out (a second or more) that the service can be killed
# while it works on it.
LONG_DOCUMENT = (
    '<html lang="en"><body>'
    + "".join(f"<h2>Part {n}</h2><p>{'The harbour board met again. ' * 80}</p>" for n in range(150))
    + "</body></html>"
)


def environment(socket: Path) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "TZ", "FONTCONFIG_PATH", "FONTCONFIG_FILE", "HOME")
    return {k: os.environ[k] for k in keep if k in os.environ} | {
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_ENV_FILE": str(socket.parent / "no-such.env"),
        "DJANGO_DEBUG": "1",
        # The same key as this process: the service and its clients prove it.
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "NEWSROOM_RENDER_SOCKET": str(socket),
    }


def parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rpartition(")")[2].split()[1])


def start_service(socket: Path) -> subprocess.Popen[bytes]:
    service = subprocess.Popen(
        [sys.executable, "manage.py", "render_server"],
        cwd=ROOT,
        env=environment(socket),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not socket.exists():
        if service.poll() is not None or time.monotonic() > deadline:
            service.kill()
            output = service.communicate()[0].decode()
            pytest.fail(f"the render service did not start:\n{output}")
        time.sleep(0.05)
    return service


def stop(service: subprocess.Popen[bytes]) -> None:
    if service.poll() is None:
        service.terminate()
        try:
            service.wait(20)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()


@pytest.fixture
def socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "render" / "render.sock"
    with override_settings(NEWSROOM_RENDER_SOCKET=str(path)):
        yield path
    render_service._drop_connection()


@pytest.fixture
def service(socket: Path) -> Iterator[subprocess.Popen[bytes]]:
    process = start_service(socket)
    yield process
    stop(process)


CLIENT = textwrap.dedent(
    """
    import io, json, multiprocessing.forkserver, os, sys
    from pathlib import Path
    import django
    django.setup()
    from pypdf import PdfReader
    from issues.rendering import documents, jobs as render_jobs, pool as render_pool
    pdf = render_pool.run(documents.html_to_pdf, sys.argv[1])
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    children = [
        c for task in Path("/proc/self/task").iterdir()
        for c in (task / "children").read_text().split()
    ]
    print(json.dumps({
        "text": text,
        "worker": render_pool.run(render_jobs.worker_pid),
        "fork_server": multiprocessing.forkserver._forkserver._forkserver_pid,
        "children": children,
    }))
    """
)


def test_two_client_processes_render_through_the_one_service(
    socket: Path, service: subprocess.Popen[bytes]
) -> None:
    assert oct(socket.stat().st_mode & 0o777) == "0o600"
    assert oct(socket.parent.stat().st_mode & 0o777) == "0o700"
    clients = [
        subprocess.Popen(
            [sys.executable, "-c", CLIENT, DOCUMENT],
            cwd=ROOT,
            env=environment(socket),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    answers = []
    for client in clients:
        out, err = client.communicate(timeout=120)
        assert client.returncode == 0, err.decode()
        answers.append(json.loads(out.decode().strip().splitlines()[-1]))
    for answer in answers:
        assert "The ferry runs at dawn." in answer["text"]
        # Laid out by a worker of the service's (forked by its fork server),
        # not by anything the client started.
        assert parent_of(parent_of(answer["worker"])) == service.pid
        assert answer["fork_server"] is None
        assert answer["children"] == []


def test_this_process_renders_through_the_service_and_gets_its_errors(
    socket: Path, service: subprocess.Popen[bytes]
) -> None:
    pdf = render_pool.run(documents.html_to_pdf, DOCUMENT)
    assert "Saltmarsh" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    worker = render_pool.run(worker_pid)
    assert parent_of(parent_of(worker)) == service.pid
    # A limit passed in the service's worker is told here as in a pool of one's own.
    with pytest.raises(render_jobs.TooBig, match="more than 512 MB of memory"):
        render_pool.run(render_jobs.hold_memory, 2 * 1024**3)
    with pytest.raises(AttributeError, match="timestamp"):  # the job's own error
        render_pool.run(documents.html_to_pdf, DOCUMENT, "not a date")


def test_the_service_refuses_a_job_it_does_not_know(
    socket: Path, service: subprocess.Popen[bytes]
) -> None:
    before = render_pool.run(worker_pid)
    for name in ("os.system", "builtins.eval", "issues.rendering.warm_up"):
        with pytest.raises(UnknownJob, match="is not a render job"):
            render_pool.run(name, "true")
    # Straight at the socket, as any process holding the key could.
    with Client(str(socket), family="AF_UNIX", authkey=render_service.authkey()) as conn:
        conn.send(("subprocess.run", (["touch", str(socket.parent / "owned")],), 5.0))
        status, error = conn.recv()
    assert status == "error"
    assert isinstance(error, UnknownJob)
    assert not (socket.parent / "owned").exists()
    assert render_pool.run(worker_pid) == before  # refused at the door; the service goes on


def test_a_process_without_the_key_is_turned_away(
    socket: Path, service: subprocess.Popen[bytes]
) -> None:
    from multiprocessing import AuthenticationError

    with pytest.raises(AuthenticationError):
        Client(str(socket), family="AF_UNIX", authkey=b"a guess")
    assert render_pool.run(worker_pid) > 0  # and the service goes on


def test_without_the_service_a_process_renders_with_its_own_pool(socket: Path) -> None:
    assert not socket.exists()
    worker = render_pool.run(worker_pid)
    # This process's own fork server forked it.
    assert parent_of(parent_of(worker)) == os.getpid()
    pdf = render_pool.run(documents.html_to_pdf, DOCUMENT)
    assert "Saltmarsh" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_a_job_survives_the_service_restarting_under_it(
    socket: Path, service: subprocess.Popen[bytes], caplog: pytest.LogCaptureFixture
) -> None:
    render_pool.run(worker_pid)  # a warm worker in the service
    result: dict[str, bytes | BaseException] = {}

    def render() -> None:
        try:
            result["pdf"] = render_pool.run(documents.html_to_pdf, LONG_DOCUMENT)
        except BaseException as exc:
            result["error"] = exc

    with caplog.at_level(logging.WARNING, logger="issues.rendering.service"):
        job = threading.Thread(target=render)
        job.start()
        time.sleep(0.5)  # the job is in the service's worker
        service.send_signal(signal.SIGKILL)  # as the kernel's OOM killer would
        service.wait()
        replacement = start_service(socket)  # as systemd would, on the stale socket
        try:
            job.join(120)
            renderer = parent_of(parent_of(render_pool.run(worker_pid)))
        finally:
            stop(replacement)
    assert "error" not in result, result.get("error")
    assert len(PdfReader(io.BytesIO(result["pdf"])).pages) > 10  # type: ignore[arg-type]
    assert "sending it again" in caplog.text
    assert "renders with render workers of its own" not in caplog.text
    assert renderer == replacement.pid


def test_when_the_service_stays_away_the_process_renders_itself_and_says_so(
    socket: Path,
    service: subprocess.Popen[bytes],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(render_service, "RECONNECT_SECONDS", 1.0)
    monkeypatch.setattr(render_service, "_fallback_logged", False)
    render_pool.run(worker_pid)  # connected
    service.send_signal(signal.SIGKILL)
    service.wait()
    assert socket.exists()  # left behind: nobody answers on it
    with caplog.at_level(logging.WARNING, logger="issues.rendering.service"):
        worker = render_pool.run(worker_pid)
    assert parent_of(parent_of(worker)) == os.getpid()
    assert "no render service answers at" in caplog.text
    assert "this process renders with render workers of its own" in caplog.text


def test_the_service_will_not_listen_where_others_can_reach(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    done = subprocess.run(
        [sys.executable, "manage.py", "render_server", "--socket", str(shared / "render.sock")],
        cwd=ROOT,
        env=environment(shared / "render.sock"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "is open to other users (mode 755)" in done.stderr
    assert "chmod 700 it" in done.stderr
    assert not (shared / "render.sock").exists()


class Interrupted(Exception):
    pass


def test_a_call_interrupted_mid_job_leaves_no_answer_for_the_next(
    socket: Path, service: subprocess.Popen[bytes]
) -> None:
    render_pool.run(worker_pid)  # connected, a warm worker

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted("the request ran out of time")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        with pytest.raises(Interrupted):
            render_pool.run(documents.html_to_pdf, LONG_DOCUMENT)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    # The PDF of the interrupted job is never taken for this answer.
    assert render_pool.run(render_jobs.echo, b"mine") == b"mine"
