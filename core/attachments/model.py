"""What an attached file becomes, and the one error a refused file raises."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import AppError

TEXT = "text"
IMAGE = "image"


@dataclass(frozen=True)
class Attachment:
    """One file, read: its text for the model, or (an image) its bytes.

    `name` is the file name as the person's browser sent it: untrusted text,
    shown only through inert rendering. `format` is what the bytes are
    (pdf, docx, xlsx, pptx, text, markdown, csv, json, png, jpeg, gif, webp).
    `note` is set when the text is not the file's own (a PDF with no text layer).
    """

    name: str
    format: str
    size: int
    text: str = ""
    tokens: int = 0
    image: bytes | None = None  # PNG or JPEG, already decoded and downscaled
    mime: str = ""
    note: str = ""
    params: dict = field(default_factory=dict, compare=False)
    # The bytes as uploaded, kept so the file can be downloaded again; None
    # when read back from the store (`file_id` then names the kept copy).
    original: bytes | None = field(default=None, compare=False, repr=False)
    file_id: int | None = field(default=None, compare=False)

    @property
    def kind(self) -> str:
        return IMAGE if self.image is not None else TEXT


class AttachmentRefused(AppError):
    """A file that cannot be attached; `reason` names the sentence
    (`attachments.refused.<reason>`), filled with `name` and `params`."""

    kind = "attachment_refused"

    def __init__(self, reason: str, name: str, **params: object) -> None:
        super().__init__(f"{reason}: {name}")
        self.reason = reason
        self.name = name
        self.reason_params = params
