"""A judge's requests about blind human votes (core/judging/agreement.py).

Each row points at the judge's reply, an ordinary message in a conversation
of the user who asked for the re-judging (kind "batch", out of the chat
list). Rows go with their vote; the reply's state is the message's state.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.store.db import session
from core.store.models import JudgeAgreement, Message
from core.store.views import MessageView, view_of


@dataclass(frozen=True)
class AgreementRequest:
    judge_model_id: str
    vote_id: int
    swapped: bool
    message: MessageView | None


def record(judge_model_id: str, vote_id: int, swapped: bool, message_id: int) -> None:
    with session() as db:
        row = db.scalar(
            select(JudgeAgreement).where(
                JudgeAgreement.judge_model_id == judge_model_id,
                JudgeAgreement.vote_id == vote_id,
                JudgeAgreement.swapped == swapped,
            )
        )
        if row is None:
            db.add(
                JudgeAgreement(
                    judge_model_id=judge_model_id,
                    vote_id=vote_id,
                    swapped=swapped,
                    message_id=message_id,
                )
            )
        else:
            row.message_id = message_id


def requests(judge_model_id: str | None = None) -> list[AgreementRequest]:
    """Every request (of one judge, or of all), with the judge's reply."""
    with session() as db:
        query = (
            select(JudgeAgreement, Message)
            .outerjoin(Message, Message.id == JudgeAgreement.message_id)
            .order_by(JudgeAgreement.id)
        )
        if judge_model_id is not None:
            query = query.where(JudgeAgreement.judge_model_id == judge_model_id)
        return [
            AgreementRequest(
                row.judge_model_id,
                row.vote_id,
                row.swapped,
                view_of(message, MessageView) if message is not None else None,
            )
            for row, message in db.execute(query)
        ]


def request_of(judge_model_id: str, vote_id: int, swapped: bool) -> AgreementRequest | None:
    with session() as db:
        row = db.scalar(
            select(JudgeAgreement).where(
                JudgeAgreement.judge_model_id == judge_model_id,
                JudgeAgreement.vote_id == vote_id,
                JudgeAgreement.swapped == swapped,
            )
        )
        if row is None:
            return None
        message = db.get(Message, row.message_id) if row.message_id is not None else None
        return AgreementRequest(
            row.judge_model_id,
            row.vote_id,
            row.swapped,
            view_of(message, MessageView) if message else None,
        )
