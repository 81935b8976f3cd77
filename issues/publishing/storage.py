"""Where published artifacts are written on local disk: privately, and whole
or not at all."""

from __future__ import annotations

import contextlib
import os
import secrets
from typing import Any

from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_makedirs


class _Written(File):
    """A complete file on disk, which FileSystemStorage moves into place."""

    def __init__(self, path: str) -> None:
        super().__init__(None, name=path)
        self.path = path

    def temporary_file_path(self) -> str:
        return self.path


class PrivateFileSystemStorage(FileSystemStorage):
    """Published artifacts on local disk, with no public address.

    Files are served only by the download views, which check the reader's
    subscription; asking for a URL is a mistake, so it fails loudly.

    A file is written beside its destination under a hidden name, then
    renamed into place: a write that fails half-way (a full disk, a killed
    process aside) leaves no file at all, and nginx or a reader never sees a
    partial one.
    """

    def url(self, name: str | None) -> str:
        raise NotImplementedError(
            "Published artifacts have no public URL; link to the issue's download view."
        )

    def _save(self, name: str, content: Any) -> str:
        directory = os.path.dirname(self.path(name))
        if self.directory_permissions_mode is not None:
            safe_makedirs(directory, self.directory_permissions_mode, exist_ok=True)
        else:
            os.makedirs(directory, exist_ok=True)
        partial = os.path.join(directory, f".partial-{secrets.token_hex(8)}")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            fd = os.open(partial, flags, 0o666)
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk if isinstance(chunk, bytes) else chunk.encode())
            return str(super()._save(name, _Written(partial)))  # type: ignore[misc]
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)  # gone already when it was moved into place
