"""Personas: how a new chat starts (a name, an icon, a system prompt, defaults).

A few built-in personas ship with the app, written in every language of the
interface (their names and prompts are in core/locales/<lang>/personas.toml,
so a Chinese reader starts a Chinese translator); they are the same for
everyone and cannot be changed. Users make, change and delete their own,
kept in the store (core/store/personas.py) and reachable only by their owner.

A persona is a template: starting a chat copies its system prompt and
temperature onto the new conversation (core/chat_settings.py), where the
conversation's menu can change them without touching the persona.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.chat_settings import checked_system_prompt, checked_temperature
from core.errors import RecordNotFound, SettingsRejected
from core.i18n import Translator
from core.store import personas as persona_store
from core.store.personas import MAX_PER_USER, PersonaFields, PersonaView
from core.text import clean_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

BUILTIN_PREFIX = "builtin:"
MAX_NAME_CHARS = 80
MAX_ICON_CHARS = 16  # one emoji, even a family or a flag with its joiners
DEFAULT_ICON = "🤖"
# What an emoji sequence is made of besides symbols (So): skin tones (Sk),
# variation selectors (Mn), keycaps (Me), the zero-width joiner and the tag
# characters of subdivision flags (no other format character: no bidi override).
_EMOJI_PARTS = {"So", "Sk", "Me", "Mn"}
_ZWJ = "\u200d"
_TAGS = range(0xE0020, 0xE0080)


@dataclass(frozen=True)
class Persona:
    """A persona as a page shows and uses it."""

    key: str  # "builtin:<slug>", or the public id of a user's own persona
    name: str
    icon: str
    system_prompt: str
    model_id: str | None = None  # None: keep the model already chosen
    thinking: bool | None = None
    temperature: float | None = None
    web_search: bool = False
    builtin: bool = False


@dataclass(frozen=True)
class _Builtin:
    slug: str
    icon: str
    temperature: float | None = None


# Temperatures: exact work (translation, code) lower, explanation a little higher.
BUILTINS = (
    _Builtin("general", "💬"),
    _Builtin("translator", "🌐", 0.3),
    _Builtin("coder", "🧑‍💻", 0.2),
    _Builtin("teacher", "🎓", 0.7),
    _Builtin("concise", "✂️"),
)


def builtin_personas(t: Translator) -> list[Persona]:
    """The personas every user has, in the reader's language."""
    return [
        Persona(
            key=BUILTIN_PREFIX + b.slug,
            name=t(f"personas.builtin.{b.slug}.name"),
            icon=b.icon,
            system_prompt=t(f"personas.builtin.{b.slug}.prompt"),
            temperature=b.temperature,
            builtin=True,
        )
        for b in BUILTINS
    ]


def personas_for(user_id: int, t: Translator) -> list[Persona]:
    """Built-in personas first, then the user's own (never anyone else's)."""
    own = [_from_view(view) for view in persona_store.list_personas(user_id)]
    return builtin_personas(t) + own


def find_persona(user_id: int, key: str, t: Translator) -> Persona:
    """A built-in, or one of the user's own; `RecordNotFound` otherwise."""
    if key.startswith(BUILTIN_PREFIX):
        for persona in builtin_personas(t):
            if persona.key == key:
                return persona
        raise RecordNotFound(f"persona {key}")
    return _from_view(persona_store.get_persona(user_id, key))


def create_persona(user_id: int, draft: Persona) -> Persona:
    """Check and keep a new persona of the user's; `SettingsRejected` says what is wrong."""
    fields = checked_fields(draft)
    if persona_store.count_personas(user_id) >= MAX_PER_USER:
        raise SettingsRejected("too many personas", reason="too_many", limit=MAX_PER_USER)
    return _from_view(persona_store.create_persona(user_id, fields))


def update_persona(user_id: int, key: str, draft: Persona) -> Persona:
    """Change one of the user's own personas (built-ins and others' are not found)."""
    fields = checked_fields(draft)
    if key.startswith(BUILTIN_PREFIX):
        raise RecordNotFound(f"persona {key}")
    return _from_view(persona_store.update_persona(user_id, key, fields))


def delete_persona(user_id: int, key: str) -> None:
    """Delete one of the user's own personas; chats started from it keep their settings."""
    if key.startswith(BUILTIN_PREFIX):
        raise RecordNotFound(f"persona {key}")
    persona_store.delete_persona(user_id, key)


def delete_all_personas(user_id: int, *, db: Session | None = None) -> int:
    """Part of "Delete all my data": the prompts a person wrote go too (`db`: the
    session of the caller's unit of work)."""
    return persona_store.delete_all_personas(user_id, db=db)


def checked_fields(draft: Persona) -> PersonaFields:
    """The values as they will be stored; `SettingsRejected` with the reason otherwise."""
    name = " ".join(clean_text(draft.name).split())
    if not name:
        raise SettingsRejected("a persona needs a name", reason="name_missing")
    if len(name) > MAX_NAME_CHARS:
        raise SettingsRejected("name too long", reason="name_too_long", limit=MAX_NAME_CHARS)
    return PersonaFields(
        name=name,
        icon=checked_icon(draft.icon),
        system_prompt=checked_system_prompt(draft.system_prompt) or "",
        model_id=draft.model_id or None,
        thinking=draft.thinking,
        temperature=checked_temperature(draft.temperature),
        web_search=bool(draft.web_search),
    )


def checked_icon(icon: str) -> str:
    """One emoji (blank: the default). Letters, digits and markup are refused:
    the icon is shown beside the name in buttons, where only an emoji belongs."""
    icon = clean_text(icon or "").strip()
    if not icon:
        return DEFAULT_ICON
    emoji_only = all(
        unicodedata.category(ch) in _EMOJI_PARTS or ch == _ZWJ or ord(ch) in _TAGS for ch in icon
    )
    has_symbol = any(unicodedata.category(ch) == "So" for ch in icon)
    if len(icon) > MAX_ICON_CHARS or not (emoji_only and has_symbol):
        raise SettingsRejected("the icon is not an emoji", reason="icon")
    return icon


def _from_view(view: PersonaView) -> Persona:
    return Persona(
        key=view.public_id,
        name=view.name,
        icon=view.icon or DEFAULT_ICON,
        system_prompt=view.system_prompt,
        model_id=view.model_id,
        thinking=view.thinking,
        temperature=view.temperature,
        web_search=view.web_search,
    )
