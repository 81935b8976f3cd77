"""What the system must provide for Newsroom, checked in one place.

This list is the one source of truth: `make run` and `make test` run this
module before anything else (`python -m newsroom.prerequisites`), `.ci/run`
runs it to install the packages, and the Django system check
(`newsroom.checks`) reports the same at the start-up of any process that
renders. It uses the standard library only, so that it runs before the
virtual environment exists and with any Python 3.

    python -m newsroom.prerequisites            # check; exit 1 with the install command
    python -m newsroom.prerequisites --install  # also apt-get install what is missing, if allowed
    python -m newsroom.prerequisites --browser  # Chromium too (the browser journeys)

Installing happens only on Debian/Ubuntu, as root or with passwordless sudo;
anywhere else the check stops with the exact command to run.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

# The CJK font the issue stylesheet falls back to for Chinese, Japanese and
# Korean characters (static/css/issue.css names the same family).
CJK_FAMILY = "Noto Sans CJK SC"
# The browser the journeys in tests/e2e/ drive (their conftest reads the same variable).
CHROMIUM = os.environ.get("NEWSROOM_CHROMIUM", "/usr/bin/chromium")
# The names a shared library goes by on Linux and macOS.
PANGO = ("libpango-1.0.so.0", "libpango-1.0.dylib", "libpango-1.0.0.dylib")
HARFBUZZ = ("libharfbuzz.so.0", "libharfbuzz.0.dylib")


@dataclass(frozen=True)
class Prerequisite:
    name: str
    why: str
    debian: tuple[str, ...]
    homebrew: str
    # Each entry: the names one shared library goes by (Linux, macOS).
    libraries: tuple[tuple[str, ...], ...] = ()
    font_family: str = ""
    program: str = ""
    browser: bool = False  # needed by the browser journeys only

    def is_present(self) -> bool:
        if not all(_loads(names) for names in self.libraries):
            return False
        if self.font_family and not _font_installed(self.font_family):
            return False
        return not self.program or os.access(self.program, os.X_OK)


PREREQUISITES: tuple[Prerequisite, ...] = (
    Prerequisite(
        name="Pango",
        why="lays out the issue's text (WeasyPrint)",
        debian=("libpango-1.0-0", "libpangoft2-1.0-0"),
        homebrew="pango",
        libraries=(
            PANGO,
            ("libpangoft2-1.0.so.0", "libpangoft2-1.0.dylib", "libpangoft2-1.0.0.dylib"),
        ),
    ),
    Prerequisite(
        name="HarfBuzz subset library",
        why="embeds fonts in the PDF, the same bytes on every machine",
        debian=("libharfbuzz-subset0",),
        homebrew="harfbuzz",
        libraries=(("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib"),),
    ),
    Prerequisite(
        name="Fontconfig",
        why="finds the shipped and the fallback fonts",
        debian=("fontconfig",),
        homebrew="fontconfig",
        libraries=(("libfontconfig.so.1", "libfontconfig.1.dylib"),),
    ),
    Prerequisite(
        name=f"{CJK_FAMILY} font",
        why="prints Chinese, Japanese and Korean characters (not boxes)",
        debian=("fonts-noto-cjk",),
        homebrew="--cask font-noto-sans-cjk",
        font_family=CJK_FAMILY,
    ),
    Prerequisite(
        name="Chromium",
        why="runs the browser journeys in tests/e2e/",
        debian=("chromium",),
        homebrew="--cask chromium",
        program=CHROMIUM,
        browser=True,
    ),
)


def _loads(names: Sequence[str]) -> bool:
    """Whether the dynamic loader finds one of `names`, as WeasyPrint's will."""
    for name in names:
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return True
    return False


def library_version(names: Sequence[str], function: str) -> str:
    """What a library's `function` (returning a C string) says, e.g.
    HarfBuzz's hb_version_string; "unknown" if it cannot be loaded."""
    for name in names:
        try:
            report = getattr(ctypes.CDLL(name), function)
        except (OSError, AttributeError):
            continue
        report.restype = ctypes.c_char_p
        return str(report().decode())
    return "unknown"


def _font_installed(family: str) -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run(  # noqa: S603 - fc-list with a fixed pattern
        [fc_list, f":family={family}", "family"], capture_output=True, text=True, check=False
    )
    return found.returncode == 0 and bool(found.stdout.strip())


def missing(*, browser: bool = False) -> list[Prerequisite]:
    """The prerequisites this machine lacks (Chromium only if `browser`)."""
    return [p for p in PREREQUISITES if (browser or not p.browser) and not p.is_present()]


def debian_packages(prerequisites: Sequence[Prerequisite]) -> list[str]:
    return [package for p in prerequisites for package in p.debian]


def install_command(prerequisites: Sequence[Prerequisite]) -> str:
    """The command a person runs on this platform to install `prerequisites`."""
    if sys.platform == "darwin":
        formulas = [p.homebrew for p in prerequisites if not p.homebrew.startswith("--cask")]
        casks = [p.homebrew.split()[-1] for p in prerequisites if p.homebrew.startswith("--cask")]
        commands = [f"brew install {' '.join(formulas)}"] if formulas else []
        commands += [f"brew install --cask {' '.join(casks)}"] if casks else []
        return " && ".join(commands)
    sudo = "" if _is_root() else "sudo "
    return f"{sudo}apt-get install {' '.join(debian_packages(prerequisites))}"


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _apt_prefix() -> list[str] | None:
    """How to run apt-get without a password here, or None if we cannot."""
    if not sys.platform.startswith("linux") or shutil.which("apt-get") is None:
        return None
    if _is_root():
        return []
    sudo = shutil.which("sudo")
    asked = subprocess.run([sudo, "-n", "true"], capture_output=True) if sudo else None  # noqa: S603
    if sudo and asked and asked.returncode == 0:
        return [sudo, "-n"]
    return None


def install(prerequisites: Sequence[Prerequisite]) -> bool:
    """apt-get install the packages of `prerequisites`, if this machine lets us."""
    prefix = _apt_prefix()
    if prefix is None:
        return False
    packages = debian_packages(prerequisites)
    print(f"Newsroom: installing missing system packages: apt-get install {' '.join(packages)}")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
    ):
        done = subprocess.run(  # noqa: S603 - apt-get with our own package names
            [*prefix, *command], capture_output=True, text=True, env=environment, check=False
        )
        if done.returncode != 0:
            sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:])
            return False
    return True


def report(prerequisites: Sequence[Prerequisite]) -> str:
    lines = ["Newsroom needs system packages that are missing on this machine:"]
    lines += [f"  - {p.name} ({', '.join(p.debian)}): {p.why}" for p in prerequisites]
    lines += ["Install them with:", f"  {install_command(prerequisites)}"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check Newsroom's system prerequisites.")
    parser.add_argument("--install", action="store_true", help="apt-get install what is missing")
    parser.add_argument("--browser", action="store_true", help="Chromium too (browser journeys)")
    parser.add_argument(
        "--list-debian", action="store_true", help="print every Debian package and exit"
    )
    options = parser.parse_args(argv)
    if options.list_debian:
        print(" ".join(debian_packages(PREREQUISITES)))
        return 0
    require_browser = os.environ.get("NEWSROOM_REQUIRE_BROWSER") == "1"
    lacking = missing(browser=options.browser)
    if lacking and options.install and install(lacking):
        lacking = missing(browser=options.browser)
    # Outside CI a missing browser only skips the browser journeys (tests/e2e/ says so).
    blocking = [p for p in lacking if not p.browser or require_browser]
    if blocking:
        print(report(blocking), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
