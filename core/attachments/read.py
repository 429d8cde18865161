"""`read_attachment`: one uploaded file to an `Attachment`, or a refusal.

Readers run on a small process-wide thread pool and the caller waits at most
`EXTRACT_TIMEOUT_S`: a PDF that loops or a spreadsheet that takes forever
gets a refusal in bounded time and the page stays responsive. A thread cannot
be killed, so a reader that overruns finishes in the background; the pool's
size bounds how many can, and every reader is bounded by the size limits.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import re
import unicodedata

from core.attachments import documents, images, limits, slides, sniff, text_files
from core.attachments.image_tokens import image_tokens, sent_size
from core.attachments.model import Attachment, AttachmentRefused
from core.tokens import count_text

log = logging.getLogger(__name__)

_pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="attachment")
_MIME = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument"
         ".wordprocessingml.document", "xlsx": "application/vnd.openxmlformats-officedocument"
         ".spreadsheetml.sheet", "pptx": "application/vnd.openxmlformats-officedocument"
         ".presentationml.presentation", "markdown": "text/markdown", "csv": "text/csv",
         "json": "application/json", "text": "text/plain"}  # fmt: skip
NO_TEXT_LAYER = "no_text_layer"
# Office files are zips: each is measured by `check_zip` before its reader opens it.
_OFFICE_READERS = {
    sniff.DOCX: documents.docx_text,
    sniff.XLSX: documents.xlsx_text,
    sniff.PPTX: slides.pptx_text,
}


def safe_name(name: str) -> str:
    """The file's name without folders, control characters or bidi overrides,
    at most 120 characters; still untrusted text, rendered inertly."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    return name.strip()[:120] or "file"


def read_attachment(
    name: str, data: bytes, *, timeout: float | None = None, max_bytes: int | None = None
) -> Attachment:
    """Read one file; raises `AttachmentRefused` with a reason a person can act on.

    `max_bytes`: the largest file accepted (`[policy] max_file_mb`), never more
    than `limits.MAX_FILE_BYTES`. The result keeps the uploaded bytes as `original`.
    """
    name = safe_name(name)
    cap = min(limits.MAX_FILE_BYTES, max_bytes or limits.MAX_FILE_BYTES)
    if len(data) > cap:
        raise AttachmentRefused("too_big", name, limit=_megabytes(cap))
    future = _pool.submit(_read, name, data)
    try:
        read = future.result(timeout=limits.EXTRACT_TIMEOUT_S if timeout is None else timeout)
        return dataclasses.replace(read, original=bytes(data))
    except concurrent.futures.TimeoutError as error:
        future.cancel()
        raise AttachmentRefused("too_slow", name, seconds=int(limits.EXTRACT_TIMEOUT_S)) from error
    except MemoryError as error:
        raise AttachmentRefused("unreadable", name) from error


def _megabytes(size: int) -> int | float:
    mb = size / (1024 * 1024)
    return int(mb) if mb == int(mb) else round(mb, 1)


def _read(name: str, data: bytes) -> Attachment:
    fmt = sniff.sniff(data)
    if fmt in sniff.IMAGES:
        image, mime, width, height = images.read_image(data, name)
        # What the image costs a vision model (an estimate: image_tokens.py).
        tokens = image_tokens(*sent_size(width, height))
        return Attachment(name, fmt, len(data), image=image, mime=mime, tokens=tokens,
                          params={"width": width, "height": height})  # fmt: skip
    note = ""
    if fmt == sniff.PDF:
        text, pages = documents.pdf_text(data, name)
        if not text.strip():
            note = NO_TEXT_LAYER
            text = (
                f"(This PDF has {pages} page(s) but no text layer: it is a scan or images of "
                "text, and no text could be read from it.)"
            )
    elif fmt in _OFFICE_READERS:
        from core.attachments.zip_guard import check_zip

        check_zip(data, name)
        text = _OFFICE_READERS[fmt](data, name)
    elif fmt == sniff.TEXT:
        fmt = text_files.text_format(name)
        text = text_files.present(text_files.decode(data, name), fmt)
    else:
        raise AttachmentRefused("unsupported", name)
    text = text.replace("\x00", "")
    if len(text) > limits.MAX_TEXT_CHARS:
        raise AttachmentRefused("too_much_text", name, limit=limits.MAX_TEXT_CHARS)
    return Attachment(name, fmt, len(data), text=text, tokens=count_text(text),
                      mime=_MIME.get(fmt, ""), note=note)  # fmt: skip
