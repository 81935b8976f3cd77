"""The system prerequisites: one list, checked by make, CI and Django.

A library is "hidden" the way a machine without it looks to the dynamic
loader: ctypes.CDLL raises OSError for it. A font is hidden by pointing
fontconfig at a configuration without fonts.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core import checks

from issues.rendering import documents
from newsroom import prerequisites

REAL_CDLL = ctypes.CDLL
ROOT = Path(__file__).resolve().parent.parent

WITHOUT_LIBRARY = """
import ctypes
real = ctypes.CDLL
def without(name, *args, **kwargs):
    if {hidden!r} in name:
        raise OSError(name + ": cannot open shared object file")
    return real(name, *args, **kwargs)
ctypes.CDLL = without
"""
HIDE_LIBRARY = (
    WITHOUT_LIBRARY
    + """
import sys
from newsroom import prerequisites
sys.exit(prerequisites.main(sys.argv[1:]))
"""
)


def run_check(
    *arguments: str, hidden: str = "nothing-hidden", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HIDE_LIBRARY.format(hidden=hidden), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


@pytest.fixture
def no_fonts(tmp_path: Path) -> dict[str, str]:
    """A fontconfig set-up that knows no font at all."""
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>"
    )
    return {"FONTCONFIG_FILE": str(config)}


def test_without_the_harfbuzz_subset_library_the_check_stops_with_the_install_command() -> None:
    done = run_check(hidden="harfbuzz-subset")
    assert done.returncode == 1
    assert "HarfBuzz subset library (libharfbuzz-subset0)" in done.stderr
    expected = "apt-get install libharfbuzz-subset0"
    if sys.platform == "darwin":
        expected = "brew install harfbuzz"
    assert expected in done.stderr.splitlines()[-1]
    assert "Pango" not in done.stderr  # only what is missing is named


def test_without_the_cjk_font_the_check_names_the_font_package(no_fonts: dict[str, str]) -> None:
    done = run_check(env=no_fonts)
    assert done.returncode == 1
    assert "Noto Sans CJK SC font (fonts-noto-cjk)" in done.stderr
    assert "fonts-noto-cjk" in done.stderr.splitlines()[-1]


def test_a_missing_browser_stops_the_check_only_where_the_browser_is_required() -> None:
    # CI itself runs with NEWSROOM_REQUIRE_BROWSER=1: say both cases explicitly.
    no_browser = {"NEWSROOM_CHROMIUM": "/nonexistent/chromium", "NEWSROOM_REQUIRE_BROWSER": ""}
    relaxed = run_check("--browser", env=no_browser)
    required = run_check("--browser", env={**no_browser, "NEWSROOM_REQUIRE_BROWSER": "1"})
    assert relaxed.returncode == 0
    assert required.returncode == 1
    assert "Chromium (chromium)" in required.stderr
    assert "chromium" in required.stderr.splitlines()[-1]


def stand_ins(folder: Path, **programs: str) -> dict[str, str]:
    """Executables in `folder`, first on the PATH of the environment returned."""
    folder.mkdir(parents=True, exist_ok=True)
    for program, body in programs.items():
        script = folder / program.replace("_", "-")
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(0o755)
    return {"PATH": f"{folder}:{os.environ['PATH']}"}


def fake_apt(folder: Path, log: Path) -> dict[str, str]:
    """apt-get and sudo that only record what they were asked: the library
    stays hidden, so the check still fails afterwards."""
    return stand_ins(
        folder, apt_get=f'echo "$@" >> {log}', sudo='shift; [ "$1" = true ] && exit 0; exec "$@"'
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="apt-get is Debian/Ubuntu's")
def test_where_it_may_the_check_installs_the_missing_packages_announcing_it_in_one_line(
    tmp_path: Path,
) -> None:
    log = tmp_path / "apt.log"
    done = run_check("--install", hidden="harfbuzz-subset", env=fake_apt(tmp_path / "bin", log))
    assert done.stdout == (
        "Newsroom: installing missing system packages: apt-get install libharfbuzz-subset0\n"
    )
    assert log.read_text().splitlines() == [
        "update -q",
        "install -y -q --no-install-recommends libharfbuzz-subset0",
    ]
    assert done.returncode == 1
    assert "apt-get install libharfbuzz-subset0" in done.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("target", ["test", "run"])
def test_make_without_a_library_stops_in_seconds_with_the_install_command(
    target: str, tmp_path: Path
) -> None:
    # Every Python that make starts loses the library (site imports sitecustomize).
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "sitecustomize.py").write_text(WITHOUT_LIBRARY.format(hidden="harfbuzz-subset"))
    # A stand-in virtual environment whose tools fail at once: had the check
    # let make through, it would stop there instead of running this suite
    # again or serving.
    venv = tmp_path / "venv"
    stand_ins(venv / "bin", ruff="echo venv ran; exit 3", python="echo venv ran; exit 3")
    (venv / ".installed").touch()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MAKE")}
    environment |= fake_apt(tmp_path / "bin", tmp_path / "apt.log")
    environment["PYTHONPATH"] = str(hidden)
    started = time.monotonic()
    done = subprocess.run(
        ["make", "-s", target, f"PYTHON={sys.executable}", f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    seconds = time.monotonic() - started
    assert done.returncode != 0
    assert "venv ran" not in done.stdout
    message = done.stderr.splitlines()
    assert "  - HarfBuzz subset library (libharfbuzz-subset0): " in "\n".join(message)
    command = message[message.index("Install them with:") + 1].strip()
    assert command in ("apt-get install libharfbuzz-subset0", "brew install harfbuzz")
    assert seconds < 15, f"the check took {seconds:.1f} s"


def test_ci_installs_the_same_list_and_no_second_copy_of_it() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    install = ci[ci.index("apt-get install") : ci.index(">/dev/null", ci.index("apt-get install"))]
    # The project's list, then CI's own tools: psql, and faketime for the
    # clock-moved runs of scripts/test-suite.
    assert install.split()[-3:] == ["--list-debian)", "postgresql-client", "faketime"]
    for package in prerequisites.debian_packages(prerequisites.PREREQUISITES):
        assert f" {package} " not in f" {install} "


def without_subset_library(name: str, *args: Any, **kwargs: Any) -> Any:
    if "harfbuzz-subset" in name:
        raise OSError(name)
    return REAL_CDLL(name, *args, **kwargs)


def test_the_django_check_reports_a_hidden_library_with_its_install_command() -> None:
    with mock.patch.object(prerequisites.ctypes, "CDLL", without_subset_library):
        messages = checks.run_checks(tags=["prerequisites"])
    assert [(m.id, m.level) for m in messages] == [("newsroom.E002", checks.ERROR)]
    assert "apt-get install libharfbuzz-subset0" in str(messages[0].hint)


@pytest.mark.parametrize(
    "command", [["check"], ["db_worker", "--batch", "--no-startup-delay"]], ids=lambda c: c[0]
)
def test_manage_py_check_and_a_task_worker_refuse_to_start_without_a_library(
    command: list[str], tmp_path: Path
) -> None:
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "sitecustomize.py").write_text(WITHOUT_LIBRARY.format(hidden="harfbuzz-subset"))
    done = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "PYTHONPATH": str(hidden),
            "DJANGO_DEBUG": "1",
            "DJANGO_SECRET_KEY": "tests-only-not-a-secret",
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            # An empty database: a worker that did start would stop at once.
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        },
    )
    assert done.returncode == 1
    assert "(newsroom.E002) HarfBuzz subset library is missing" in done.stderr
    assert "HINT: Install it with: " in done.stderr


def test_a_render_worker_says_at_start_what_the_machine_lacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with mock.patch.object(prerequisites.ctypes, "CDLL", without_subset_library):
        documents.warm_up()
    (record,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert record.name == "issues.rendering.documents"
    assert "HarfBuzz subset library is missing" in record.getMessage()
    assert "apt-get install libharfbuzz-subset0 (newsroom.E002)" in record.getMessage()


def test_the_django_check_is_silent_on_a_machine_with_everything() -> None:
    assert prerequisites.missing() == []
    assert checks.run_checks(tags=["prerequisites"]) == []


def test_the_readme_names_every_package_for_both_platforms() -> None:
    readme = (ROOT / "README.md").read_text()
    debian, homebrew = readme.split("```sh")[0].splitlines()[-3:-1]
    packages = " ".join(prerequisites.debian_packages(prerequisites.PREREQUISITES))
    assert debian.endswith(f"`sudo apt-get install {packages}`")
    for p in prerequisites.PREREQUISITES:
        assert p.homebrew.split()[-1] in homebrew
