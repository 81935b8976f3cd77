"""Every process of a deployment is supervised (docs/workers.md): compose
restarts each long-running service, and on a plain machine systemd runs the
web, one worker per queue and the render service, restarting them whatever
stopped them."""

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
        [
            "newsroom-render.service",
            "newsroom-web.service",
            *(f"newsroom-worker@{q}.service" for q in queues),
        ]
    )
    web = unit("newsroom-web.service")
    assert web["Service"]["Restart"] == "always"
    assert "gunicorn newsroom.wsgi" in web["Service"]["ExecStart"]


def test_the_render_service_runs_beside_web_and_workers_wherever_they_run() -> None:
    render = unit("newsroom-render.service")
    assert render["Service"]["ExecStart"].endswith("manage.py render_server")
    assert render["Service"]["Restart"] == "always"
    assert render["Service"]["User"] == unit("newsroom-web.service")["Service"]["User"]
    for name in ("newsroom-web.service", "newsroom-worker@.service"):
        assert "newsroom-render.service" in unit(name)["Unit"]["After"]
    # compose: one service, and its socket on a volume every process that
    # renders mounts, at the path they all look at.
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    assert services["render"]["command"] == "python manage.py render_server"
    socket = Path(services["render"]["environment"]["NEWSROOM_RENDER_SOCKET"])
    for name in ("render", "web", "publisher", "mailer"):
        assert services[name]["environment"]["NEWSROOM_RENDER_SOCKET"] == str(socket)
        mounts = [volume.split(":")[1] for volume in services[name]["volumes"]]
        assert any(socket.is_relative_to(mount) for mount in mounts), name
