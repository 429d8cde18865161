"""How attached files are put into the question the model is sent.

DeepSeek-R1's published file template (the one its own app uses):

    [file name]: {file_name}
    [file content begin]
    {file_content}
    [file content end]
    {question}

The same text is rebuilt from the stored attachments for every later turn,
so the model keeps seeing the files the conversation is about.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.attachments.model import Attachment


def wrapped(name: str, content: str) -> str:
    return f"[file name]: {name}\n[file content begin]\n{content}\n[file content end]"


def question_with_files(question: str, files: Sequence[Attachment]) -> str:
    """The question preceded by each text file (images go as image parts or
    as their description, which is text too)."""
    blocks = [wrapped(f.name, f.text) for f in files if f.text]
    if not blocks:
        return question
    return "\n".join([*blocks, question] if question else blocks)
