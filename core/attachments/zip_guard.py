"""A zip (docx, xlsx, pptx) is measured before it is opened for reading: a zip bomb
of a few kB inflates to gigabytes, and the readers would inflate it all."""

from __future__ import annotations

import io
import zipfile

from core.attachments import limits
from core.attachments.model import AttachmentRefused


def check_zip(data: bytes, name: str) -> None:
    """Refuse an archive whose declared sizes or ratio are those of a bomb.

    The sizes come from the central directory, which a forged archive can
    understate; zipfile then stops with "Bad CRC" or a size error while
    reading, which the readers report as an unreadable file, and
    `MAX_UNCOMPRESSED_BYTES` still bounds what the declared sizes allow.
    """
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise AttachmentRefused("unreadable", name) from error
    if len(entries) > limits.MAX_ZIP_ENTRIES:
        raise AttachmentRefused("archive_bomb", name)
    total = sum(entry.file_size for entry in entries)
    packed = max(1, sum(entry.compress_size for entry in entries))
    # Small archives may compress well (repetitive XML); only a large one
    # that also inflates far beyond its packed size is a bomb's shape.
    inflates = total > limits.RATIO_CHECKED_FROM and total / packed > limits.MAX_COMPRESSION_RATIO
    if inflates:
        raise AttachmentRefused("archive_bomb", name)
    if total > limits.MAX_UNCOMPRESSED_BYTES:
        mb = limits.MAX_UNCOMPRESSED_BYTES // (1024 * 1024)
        raise AttachmentRefused("archive_too_large", name, limit=mb)
