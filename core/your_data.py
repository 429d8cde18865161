"""Everything a person keeps here, as one thing: export it, import it, erase it.

The sidebar's "Your data" panel calls these; the rules live here. Erasing
everything has one guarantee, whoever calls it: the person's batch runs stop
starting cells first, then their answers being written stop (so nothing saves
into rows about to go), then the store erases their conversations, batches
and feedback votes for real (core/store/erase.py), then their own personas.
"""

from __future__ import annotations

from core.batch import BatchRunner
from core.catalog import Catalog
from core.chat import ChatService
from core.export import parse_json
from core.personas import delete_all_personas
from core.store import erase, transfer
from core.store.db import unit_of_work
from core.store.transfer import ImportSummary


class YourData:
    def __init__(self, catalog: Catalog, chat: ChatService, batches: BatchRunner) -> None:
        self._policy = catalog.policy  # the caps on an import file and on stored text
        self._chat = chat
        self._batches = batches

    def export_all(self, user_id: int) -> dict:
        """Every conversation of the person's, as one export document."""
        return transfer.export_conversations(user_id)

    def import_file(self, user_id: int, data: bytes) -> ImportSummary:
        """Add what an uploaded export holds that the person does not have yet.

        `ImportRejected` (saying why) for a file that is too large, not JSON,
        not an export, or would take their stored text past `[policy]
        max_stored_mb` or their kept original files past `max_stored_files_mb`;
        nothing is written then.
        """
        document = parse_json(data, max_bytes=_megabytes(self._policy.max_import_mb))
        return transfer.import_conversations(
            user_id,
            document,
            max_stored_bytes=_megabytes(self._policy.max_stored_mb),
            max_stored_file_bytes=_megabytes(self._policy.max_stored_files_mb),
        )

    def erase_all(self, user_id: int) -> int:
        """Stop what runs for the person, then erase all they wrote; returns how
        many conversations went."""
        self._batches.stop_all(user_id)  # before its answers, so none starts anew
        self._chat.stop_all(user_id)
        # One unit of work: everything goes, or (a full disk, a lost server)
        # nothing does and "Delete all my data" can simply be pressed again.
        with unit_of_work() as db:
            erased = erase.delete_all_conversations(user_id, db=db)
            delete_all_personas(user_id, db=db)  # the prompts they wrote are their data too
        erase.forget_deleted_text()
        return erased


def _megabytes(cap: float) -> int | None:
    return int(cap * 1_000_000) if cap else None  # 0: no cap
