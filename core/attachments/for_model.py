"""What a model is sent for the files of a conversation.

Text files go into the question as text (core/attachments/template.py) on
every turn. An image goes to a model marked `vision = true` as an OpenAI
`image_url` content part (a `data:` URL) with the question it was attached
to. A text-only model (DeepSeek-R1, Hunyuan T1) cannot take image parts: at
send time a vision model of the catalog describes the image and the
description is kept as the image's text, so every later turn, and any model,
reads the same description. With no vision model available the send is
refused with a message naming the models that can see images.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence
from dataclasses import replace

from core.attachments.model import IMAGE, Attachment, AttachmentRefused
from core.attachments.template import question_with_files
from core.catalog import Catalog, Model
from core.errors import AppError
from core.tokens import count_text

DESCRIBE_PROMPT = (
    "Describe this image in detail for someone who cannot see it: every piece of text in it "
    "word for word, the numbers, tables and charts, the layout, and what it shows."
)
DESCRIBE_TIMEOUT_S = 90.0
DESCRIBED_BY = "described_by:"


def data_url(file: Attachment) -> str:
    return f"data:{file.mime};base64,{base64.b64encode(file.image or b'').decode('ascii')}"


def image_part(file: Attachment) -> dict:
    return {"type": "image_url", "image_url": {"url": data_url(file)}}


def describer_for(catalog: Catalog, model: Model) -> Model | None:
    """The vision model that describes images for text-only `model`: the one its
    entry names (`describe_images_with`), else the first available vision model."""
    named = catalog.model(model.describe_images_with or "")
    if named is not None and named.vision and catalog.is_available(named):
        return named
    return next((m for m in vision_models(catalog)), None)


def vision_models(catalog: Catalog) -> list[Model]:
    return [m for m in catalog.models.values() if m.vision and catalog.is_available(m)]


def prepare(catalog: Catalog, model: Model, files: Sequence[Attachment]) -> list[Attachment]:
    """The files as they will be stored and sent to `model`: for a text-only
    model each image gets a description by a vision model, or the send is
    refused (`AttachmentRefused`, naming the models that can see) before anything is stored."""
    # An image already described (for another column of a comparison) keeps
    # its description: every text-only column reads the same words.
    images = [f for f in files if f.kind == IMAGE and not is_described(f)]
    if model.vision or not images:
        return list(files)
    describer = describer_for(catalog, model)
    if describer is None:
        able = ", ".join(m.label for m in catalog.models.values() if m.vision)
        reason = "no_vision" if able else "no_vision_none"
        raise AttachmentRefused(reason, images[0].name, model=model.label, models=able)
    return [describe(catalog, describer, f) if f in images else f for f in files]


def is_described(file: Attachment) -> bool:
    return file.note.startswith(DESCRIBED_BY)


def describer_key(catalog: Catalog, model: Model, files: Sequence[Attachment]) -> str:
    """Which copy of `files` `model` reads: "" the files as they are (a vision
    model, or no image), else the id of the model that describes its images."""
    if model.vision or not any(f.kind == IMAGE for f in files):
        return ""
    describer = describer_for(catalog, model)
    return describer.id if describer is not None else "?"


def describe(catalog: Catalog, describer: Model, file: Attachment) -> Attachment:
    """The image with a description by `describer` as its text."""
    try:
        text = asyncio.run(
            asyncio.wait_for(_ask_for_description(catalog, describer, file), DESCRIBE_TIMEOUT_S)
        )
    except (AppError, TimeoutError) as error:
        raise AttachmentRefused("describe_failed", file.name, model=describer.label) from error
    description = f"(An image, described by {describer.label}:)\n{text.strip()}"
    return replace(
        file, text=description, tokens=count_text(description), note=DESCRIBED_BY + describer.id
    )


async def _ask_for_description(catalog: Catalog, describer: Model, file: Attachment) -> str:
    from core.backend import CallSpec, ClientPool, stream_route
    from core.events import Answer

    routes = catalog.available_routes(describer)
    route = routes[0]
    messages = [
        {"role": "user", "content": [{"type": "text", "text": DESCRIBE_PROMPT}, image_part(file)]}
    ]
    spec = CallSpec(catalog.providers[route.provider], route, messages, max_tokens=1024)
    parts = [
        event.text async for event in stream_route(ClientPool(), spec) if isinstance(event, Answer)
    ]
    return "".join(parts)


def text_for_history(question: str, files: Sequence[Attachment]) -> str:
    """A stored question with its files, as any model reads it on any turn.
    Images without a description (sent to a vision model) are named; their
    pixels go only with the question they were attached to (`with_images`)."""
    shown = [f if f.text else replace(f, text=image_name_line(f)) for f in files]
    return question_with_files(question, shown)


def image_name_line(file: Attachment) -> str:
    return f"(image {file.name}, {file.size} bytes)"


def tokens_in_turn(file: Attachment, *, asked_now: bool) -> int:
    """What a file costs in a request: its text's tokens; an image not described,
    its pixels' estimate in the question being asked (`with_images` sends them)
    and its name line in every later turn (it is not sent again)."""
    if file.text or asked_now:
        return file.tokens
    return count_text(image_name_line(file))


def with_images(messages: list[dict], files: Sequence[Attachment]) -> list[dict]:
    """The request's messages with the current question's images as content parts."""
    images = [f for f in files if f.kind == IMAGE and not f.note.startswith(DESCRIBED_BY)]
    if not images or not messages or messages[-1].get("role") != "user":
        return messages
    last = messages[-1]
    parts = [{"type": "text", "text": last["content"]}, *(image_part(f) for f in images)]
    return [*messages[:-1], {"role": "user", "content": parts}]


def fallback_can_take(catalog: Catalog, model: Model, messages: list[dict]) -> bool:
    """Whether `model`'s fallback may answer this request: not when it carries
    image parts and the fallback cannot see."""
    has_images = any(isinstance(m.get("content"), list) for m in messages)
    fallback = catalog.model(model.fallback or "")
    return not has_images or fallback is None or fallback.vision
