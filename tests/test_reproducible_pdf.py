"""The same issue gives the same PDF bytes whatever else the machine has:
other installed fonts, the HarfBuzz subset library or not, the time of day.

Each render runs in a fresh Python process (fontconfig and WeasyPrint read
their set-up once per process), from the document the renderer makes of the
issue here.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from issues.models import Issue
from issues.rendering import documents
from newsroom.models import Newsletter
from newsroom.prerequisites import CJK_FAMILY
from tests.pdf_checks import assert_accessible_pdf
from tests.test_text_layer import HEADLINE, assert_text_layer_is_as_written, make_text_layer_issue

ROOT = Path(__file__).resolve().parent.parent

RENDER = """
import datetime, os, sys
import django
django.setup()
if "--without-harfbuzz-subset" in sys.argv:
    # As on a machine without libharfbuzz-subset: WeasyPrint subsets with fontTools.
    from weasyprint.pdf import fonts
    fonts.harfbuzz_subset = None
from issues.rendering import documents
html = sys.stdin.read()
date = datetime.datetime.fromisoformat(sys.argv[1])
sys.stdout.buffer.write(documents.html_to_pdf(html, date=date))
"""


def start_render(
    html: str,
    date: str,
    *arguments: str,
    env: dict[str, str] | None = None,
    within: Sequence[str] = (),
) -> subprocess.Popen[bytes]:
    environment = {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_DEBUG": "1",
        "DJANGO_SECRET_KEY": "tests-only-not-a-secret",
        **os.environ,
        **(env or {}),
    }
    process = subprocess.Popen(
        [*within, sys.executable, "-c", RENDER, date, *arguments],
        cwd=ROOT,
        env=environment,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None
    process.stdin.write(html.encode())
    process.stdin.close()
    return process


def finish(process: subprocess.Popen[bytes]) -> bytes:
    assert process.stdout is not None and process.stderr is not None
    pdf = process.stdout.read()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, errors
    assert pdf.startswith(b"%PDF"), errors
    return pdf


def font_count(env: dict[str, str]) -> int:
    listed = subprocess.run(
        ["fc-list", ":", "family"], capture_output=True, text=True, env={**os.environ, **env}
    )
    return len(set(listed.stdout.splitlines()))


@pytest.fixture
def cjk_only_fonts(tmp_path: Path) -> dict[str, str]:
    """A fontconfig set-up that knows the folder of the CJK fallback font and
    nothing else of the system's."""
    found = subprocess.run(
        ["fc-match", "--format=%{file}", CJK_FAMILY], capture_output=True, text=True
    )
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>{Path(found.stdout).parent}</dir><cachedir>{tmp_path / 'cache'}</cachedir>"
        "</fontconfig>"
    )
    return {"FONTCONFIG_FILE": str(config)}


def without_the_library_for_real() -> list[str]:
    """A command prefix that runs a program where libharfbuzz-subset really
    cannot be loaded (the file, in a private mount namespace, is empty), or
    [] where this machine does not let us (that needs root and unshare)."""
    maps = Path("/proc/self/maps")
    loaded = [
        line.split()[-1]
        for line in (maps.read_text().splitlines() if maps.exists() else [])
        if "libharfbuzz-subset" in line
    ]
    if not loaded or shutil.which("unshare") is None:
        return []
    within = [
        *("unshare", "--mount", "--propagation", "private", "sh", "-c"),
        'mount --bind /dev/null "$0" && exec "$@"',
        loaded[0],
    ]
    probe = subprocess.run([*within, "true"], capture_output=True)
    return within if probe.returncode == 0 else []


def document(issue: Issue) -> tuple[str, str]:
    """The issue's HTML as the renderer lays it out, and its date."""
    html = documents._document(issue, inline_css=False)
    return html, documents.issue_date(issue).isoformat()


pytestmark = pytest.mark.skipif(shutil.which("fc-match") is None, reason="needs fontconfig")


def test_two_font_environments_give_the_same_bytes(
    newsletter: Newsletter, alice: User, bob: User, cjk_only_fonts: dict[str, str]
) -> None:
    html, date = document(make_text_layer_issue(newsletter, alice, bob))
    assert font_count(cjk_only_fonts) < font_count({})  # the environments really differ
    system = start_render(html, date)
    sparse = start_render(html, date, env=cjk_only_fonts)
    system_pdf, sparse_pdf = finish(system), finish(sparse)
    assert system_pdf == sparse_pdf
    assert documents.html_to_pdf(html, date=datetime.datetime.fromisoformat(date)) == system_pdf
    assert_text_layer_is_as_written(system_pdf)
    assert_accessible_pdf(system_pdf, headlines=[HEADLINE])


def test_without_the_harfbuzz_subset_library_the_bytes_repeat_and_the_text_layer_holds(
    newsletter: Newsletter, alice: User, bob: User
) -> None:
    html, date = document(make_text_layer_issue(newsletter, alice, bob))
    first = start_render(html, date, "--without-harfbuzz-subset")
    time.sleep(1.1)  # fontTools would stamp a different second into each font
    # Where the machine lets us, the second render runs with the library
    # really gone, as on a machine without it; else with the stand-in again.
    within = without_the_library_for_real()
    second = start_render(
        html, date, *([] if within else ["--without-harfbuzz-subset"]), within=within
    )
    first_pdf, second_pdf = finish(first), finish(second)
    assert first_pdf == second_pdf
    # It really took the other path: HarfBuzz subsets the fonts differently.
    assert first_pdf != documents.html_to_pdf(html, date=datetime.datetime.fromisoformat(date))
    assert_text_layer_is_as_written(first_pdf)  # the Hanzi name too
    assert_accessible_pdf(first_pdf, headlines=[HEADLINE])
