"""Published artifacts in a private bucket of an S3-compatible store.

Chosen by NEWSROOM_ARTIFACTS_S3_BUCKET (newsroom/settings.py), so that web
nodes and workers on several machines share one store. A module of its own,
so that a site on the local directory never imports boto3.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

logger = logging.getLogger(__name__)


class PrivateS3Storage(S3Storage):
    """An S3Storage that never hands out an unsigned address.

    Every URL is a short-lived signed one (querystring auth, no custom domain,
    which would serve objects unsigned), made only by the download view after
    its permission check. `public_endpoint_url` names the store as readers'
    browsers reach it, when the servers reach it at another address (a
    compose network): the signature covers the host, so it is signed for that
    one.
    """

    def __init__(self, *, public_endpoint_url: str | None = None, **settings: Any) -> None:
        super().__init__(**settings)
        if not self.querystring_auth or self.custom_domain:
            raise ImproperlyConfigured(
                "The artifacts bucket is private: querystring_auth must stay on and "
                "custom_domain unset, or downloads would need no signature."
            )
        self.public_endpoint_url = public_endpoint_url
        self._public_clients = threading.local()

    def _save(self, name: str, content: Any) -> str:
        """Upload, or leave nothing: an upload that failed (the store refused
        it, the connection broke, the answer was lost after the object was
        written) has its key removed. Names of artifacts are unique per
        attempt (issues.publishing.publish.artifact_stem), so the key is ours.
        boto3 aborts a multipart upload that fails by itself."""
        try:
            return str(super()._save(name, content))
        except Exception:
            try:
                self.delete(name)
            except Exception:  # the store is down: the caller reports the first error
                logger.exception("Could not remove %s after a failed upload", name)
            raise

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()
        state.pop("_public_clients", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._public_clients = threading.local()

    def public_client(self) -> Any:
        client = getattr(self._public_clients, "client", None)
        if client is None:
            client = self._create_session().client(
                "s3",
                region_name=self.region_name,
                use_ssl=self.use_ssl,
                endpoint_url=self.public_endpoint_url,
                config=self.client_config,
                verify=self.verify,
            )
            self._public_clients.client = client
        return client

    def url(
        self,
        name: str,
        parameters: dict[str, str] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
    ) -> str:
        if self.public_endpoint_url is None:
            return str(super().url(name, parameters, expire, http_method))
        params = dict(parameters or {})
        params["Bucket"] = self.bucket_name
        params["Key"] = self._normalize_name(clean_name(name))
        return str(
            self.public_client().generate_presigned_url(
                "get_object",
                Params=params,
                ExpiresIn=self.querystring_expire if expire is None else expire,
                HttpMethod=http_method,
            )
        )
