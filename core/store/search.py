"""Finding one's words again: search over conversation titles and messages.

On SQLite, the FTS5 trigram indexes of migration 0002 find the candidates and
bm25 ranks them (an answer's text weighs more than its reasoning; a shorter
message that says the words more often comes first). The trigram tokenizer
cannot look up anything shorter than three characters, so shorter terms
("量子", "AI") are matched with LIKE: as a filter on what the index found
when the query also has a longer term; alone, on the candidates of a side
index of characters and character pairs (core/store/grams.py, Alembic
revision 0011), newest first.

On PostgreSQL, pg_trgm GIN indexes (Alembic revision 0002) serve ILIKE
'%term%' for terms of three characters or more, in any script; the newest
matches are ranked by a bm25-like score computed from the terms' occurrences
(the same weights as on SQLite). Terms of one or two characters alone are
looked up, for all but the newest messages, in GIN indexes of each text's
characters and pairs tagged with the band of ids the message is in (revision
0020, `duet_dated_grams()`), newest bands first; the ILIKE decides, as the
LIKE does on SQLite.
Without an index (SQLite built without FTS5, PostgreSQL without pg_trgm)
every term is a LIKE, newest first.

What a person types is never FTS5 syntax. Each word, or "quoted phrase", is
quoted as a literal string inside the match expression, and the expression
is a bound parameter; so AND, OR, NOT, NEAR, *, ^, column filters and
unbalanced quotes are searched for as the text they are.

Attached files are searched by their extracted text, through an index of
their own (Alembic revision 0018: FTS5 `attachments_fts` on SQLite, a pg_trgm
index on PostgreSQL; terms shorter than three characters filter with LIKE,
and alone scan the user's files). A hit in a file opens the conversation at
the question the file was attached to and names the file (`in_file`).

Results are the user's own, always: every query joins the conversation and
filters on its owner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy import (
    text as sql,
)
from sqlalchemy.orm import Session

from core.store import grams
from core.store.db import session
from core.store.models import AttachmentRow, Conversation, Message
from core.store.views import UNFINISHED
from core.text import without_markup

TRIGRAM = 3  # the shortest term the index can look up
MAX_TERMS = 8
MAX_TERM_CHARS = 200
TITLE_HITS = 5
PER_CONVERSATION = 3  # so that one long chat does not fill the whole list
RANK_WINDOW = 1000  # how many of the newest matches bm25 ranks
CONTENT_WEIGHT, REASONING_WEIGHT = 1.0, 0.4
# bm25's constants (FTS5's own), and the text length its score treats as usual.
BM25_K1, BM25_B, USUAL_CHARS = 1.2, 0.75, 400
TRIGRAM_INDEX = "ix_messages_content_trgm"  # made by Alembic revision 0002
GRAMS_INDEX = "ix_messages_content_dated_grams"  # made by Alembic revision 0020
# PostgreSQL's short-term lookup. A GIN index gives every match of a key at
# once, unordered, and each is read from the table before the newest can be
# picked (4,953 for "量子" in a million messages: 117 ms). So the newest
# GRAMS_WINDOW messages are read first, newest first, checked by ILIKE alone
# (a common term ends there, "AI" within a few hundred), and reading on goes
# on while the matches seen so far say that at most GRAMS_WALK_AT_MOST more
# messages will do. Older messages are asked of the index band by band
# (revision 0020 keys each gram with its message's band of 2**BAND_BITS ids),
# newest bands first, as many bands as the matches so far say a page needs.
GRAMS_WINDOW = 2**10
GRAMS_WALK_AT_MOST = 2**12
BAND_BITS = 13  # revision 0020's duet_dated_grams(): message id >> 13
# At most this many times the bands asked so far, next time: after a band with
# no match, all the rest of a million messages' bands (a rare term's matches
# are few wherever they are; one query costs a round trip and a plan).
BANDS_GROWTH = 64
SNIPPET_BEFORE, SNIPPET_AFTER = 32, 96

_messages_fts = table("messages_fts", column("rowid"))
_titles_fts = table("conversations_fts", column("rowid"))
_messages_grams = table("messages_grams", column("rowid"))
_attachments_fts = table("attachments_fts", column("rowid"))


@dataclass(frozen=True)
class Snippet:
    """A line of text around the first match: `before`, the match, `after`."""

    before: str
    match: str
    after: str


@dataclass(frozen=True)
class SearchHit:
    conversation_id: int
    conversation_public_id: str
    title: str
    archived: bool
    message_id: int | None  # None when the title matched
    role: str | None
    in_reasoning: bool
    snippet: Snippet
    at: float  # when the message was written (or the conversation last active)
    in_file: str | None = None  # the attached file whose text matched (untrusted name)


def parse_query(text: str) -> list[str]:
    """The terms to find: words, or "quoted phrases". A quote without a partner is ignored."""
    parts = text.split('"')
    if len(parts) % 2 == 0:  # an odd number of quotes: the last one is unpaired
        parts[-2:] = [f"{parts[-2]} {parts[-1]}"]
    terms: list[str] = []
    for index, part in enumerate(parts):
        if index % 2:
            terms.append(" ".join(part.split()))
        else:
            terms.extend(part.split())
    unique: dict[str, str] = {}
    for term in terms:
        if term:
            unique.setdefault(term.casefold(), term[:MAX_TERM_CHARS])
    return list(unique.values())[:MAX_TERMS]


def match_expression(terms: list[str], columns: tuple[str, ...] | None = None) -> str:
    """An FTS5 query that finds every term as literal text (implicit AND)."""
    phrases = " ".join('"' + term.replace('"', '""') + '"' for term in terms)
    if columns is None:
        return phrases
    return "{" + " ".join(columns) + "} : (" + phrases + ")"


def search(
    user_id: int, text: str, *, include_reasoning: bool = False, limit: int = 20
) -> list[SearchHit]:
    """The user's conversations whose title, or messages, contain every term of `text`.

    Title matches come first, then messages by relevance; at most
    `PER_CONVERSATION` messages of one conversation.
    """
    terms = parse_query(text)
    if not terms:
        return []
    with session() as db:
        if has_trigram_index(db):
            if _only_short(terms) and has_grams_index(db):
                # psycopg prepares a statement run five times, and PostgreSQL may
                # then plan it once for any term: blind to the term, it cannot read
                # the index of pairs (4 s instead of 25 ms for "ou"). Plan each time.
                db.execute(sql("SET LOCAL plan_cache_mode = force_custom_plan"))
                # The planner cannot know how many messages a term's keys hold
                # (any key it has no statistics for counts as 0.5% of rows), so
                # it may think a lookup of many bands dear enough for parallel
                # workers and JIT compilation: 40 and 100 ms of start-up for a
                # lookup of a few milliseconds.
                db.execute(sql("SET LOCAL jit = off"))
                db.execute(sql("SET LOCAL max_parallel_workers_per_gather = 0"))
            titles = _trigram_title_hits(db, user_id, terms)
            messages = _trigram_message_hits(db, user_id, terms, include_reasoning, limit * 3)
        else:
            indexed = has_search_index(db)
            titles = _title_hits(db, user_id, terms, indexed)
            messages = _message_hits(db, user_id, terms, indexed, include_reasoning, limit * 3)
        files = _file_hits(db, user_id, terms, limit)
    found = _spread(_interleaved(messages, files))
    return titles + found[: max(0, limit - len(titles))]


def has_search_index(db: Session) -> bool:
    """Whether this database has the FTS tables (SQLite with FTS5 trigram)."""
    if db.bind.dialect.name != "sqlite":
        return False
    found = db.execute(
        sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages_fts'")
    )
    return found.first() is not None


def has_grams_index(db: Session) -> bool:
    """Whether this database has the side index for terms of 1-2 characters
    (SQLite with FTS5: Alembic revision 0011; PostgreSQL: revision 0020)."""
    if db.bind.dialect.name == "postgresql":
        # Asked several times in one search: once is enough (a round trip each).
        if GRAMS_INDEX not in db.info:
            found = db.scalar(sql("SELECT to_regclass(:name) IS NOT NULL"), {"name": GRAMS_INDEX})
            db.info[GRAMS_INDEX] = found
        return db.info[GRAMS_INDEX]
    if db.bind.dialect.name != "sqlite":
        return False
    found = db.execute(
        sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages_grams'")
    )
    return found.first() is not None


def has_trigram_index(db: Session) -> bool:
    """Whether this database has the pg_trgm indexes (PostgreSQL with pg_trgm)."""
    if db.bind.dialect.name != "postgresql":
        return False
    return db.scalar(sql("SELECT to_regclass(:name) IS NOT NULL"), {"name": TRIGRAM_INDEX})


def make_snippet(text: str, terms: list[str]) -> Snippet:
    """Where the first term occurs in `text`, with some words around it, on one line."""
    longest_first = sorted(terms, key=len, reverse=True)
    found = re.search("|".join(re.escape(t) for t in longest_first), text, re.IGNORECASE)
    if found is None:  # matched in another field; show the beginning
        return Snippet("", "", _one_line(text[: SNIPPET_BEFORE + SNIPPET_AFTER]))
    start = max(0, found.start() - SNIPPET_BEFORE)
    end = found.end() + SNIPPET_AFTER
    # Markup around the match ("## ", "> ", "**") is noise in a one-line snippet.
    before = without_markup(text[start : found.start()])
    after = without_markup(text[found.end() : end])
    before = ("…" if start else "") + _one_line(before, strip=False)
    after = _one_line(after, strip=False) + ("…" if end < len(text) else "")
    return Snippet(before.lstrip(), _one_line(found.group(0)), after.rstrip())


# ---------------------------------------------------------------- internals


def _one_line(text: str, *, strip: bool = True) -> str:
    line = re.sub(r"\s+", " ", text)
    return line.strip() if strip else line


def _like(column_: ColumnElement, term: str, dialect: str) -> ColumnElement[bool]:
    pattern = "%" + re.sub(r"([\\%_])", r"\\\1", term) + "%"
    # SQLite's LIKE already ignores ASCII case; elsewhere ask for it.
    if dialect == "sqlite":
        return column_.like(pattern, escape="\\")
    return column_.ilike(pattern, escape="\\")


def _every_term_in(columns: list[ColumnElement], terms: list[str], dialect: str) -> list:
    return [or_(*(_like(c, term, dialect) for c in columns)) for term in terms]


def _holds_most_conversations(db: Session, user_id: int) -> bool:
    mine = db.scalar(select(func.count()).where(Conversation.user_id == user_id))
    return mine * 2 >= (db.scalar(select(func.count()).select_from(Conversation)) or 0)


def _owned_chats(query: Select, user_id: int) -> Select:
    return query.where(Conversation.user_id == user_id, Conversation.kind == "chat")


def _ranked_by_fts(query, fts, row_id: ColumnElement, long_terms: list[str], *, newest):
    """`query` narrowed to the rows SQLite's FTS5 table `fts` matches for the
    long terms, best bm25 first, then `newest`; with no long term (short terms
    only, or PostgreSQL), newest first."""
    if not long_terms:
        return query.order_by(newest)
    return (
        query.join(fts, fts.c.rowid == row_id)
        .where(literal_column(fts.name).op("MATCH")(match_expression(long_terms)))
        .order_by(func.bm25(literal_column(fts.name)), newest)
    )


def _title_hits(db: Session, user_id: int, terms: list[str], indexed: bool) -> list[SearchHit]:
    dialect = db.bind.dialect.name
    long_terms = [t for t in terms if len(t) >= TRIGRAM] if indexed else []
    short_terms = [t for t in terms if t not in long_terms]
    query = _owned_chats(select(Conversation), user_id).where(
        *_every_term_in([Conversation.title], short_terms, dialect)
    )
    query = _ranked_by_fts(
        query, _titles_fts, Conversation.id, long_terms, newest=Conversation.updated_at.desc()
    )
    return [_title_hit(c, terms) for c in db.scalars(query.limit(TITLE_HITS))]


def _title_hit(conversation: Conversation, terms: list[str]) -> SearchHit:
    """A conversation found by its title (no message to open it at)."""
    c = conversation
    return SearchHit(
        c.id,
        c.public_id,
        c.title,
        c.archived,
        None,
        None,
        False,
        make_snippet(c.title, terms),
        c.updated_at,
    )


def _message_hits(
    db: Session,
    user_id: int,
    terms: list[str],
    indexed: bool,
    include_reasoning: bool,
    limit: int,
) -> list[SearchHit]:
    dialect = db.bind.dialect.name
    long_terms = [t for t in terms if len(t) >= TRIGRAM] if indexed else []
    short_terms = [t for t in terms if t not in long_terms]
    fields = [Message.content, Message.reasoning] if include_reasoning else [Message.content]
    owner = Conversation.user_id
    grams_index = indexed and not long_terms and bool(short_terms) and has_grams_index(db)
    if not long_terms and not grams_index and _holds_most_conversations(db, user_id):
        # Make SQLite read messages newest first and stop at `limit` (the
        # default plan reads all of this user's messages, then sorts); `+ 0`
        # keeps it from starting with the owner index. Always so on a
        # single-user install.
        owner = Conversation.user_id + 0
    query = (
        select(Message.id.label("id"))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(owner == user_id, Conversation.kind == "chat")
        .where(*_every_term_in(fields, short_terms, dialect))
    )
    if long_terms:
        # bm25 ranks the newest RANK_WINDOW matches: a query as common as
        # "the" would otherwise rank every one of hundreds of thousands.
        columns = None if include_reasoning else ("content",)
        rank = func.bm25(literal_column("messages_fts"), CONTENT_WEIGHT, REASONING_WEIGHT)
        newest = (
            query.add_columns(rank.label("rank"))
            .join(_messages_fts, _messages_fts.c.rowid == Message.id)
            .where(
                literal_column("messages_fts").op("MATCH")(match_expression(long_terms, columns))
            )
            .order_by(_messages_fts.c.rowid.desc())
            .limit(RANK_WINDOW)
            .subquery()
        )
        query = select(newest.c.id).order_by(newest.c.rank, newest.c.id.desc())
    elif grams_index:
        # Every short term is one word of the side index (core/store/grams.py):
        # the newest messages holding them all, as the scan below would find
        # them, since the LIKEs above still decide.
        columns = None if include_reasoning else ("content",)
        words = [grams.word(term) for term in short_terms]
        query = (
            query.join(_messages_grams, _messages_grams.c.rowid == Message.id)
            .where(literal_column("messages_grams").op("MATCH")(match_expression(words, columns)))
            .where(Message.status.not_in(UNFINISHED))
            .order_by(_messages_grams.c.rowid.desc())
        )
    else:
        query = query.where(Message.status.not_in(UNFINISHED)).order_by(Message.id.desc())
    ids = list(db.scalars(query.limit(limit)))
    return _hits_in_order(db, ids, terms, include_reasoning)


def _hits_in_order(
    db: Session, ids: list[int], terms: list[str], include_reasoning: bool
) -> list[SearchHit]:
    rows = {
        message.id: (message, conversation)
        for message, conversation in db.execute(
            select(Message, Conversation)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.id.in_(ids))
        )
    }
    return [_message_hit(*rows[i], terms, include_reasoning) for i in ids if i in rows]


def _trigram_title_hits(db: Session, user_id: int, terms: list[str]) -> list[SearchHit]:
    score = _bm25_like([(Conversation.title, 1.0)], terms)
    query = (
        _owned_chats(select(Conversation), user_id)
        .where(*_every_term_in([Conversation.title], terms, "postgresql"))
        .order_by(score.desc(), Conversation.updated_at.desc())
    )
    if _only_short(terms) and has_grams_index(db):
        # As on SQLite, short terms alone list titles newest first, unranked:
        # ranking scored every match ("ou": 24,000 titles, 90 ms).
        query = (
            _owned_chats(select(Conversation), user_id)
            .where(*_every_term_in([Conversation.title], terms, "postgresql"))
            .where(*(_has_grams(Conversation.title, term) for term in terms))
            .order_by(Conversation.updated_at.desc())
        )
    return [_title_hit(c, terms) for c in db.scalars(query.limit(TITLE_HITS))]


def _only_short(terms: list[str]) -> bool:
    return all(len(term) <= grams.LONGEST for term in terms)


def _has_grams(field: ColumnElement, term: str) -> ColumnElement[bool]:
    """PostgreSQL: `field` holds every character and pair of `term` (revision 0019's
    GIN index answers it; lowered as ILIKE lowers, so no match is left out)."""
    return func.duet_grams(field).op("@>")(func.duet_grams(cast(term, Text)))


def _trigram_message_hits(
    db: Session, user_id: int, terms: list[str], include_reasoning: bool, limit: int
) -> list[SearchHit]:
    fields = [(Message.content, CONTENT_WEIGHT)]
    if include_reasoning:
        fields.append((Message.reasoning, REASONING_WEIGHT))
    # The status filter is the partial index's own condition, so the planner
    # can use it; the ILIKEs of terms of three characters or more are looked
    # up in the index, shorter ones filter what it found (or, alone, scan).
    texts = [f for f, _ in fields]
    by_band = _only_short(terms) and has_grams_index(db)
    if by_band:
        # A pattern without three characters gives pg_trgm no trigram, so its
        # index would be read whole for it; where the planner expects few
        # matches it may still pick it (then computes the dated grams of all
        # it returns). `|| ''` keeps these ILIKEs off that index.
        texts = [f + "" for f in texts]
    query = (
        select(Message.id.label("id"))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.user_id == user_id, Conversation.kind == "chat")
        .where(Message.status.not_in(UNFINISHED))
        .where(*_every_term_in(texts, terms, "postgresql"))
    )
    if any(len(term) >= TRIGRAM for term in terms):
        newest = (
            query.add_columns(_bm25_like(fields, terms).label("score"))
            .order_by(Message.id.desc())
            .limit(RANK_WINDOW)
            .subquery()
        )
        query = select(newest.c.id).order_by(newest.c.score.desc(), newest.c.id.desc())
    elif by_band:
        likes = _every_term_in(texts, terms, "postgresql")
        texts = [f for f, _ in fields]
        newest = query.order_by(Message.id.desc())
        ids = _newest_then_by_band(db, newest, user_id, texts, likes, terms, limit)
        return _hits_in_order(db, ids, terms, include_reasoning)
    else:
        query = query.order_by(Message.id.desc())
    ids = list(db.scalars(query.limit(limit)))
    return _hits_in_order(db, ids, terms, include_reasoning)


def _newest_then_by_band(
    db: Session,
    query: Select,
    user_id: int,
    texts: list[ColumnElement],
    likes: list[ColumnElement[bool]],
    terms: list[str],
    limit: int,
) -> list[int]:
    """The first `limit` ids of `query` (newest first): the newest messages read
    and checked in turn, the older ones looked up band by band (see GRAMS_WINDOW)."""
    top = db.scalar(select(func.max(Message.id))) or 0
    ids: list[int] = []
    unread = top  # every id above it has been looked at
    window = GRAMS_WINDOW
    while window:
        oldest = max(0, unread - window)
        newest = query.where(Message.id > oldest, Message.id <= unread)
        ids += db.scalars(newest.limit(limit - len(ids)))
        unread = oldest
        if len(ids) >= limit or not unread:
            return ids
        more = _ids_needed(limit - len(ids), len(ids), top - unread)
        window = more if more is not None and more <= GRAMS_WALK_AT_MOST else 0
    last, asked = unread >> BAND_BITS, 0
    while len(ids) < limit and last >= 0:
        more = _ids_needed(limit - len(ids), len(ids), top - unread)
        most = BANDS_GROWTH * max(1, asked)
        # No match yet to judge by: one band, then ever more.
        bands = (most if asked else 1) if more is None else min(most, -(-more >> BAND_BITS))
        first = max(0, last - bands + 1)
        in_bands = [or_(*(_in_bands(t, term, first, last) for t in texts)) for term in terms]
        older = _band_matches(db, user_id, [*likes, *in_bands])
        ids += [i for i in older if i <= unread][: limit - len(ids)]
        asked += last - first + 1
        last, unread = first - 1, (first << BAND_BITS) - 1
    return ids


def _band_matches(db: Session, user_id: int, conditions: list) -> list[int]:
    """The ids of the user's finished messages meeting `conditions` (an index
    lookup of some bands), newest first.

    The lookup is a query of messages alone, its owners checked in a second
    one: PostgreSQL cannot know how many rows a term's keys hold (a key it has
    no statistics for counts as 0.5% of rows, 30% for 72 bands), and joined
    with the conversations it then read a light user's 55,000 messages
    computing each one's grams (0.6 s). Alone, the index is its only way. No
    `id <=` bound either: the planner intersected that with every older id of
    the primary key (94 ms for 900,000); the caller drops ids already read."""
    found = db.execute(
        select(Message.id, Message.conversation_id)
        .where(Message.status.not_in(UNFINISHED), *conditions)
        .order_by(Message.id.desc())
    ).all()
    chats = {conversation for _, conversation in found}
    if not chats:
        return []
    mine = set(
        db.scalars(
            select(Conversation.id).where(
                Conversation.id.in_(chats),
                Conversation.user_id == user_id,
                Conversation.kind == "chat",
            )
        )
    )
    return [message for message, conversation in found if conversation in mine]


def _ids_needed(missing: int, found: int, read: int) -> int | None:
    """How many more messages probably hold `missing` more matches, judging by
    `found` in the `read` newest (half as many again, to be sure); None when
    nothing was found to judge by."""
    if not found:
        return None
    return -(-missing * read * 3 // (found * 2))


def _in_bands(field: ColumnElement, term: str, first: int, last: int) -> ColumnElement[bool]:
    """PostgreSQL: `field` of a message in bands `first` to `last` holds `term`'s
    pair (or character), per revision 0020's index of dated grams (lowered as
    ILIKE lowers, so no match is left out)."""
    dated = func.duet_dated_grams(field, Message.id)
    return dated.op("&&")(func.duet_gram_keys(cast(term, Text), first, last))


def _bm25_like(fields: list[tuple[ColumnElement, float]], terms: list[str]) -> ColumnElement:
    """bm25's shape without an index's statistics: per term and field, the count of
    occurrences, saturating, divided down for long texts; weighted like FTS5's bm25."""
    total = literal_column("0.0")
    for field, weight in fields:
        norm = BM25_K1 * (1 - BM25_B + BM25_B * func.char_length(field) / USUAL_CHARS)
        lowered = func.lower(field)
        for term in terms:
            removed = func.char_length(lowered) - func.char_length(
                func.replace(lowered, term.lower(), "")
            )
            count = removed * 1.0 / len(term)
            total = total + weight * count * (BM25_K1 + 1) / (count + norm)
    return total


def _message_hit(
    message: Message, conversation: Conversation, terms: list[str], include_reasoning: bool
) -> SearchHit:
    snippet = make_snippet(message.content, terms)
    in_reasoning = include_reasoning and not snippet.match and bool(message.reasoning)
    if in_reasoning:
        snippet = make_snippet(message.reasoning, terms)
    return SearchHit(
        conversation.id,
        conversation.public_id,
        conversation.title,
        conversation.archived,
        message.id,
        message.role,
        in_reasoning,
        snippet,
        message.created_at,
    )


def _file_hits(db: Session, user_id: int, terms: list[str], limit: int) -> list[SearchHit]:
    """Questions whose attached files' text holds every term: the best-ranked
    files first on SQLite's index, the newest first otherwise."""
    dialect = db.bind.dialect.name
    indexed = dialect == "sqlite" and _has_files_index(db)
    long_terms = [t for t in terms if len(t) >= TRIGRAM] if indexed else []
    short_terms = [t for t in terms if t not in long_terms]
    query = (
        select(AttachmentRow, Message, Conversation)
        .join(Message, Message.id == AttachmentRow.message_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.user_id == user_id, Conversation.kind == "chat")
        # On PostgreSQL the ILIKEs of terms of 3+ characters use the trigram index.
        .where(*_every_term_in([AttachmentRow.text], short_terms, dialect))
    )
    query = _ranked_by_fts(
        query, _attachments_fts, AttachmentRow.id, long_terms, newest=AttachmentRow.id.desc()
    )
    return [
        _file_hit(file, message, conversation, terms)
        for file, message, conversation in db.execute(query.limit(limit))
    ]


def _has_files_index(db: Session) -> bool:
    found = db.execute(
        sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'attachments_fts'")
    )
    return found.first() is not None


def _file_hit(
    file: AttachmentRow, message: Message, conversation: Conversation, terms: list[str]
) -> SearchHit:
    return SearchHit(
        conversation.id,
        conversation.public_id,
        conversation.title,
        conversation.archived,
        message.id,
        message.role,
        False,
        make_snippet(file.text, terms),
        message.created_at,
        in_file=file.name,
    )


def _interleaved(messages: list[SearchHit], files: list[SearchHit]) -> list[SearchHit]:
    """Message and file hits taken in turn, each list in its own rank order,
    so a search that matches many messages still shows the files it found.
    One file hit per question (the best): a question is one place to open."""
    best: dict[int | None, SearchHit] = {}
    for hit in files:
        best.setdefault(hit.message_id, hit)
    files = list(best.values())
    merged: list[SearchHit] = []
    for pair in zip(messages, files, strict=False):
        merged.extend(pair)
    longer = messages if len(messages) > len(files) else files
    merged.extend(longer[min(len(messages), len(files)) :])
    return merged


def _spread(hits: list[SearchHit]) -> list[SearchHit]:
    """At most `PER_CONVERSATION` hits of one conversation, keeping the order."""
    seen: dict[int, int] = {}
    kept = []
    for hit in hits:
        seen[hit.conversation_id] = seen.get(hit.conversation_id, 0) + 1
        if seen[hit.conversation_id] <= PER_CONVERSATION:
            kept.append(hit)
    return kept
