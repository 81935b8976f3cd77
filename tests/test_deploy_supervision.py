"""Every process of a deployment is supervised (docs/workers.md): compose
restarts each long-running service, and on a plain machine systemd runs the
web and one worker per queue, restarting them whatever stopped them."""

from __future__ import annotations

import configparser
from pathlib import Path

import yaml
from django.conf import settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / name)
    return parser


def test_compose_restarts_every_long_running_service_and_retries_the_migration() -> None:
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    restart = {name: service.get("restart") for name, service in services.items()}
    assert restart.pop("migrate") == "on-failure"
    assert set(restart.values()) == {"unless-stopped"}, restart
    for worker in ("publisher", "mailer"):
        assert "db_worker" in services[worker]["command"]


def test_systemd_runs_one_worker_per_queue_and_never_gives_up_on_it() -> None:
    worker = unit("newsroom-worker@.service")
    assert "db_worker --queue-name %i" in worker["Service"]["ExecStart"]
    assert worker["Service"]["Restart"] == "always"
    assert worker["Unit"]["StartLimitIntervalSec"] == "0"
    assert worker["Service"]["KillSignal"] == "SIGTERM"  # the task at hand finishes

    wanted = unit("newsroom.target")["Unit"]["Wants"].split()
    queues = settings.TASKS["default"]["QUEUES"]
    assert sorted(wanted) == sorted(
        ["newsroom-web.service", *(f"newsroom-worker@{q}.service" for q in queues)]
    )
    web = unit("newsroom-web.service")
    assert web["Service"]["Restart"] == "always"
    assert "gunicorn newsroom.wsgi" in web["Service"]["ExecStart"]
