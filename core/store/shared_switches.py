"""Switches every process reads on PostgreSQL: demo faults and breaker resets.

Rows are written with an upsert (PostgreSQL's ON CONFLICT), so two replicas
pressing the same switch at once both succeed and the later one wins. Only
used on PostgreSQL: on SQLite one process keeps these in memory.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from core.store.db import session
from core.store.models import BreakerReset, DemoFaultSwitch

FAULT_FIELDS = ("busy_rate", "retry_after", "down", "speed")


def read_demo_faults() -> dict[str, dict]:
    """Every demo provider's switches that someone set: provider id -> fields."""
    with session() as db:
        rows = db.scalars(select(DemoFaultSwitch)).all()
        return {row.provider_id: {f: getattr(row, f) for f in FAULT_FIELDS} for row in rows}


def write_demo_faults(provider_id: str, fields: dict, at: float) -> None:
    values = {f: fields[f] for f in FAULT_FIELDS} | {"updated_at": at}
    statement = insert(DemoFaultSwitch).values(provider_id=provider_id, **values)
    with session() as db:
        db.execute(statement.on_conflict_do_update(index_elements=["provider_id"], set_=values))


def reset_breakers(route_keys: list[str], at: float) -> None:
    """Close these routes' breakers for every process: failures before `at` no longer count."""
    if not route_keys:
        return
    statement = insert(BreakerReset).values([{"route_key": k, "reset_at": at} for k in route_keys])
    with session() as db:
        db.execute(
            statement.on_conflict_do_update(
                index_elements=["route_key"], set_={"reset_at": statement.excluded.reset_at}
            )
        )
