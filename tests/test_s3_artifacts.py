"""Published artifacts in a private S3 bucket, and downloads redirected to
short-lived signed URLs of it.

The store is moto's standalone server on a loopback port (tests/s3_server.py),
spoken to over HTTP by django-storages and boto3 exactly as AWS or MinIO
would be; the signed URL is then fetched from it like a browser would. moto
checks who may read an object (an unsigned request is refused) but not a
signature's expiry, so that the URL expires is checked in the URL itself.
Dave subscribes to the ICT newsletter; Frank subscribes to nothing.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from django.contrib.auth.models import User
from django.core.files import File
from django.test import Client
from django.urls import reverse
from storages.backends.s3 import S3Storage

from issues.models import Issue
from issues.models.editions import Edition
from issues.models.reach import DownloadCount
from issues.publishing.publish import PublishError, publish_issue
from issues.publishing.s3 import PrivateS3Storage
from issues.readers import downloads
from newsroom.models import Newsletter
from newsroom.review.workflow import Status
from tests.issue_helpers import make_issue_in_review, publish
from tests.s3_server import ACCESS_KEY, REGION, SECRET_KEY, create_bucket, moto_server
from tests.test_settings import PRODUCTION
from tests.wsgi_site import served

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_server() as url:
        yield url


def s3_client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
    )


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket that the artifacts storage writes to for this test, with
    the options newsroom/settings.py gives it."""
    name = f"artifacts-{uuid.uuid4().hex[:12]}"
    create_bucket(s3_endpoint, name)
    storage = PrivateS3Storage(
        bucket_name=name,
        endpoint_url=s3_endpoint,
        region_name=REGION,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        addressing_style="path",
        signature_version="s3v4",
        default_acl="private",
        querystring_auth=True,
        querystring_expire=300,
        file_overwrite=False,
    )
    for field in ("html_file", "pdf_file"):
        monkeypatch.setattr(Edition._meta.get_field(field), "storage", storage)
    return name


@pytest.fixture
def issue(bucket: str, newsletter: Newsletter, alice: User, bob: User) -> Issue:
    return publish(newsletter, editor=alice, reviewer=bob, number=7)


@pytest.fixture
def frank(db: None) -> User:
    return User.objects.create_user("frank", password="x")


def latest(issue: Issue) -> Edition:
    edition = Issue.objects.get(pk=issue.pk).latest_edition
    assert edition is not None
    return edition


def pdf_url(issue: Issue) -> str:
    return reverse("issues:issue_pdf", args=[issue.newsletter.slug, issue.number])


def fetch(url: str) -> tuple[int, bytes, Message]:
    """GET `url` as a browser following the redirect would (no cookies);
    the headers are looked up regardless of case."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback
            return answer.status, answer.read(), answer.headers
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read(), refused.headers


def test_publishing_stores_both_documents_in_the_private_bucket_and_nothing_on_disk(
    issue: Issue, bucket: str, s3_endpoint: str, artifacts: Path
) -> None:
    edition = latest(issue)
    client = s3_client(s3_endpoint)

    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert keys == {edition.pdf_file.name, edition.html_file.name}
    stored = client.get_object(Bucket=bucket, Key=edition.pdf_file.name)
    body = stored["Body"].read()
    assert hashlib.sha256(body).hexdigest() == edition.pdf_sha256
    assert len(body) == edition.pdf_size
    assert stored["ContentType"] == "application/pdf"
    # Private: the owner alone holds a grant, and a request without a signature is refused.
    grants = client.get_object_acl(Bucket=bucket, Key=edition.pdf_file.name)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    assert grants[0]["Grantee"]["Type"] == "CanonicalUser"
    status, _, _ = fetch(f"{s3_endpoint}/{bucket}/{edition.pdf_file.name}")
    assert status == 403
    assert not artifacts.exists() or not any(artifacts.rglob("*.*"))


def test_streaming_and_the_reading_page_read_through_the_storage(
    client: Client, dave: User, issue: Issue, settings: Any
) -> None:
    settings.NEWSROOM_DOWNLOADS = "stream"
    client.force_login(dave)

    pdf = client.get(pdf_url(issue))
    html = client.get(reverse("issues:issue_html", args=[issue.newsletter.slug, issue.number]))

    body = b"".join(pdf.streaming_content)  # type: ignore[attr-defined]
    assert hashlib.sha256(body).hexdigest() == latest(issue).pdf_sha256
    assert hashlib.sha256(html.content).hexdigest() == latest(issue).html_sha256


def test_a_reader_is_redirected_to_a_short_lived_signed_url_that_downloads_the_exact_bytes(
    client: Client, dave: User, issue: Issue, bucket: str, s3_endpoint: str, settings: Any
) -> None:
    settings.NEWSROOM_DOWNLOADS = "redirect"
    settings.NEWSROOM_SIGNED_LINK_SECONDS = 60
    client.force_login(dave)
    edition = latest(issue)

    response = client.get(pdf_url(issue))

    assert response.status_code == 302
    location = response["Location"]
    url = urllib.parse.urlsplit(location)
    query = urllib.parse.parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}" == s3_endpoint
    assert url.path == f"/{bucket}/{edition.pdf_file.name}"
    assert query["X-Amz-Expires"] == ["60"]
    assert query["X-Amz-Signature"]
    assert response["ETag"] == f'"{edition.pdf_sha256}"'
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    # The store answers the signed URL with the download's own headers.
    status, body, headers = fetch(location)
    assert status == 200
    assert hashlib.sha256(body).hexdigest() == edition.pdf_sha256
    assert headers["Content-Disposition"] == 'attachment; filename="ict-2025-11-24.pdf"'
    assert headers["Content-Type"] == "application/pdf"
    # The ETag still answers 304, with no redirect to follow.
    again = client.get(pdf_url(issue), headers={"if-none-match": f'"{edition.pdf_sha256}"'})
    assert again.status_code == 304
    assert "Location" not in again
    # The redirect is the download we see (the store sends the bytes): counted
    # once for Dave; the 304 is not a download.
    assert list(DownloadCount.objects.values_list("user", "channel", "count")) == [
        (dave.pk, "site", 1)
    ]


def test_the_permission_is_checked_before_any_redirect_or_304(
    client: Client, frank: User, issue: Issue, settings: Any
) -> None:
    settings.NEWSROOM_DOWNLOADS = "redirect"
    etag = f'"{latest(issue).pdf_sha256}"'

    anonymous = client.get(pdf_url(issue))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))

    client.force_login(frank)
    for headers in ({}, {"if-none-match": etag}):
        stranger = client.get(pdf_url(issue), headers=headers)
        assert stranger.status_code == 404
        assert "Location" not in stranger and "ETag" not in stranger


def test_an_earlier_edition_and_a_signed_link_redirect_to_their_own_objects(
    client: Client, dave: User, issue: Issue, settings: Any
) -> None:
    settings.NEWSROOM_DOWNLOADS = "redirect"
    edition = latest(issue)

    by_link = client.get(downloads.signed_pdf_url(issue, dave.pk))

    assert by_link.status_code == 302
    status, body, _ = fetch(by_link["Location"])
    assert status == 200 and hashlib.sha256(body).hexdigest() == edition.pdf_sha256
    client.force_login(dave)
    first = client.get(reverse("issues:edition_pdf", args=[issue.newsletter.slug, issue.number, 1]))
    assert urllib.parse.urlsplit(first["Location"]).path.endswith(edition.pdf_file.name)
    counted = DownloadCount.objects.order_by("channel").values_list("user", "channel", "count")
    assert list(counted) == [(dave.pk, "link", 1), (dave.pk, "site", 1)]


def test_a_signed_link_under_a_wsgi_server_redirects_to_its_object(
    issue: Issue, dave: User, settings: Any
) -> None:
    settings.NEWSROOM_DOWNLOADS = "redirect"
    edition = latest(issue)

    with served() as site:
        answer = site.get(downloads.signed_pdf_url(issue, dave.pk))
        current = site.get(
            downloads.signed_pdf_url(issue, dave.pk), if_none_match=f'"{edition.pdf_sha256}"'
        )

    assert answer.status == 302
    status, body, headers = fetch(answer.headers["Location"])
    assert status == 200 and hashlib.sha256(body).hexdigest() == edition.pdf_sha256
    assert headers["Content-Disposition"] == 'attachment; filename="ict-2025-11-24.pdf"'
    assert current.status == 304 and "Location" not in current.headers


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Only what each test passes (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE).
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEWSROOM_", "AWS_", "DJANGO_", "EMAIL_")) and k != "DATABASE_URL"
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean
        | {"DJANGO_ENV_FILE": str(ROOT / "no-such.env"), "DJANGO_DEBUG": "1"}
        | {"DJANGO_SECRET_KEY": "tests-only", "DATABASE_URL": "sqlite://:memory:"}
        | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_environment_picks_the_bucket_and_keeps_it_private(s3_endpoint: str) -> None:
    bucket = f"settings-{uuid.uuid4().hex[:12]}"
    create_bucket(s3_endpoint, bucket)
    code = (
        "from django.core.files.base import ContentFile\n"
        "from django.core.files.storage import storages\n"
        "s = storages['artifacts']\n"
        "name = s.save('ict/0001.pdf', ContentFile(b'%PDF-1.7 stored'))\n"
        "print(type(s).__name__, s.bucket_name, s.default_acl, s.querystring_expire)\n"
        "print(s.open(name).read().decode())\n"
        "print(s.url(name))\n"
    )
    result = manage(
        "shell",
        "-c",
        code,
        NEWSROOM_ARTIFACTS_S3_BUCKET=bucket,
        NEWSROOM_ARTIFACTS_S3_ENDPOINT_URL=s3_endpoint,
        NEWSROOM_ARTIFACTS_S3_PUBLIC_ENDPOINT_URL="http://files.example.org",
        NEWSROOM_ARTIFACTS_S3_REGION=REGION,
        NEWSROOM_ARTIFACTS_S3_PREFIX="newsroom",
        NEWSROOM_DOWNLOADS="redirect",
        NEWSROOM_SIGNED_LINK_SECONDS="120",
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
    )

    assert result.returncode == 0, result.stderr
    kind, stored, url = result.stdout.strip().splitlines()[-3:]
    assert kind == f"PrivateS3Storage {bucket} private 120"
    assert stored == "%PDF-1.7 stored"
    keys = [o["Key"] for o in s3_client(s3_endpoint).list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["newsroom/ict/0001.pdf"]
    # Signed for the address readers reach, with the short expiry.
    assert url.startswith(f"http://files.example.org/{bucket}/newsroom/ict/0001.pdf?")
    assert "X-Amz-Expires=120" in url and "X-Amz-Signature=" in url


def test_production_values_with_the_bucket_pass_the_deploy_checks() -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION | {"DJANGO_DEBUG": "0"},
        NEWSROOM_ARTIFACTS_S3_BUCKET="newsroom-artifacts",
        NEWSROOM_DOWNLOADS="redirect",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_download_mode_that_does_not_fit_the_storage_is_refused_at_start() -> None:
    redirect_to_disk = manage("check", NEWSROOM_DOWNLOADS="redirect")
    sendfile_from_bucket = manage(
        "check", NEWSROOM_DOWNLOADS="sendfile", NEWSROOM_ARTIFACTS_S3_BUCKET="artifacts"
    )

    assert redirect_to_disk.returncode != 0
    assert "NEWSROOM_DOWNLOADS=redirect needs the S3 artifacts storage" in redirect_to_disk.stderr
    assert sendfile_from_bucket.returncode != 0
    assert "use redirect (or stream)" in sendfile_from_bucket.stderr
    assert manage("check").returncode == 0  # the local directory, streamed: make run


def test_the_compose_s3_variant_sets_only_what_the_settings_read() -> None:
    import yaml

    compose = yaml.safe_load((ROOT / "deploy" / "compose.s3.yaml").read_text())
    settings_source = (ROOT / "newsroom" / "settings.py").read_text()
    environment = compose["x-s3"]["environment"]

    assert environment["NEWSROOM_DOWNLOADS"] == "redirect"
    for name in environment:
        if name.startswith("NEWSROOM_"):
            assert f'"{name}"' in settings_source, name
    for service in ("web", "publisher", "mailer"):
        assert compose["services"][service]["environment"] == environment


class BreaksAfter(io.BytesIO):
    """A body whose reading fails after `limit` bytes, as an upload whose
    connection breaks half-way."""

    def __init__(self, data: bytes, limit: int) -> None:
        super().__init__(data)
        self.limit = limit

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() >= self.limit:
            raise OSError(errno.ECONNRESET, "Connection reset by peer")
        left = self.limit - self.tell()
        return super().read(left if size is None or size < 0 else min(size, left))


@pytest.mark.parametrize("failure", ["broken mid-body", "answer lost"])
def test_a_failed_upload_leaves_nothing_in_the_bucket(
    bucket: str, s3_endpoint: str, newsletter: Newsletter, alice: User, bob: User, failure: str
) -> None:
    issue = make_issue_in_review(newsletter=newsletter, editor=alice, reviewer=bob, count=1)
    upload = S3Storage._save

    def upload_the_pdf_badly(storage: S3Storage, name: str, content: Any) -> str:
        if not name.endswith(".pdf"):  # the HTML goes first, and is stored
            return str(upload(storage, name, content))
        if failure == "answer lost":
            upload(storage, name, content)  # the object is written...
            raise EndpointConnectionError(endpoint_url=s3_endpoint)  # ...the answer never comes
        return str(upload(storage, name, File(BreaksAfter(content.read(), 4096), name=name)))

    with (
        mock.patch.object(S3Storage, "_save", upload_the_pdf_badly),
        pytest.raises(PublishError, match="could not be stored"),
    ):
        publish_issue(issue=issue, by=bob)

    issue.refresh_from_db()
    assert issue.status == Status.REVIEW and not issue.editions.exists()
    assert s3_client(s3_endpoint).list_objects_v2(Bucket=bucket).get("Contents", []) == []
