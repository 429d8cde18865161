"""Personas: the built-in ones in both languages, a user's own made, changed and
deleted, and nobody else's ever read, changed or deleted (checked in the store,
whatever a page asks)."""

import pytest

from core.errors import RecordNotFound, SettingsRejected
from core.i18n import Translator
from core.personas import (
    BUILTIN_PREFIX,
    DEFAULT_ICON,
    Persona,
    builtin_personas,
    create_persona,
    delete_persona,
    find_persona,
    personas_for,
    update_persona,
)
from core.store import personas as persona_store
from core.store.users import ensure_user

EN, ZH = Translator("en"), Translator("zh")


def draft(name="Poet", icon="🪶", prompt="Answer in verse.", **defaults):
    return Persona(key="", name=name, icon=icon, system_prompt=prompt, **defaults)


@pytest.fixture
def alice(db):
    return ensure_user("alice").id


@pytest.fixture
def bob(db):
    return ensure_user("bob").id


def test_builtin_personas_speak_the_readers_language():
    english, chinese = builtin_personas(EN), builtin_personas(ZH)
    assert [p.key for p in english] == [p.key for p in chinese]
    assert {"builtin:general", "builtin:translator", "builtin:coder"} <= {p.key for p in english}
    translator_en = next(p for p in english if p.key == "builtin:translator")
    translator_zh = next(p for p in chinese if p.key == "builtin:translator")
    assert translator_en.name == "Translator" and translator_zh.name == "翻译"
    assert "translat" in translator_en.system_prompt and "翻译" in translator_zh.system_prompt
    for persona in english + chinese:
        assert persona.builtin and persona.icon and len(persona.system_prompt) > 40
        assert not persona.system_prompt.startswith("personas.")  # a real text, not its key


def test_a_user_makes_changes_and_deletes_a_persona(alice):
    made = create_persona(
        alice, draft(model_id="m", thinking=True, temperature=0.4, web_search=True)
    )
    assert not made.builtin and not made.key.startswith(BUILTIN_PREFIX)
    listed = personas_for(alice, EN)
    assert listed[: len(builtin_personas(EN))] == builtin_personas(EN)
    assert listed[-1] == made
    found = find_persona(alice, made.key, EN)
    assert (found.name, found.icon, found.system_prompt) == ("Poet", "🪶", "Answer in verse.")
    assert (found.model_id, found.thinking, found.temperature, found.web_search) == (
        "m",
        True,
        0.4,
        True,
    )

    update_persona(alice, made.key, draft(name="  Sonneteer  ", icon="", prompt="Sonnets only."))
    changed = find_persona(alice, made.key, EN)
    assert (changed.name, changed.icon, changed.system_prompt) == (
        "Sonneteer",
        DEFAULT_ICON,
        "Sonnets only.",
    )
    assert (changed.model_id, changed.temperature, changed.web_search) == (None, None, False)

    delete_persona(alice, made.key)
    with pytest.raises(RecordNotFound):
        find_persona(alice, made.key, EN)
    assert personas_for(alice, EN) == builtin_personas(EN)


def test_another_user_can_neither_read_change_nor_delete_a_persona(alice, bob):
    mine = create_persona(alice, draft(prompt="Alice's secret instructions"))
    with pytest.raises(RecordNotFound):
        find_persona(bob, mine.key, EN)
    with pytest.raises(RecordNotFound):
        persona_store.get_persona(bob, mine.key)
    with pytest.raises(RecordNotFound):
        update_persona(bob, mine.key, draft(name="pwned", prompt="pwned"))
    with pytest.raises(RecordNotFound):
        delete_persona(bob, mine.key)
    assert all(p.key != mine.key for p in personas_for(bob, EN))
    assert persona_store.list_personas(bob) == []
    # Alice's persona is exactly as she left it.
    assert find_persona(alice, mine.key, EN) == mine


def test_builtin_personas_cannot_be_changed_or_deleted(alice):
    with pytest.raises(RecordNotFound):
        update_persona(alice, "builtin:translator", draft())
    with pytest.raises(RecordNotFound):
        delete_persona(alice, "builtin:translator")
    with pytest.raises(RecordNotFound):
        find_persona(alice, "builtin:nonexistent", EN)
    assert find_persona(alice, "builtin:translator", ZH).name == "翻译"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"name": "   "}, "name_missing"),
        ({"name": "x" * 81}, "name_too_long"),
        ({"icon": "abc"}, "icon"),
        ({"icon": "![x](http://evil.test/a.png)"}, "icon"),
        ({"icon": "🙂\u202e"}, "icon"),  # a bidi override is no part of an emoji
        ({"icon": "🙂" * 17}, "icon"),
        ({"prompt": "x" * 20_001}, "prompt_too_long"),
        ({"temperature": 2.5}, "temperature"),
        ({"temperature": -0.1}, "temperature"),
        ({"temperature": float("nan")}, "temperature"),
    ],
)
def test_a_bad_persona_is_refused_with_the_reason_and_nothing_is_kept(alice, changes, reason):
    with pytest.raises(SettingsRejected) as refused:
        create_persona(alice, draft(**changes))
    assert refused.value.reason == reason
    assert persona_store.list_personas(alice) == []


@pytest.mark.parametrize("icon", ["🧑‍💻", "✂️", "🇨🇳", "👍🏽", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"])
def test_emoji_sequences_are_icons(alice, icon):
    assert create_persona(alice, draft(icon=icon)).icon == icon


def test_a_users_personas_go_with_the_user(alice, bob):
    from core.store.db import session
    from core.store.models import User

    create_persona(alice, draft())
    create_persona(bob, draft(name="Bob's"))
    with session() as db:
        db.delete(db.get(User, alice))
    assert persona_store.count_personas(alice) == 0
    assert [p.name for p in persona_store.list_personas(bob)] == ["Bob's"]


def test_delete_all_my_data_takes_ones_own_personas_only(alice, bob):
    from core.personas import delete_all_personas

    create_persona(alice, draft())
    create_persona(alice, draft(name="Second"))
    create_persona(bob, draft(name="Bob's"))
    assert delete_all_personas(alice) == 2
    assert personas_for(alice, EN) == builtin_personas(EN)
    assert [p.name for p in persona_store.list_personas(bob)] == ["Bob's"]
