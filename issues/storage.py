from __future__ import annotations

from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Published artifacts on local disk, with no public address.

    Files are served only by the download views, which check the reader's
    subscription; asking for a URL is a mistake, so it fails loudly.
    """

    def url(self, name: str | None) -> str:
        raise NotImplementedError(
            "Published artifacts have no public URL; link to the issue's download view."
        )
