"""Files a person attaches to a question: read into text the model sees, or an image.

- `sniff`: what a file is, from its bytes (never its name).
- `limits`: every bound (bytes, uncompressed size, pixels, seconds).
- `text_files`, `documents`, `images`: one reader per family.
- `read`: the public entry point, `read_attachment`, run off the caller's
  thread with a time bound; every refusal is an `AttachmentRefused`.
- `template`: how a file is wrapped into the question the model is sent.
"""

from core.attachments.model import Attachment, AttachmentRefused
from core.attachments.read import read_attachment
from core.attachments.template import question_with_files

__all__ = ["Attachment", "AttachmentRefused", "question_with_files", "read_attachment"]
