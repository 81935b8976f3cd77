"""moto's standalone S3 server on a loopback port: a real HTTP object store
for the tests, spoken to in plain S3 by boto3 and django-storages exactly
as AWS or MinIO would be. It comes from the virtual environment (the dev
extras); nothing is fetched."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

# Credentials the server accepts (it accepts any); never real ones.
ACCESS_KEY = "newsroom-test"
SECRET_KEY = "newsroom-test-secret"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_http(url: str, *, timeout: float, process: subprocess.Popen[bytes]) -> None:
    """Return once `url` answers at all (any status), or fail within `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 - loopback only
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing answered at {url} within {timeout} s") from None
            time.sleep(0.1)


def stop(process: subprocess.Popen[bytes], *, grace: float = 5.0) -> None:
    """End `process` and everything it started (its own process group)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


@contextmanager
def moto_server(log: Path | None = None, *, timeout: float = 30.0) -> Iterator[str]:
    """The endpoint URL (http://127.0.0.1:PORT) of a moto S3 server for the duration."""
    port = free_port()
    out = log.open("wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(url + "/moto-api/", timeout=timeout, process=process)
        yield url
    finally:
        stop(process)
        if log and not isinstance(out, int):
            out.close()


def create_bucket(endpoint_url: str, bucket: str) -> None:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    client.create_bucket(Bucket=bucket)
