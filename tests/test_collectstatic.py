"""Production serves static files through a manifest storage, whose
post-processing rewrites every url() in the stylesheets: each must resolve."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_succeeds_with_the_production_manifest_storage(tmp_path: Path) -> None:
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert '"css/issue.css"' in manifest
    assert '"fonts/newsreader-400-normal.ttf"' in manifest
