"""Uploaded files land in a temporary folder under their own name (importers read the name too)."""

from __future__ import annotations

import codecs
import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from bicentennial.core.errors import InvalidInput


@contextmanager
def spooled(stream: BinaryIO, file_name: str, default: str = "upload") -> Iterator[Path]:
    """The upload as a file on disk for the duration of the block; removed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(file_name or default).name
        with path.open("wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        yield path


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks (official files run to hundreds of megabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


async def upload_text(upload: Any, *, max_bytes: int, default: str = "upload") -> tuple[str, str] | None:
    """A small text upload as ``(file name, text)``; None when no file was chosen.

    UTF-8 (with or without a BOM) first; files saved by Windows tools in ANSI fall back to Latin-1,
    which decodes any byte, so an accented name never becomes an error.
    """
    if upload is None or not upload.filename:
        return None
    raw = await upload.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise InvalidInput(f"{upload.filename}: larger than {max_bytes // 2**20} MiB")
    try:
        return upload.filename or default, raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return upload.filename or default, raw.decode("latin-1")


async def required_upload_text(upload: Any, *, max_bytes: int, what: str) -> tuple[str, str]:
    """As :func:`upload_text`, for a file the form cannot do without (``what`` names it in the error)."""
    text = await upload_text(upload, max_bytes=max_bytes)
    if text is None:
        raise InvalidInput(f"{what}: no file was chosen")
    return text


def text_encoding(path: Path) -> str:
    """utf-8-sig when every byte decodes as UTF-8 (BOM or not); latin-1, which decodes any byte, otherwise.

    Checking the bytes first costs a fraction of a second and spares re-parsing a large file
    whose only latin-1 accent sits near its end.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as f:
        try:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8-sig"
