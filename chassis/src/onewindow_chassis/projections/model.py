"""What a projection is: a name, the tables it owns (its read model), and a handler for a page of events.

The handler is given the tables to write to, keyed by their live names. A live run passes the live
tables, a rebuild passes shadow copies; the handler cannot tell, so both run the one code path.
It takes a whole page (in global order) rather than one event so it can fold the page in memory and
write it in a few batched statements: per-event statements cap a rebuild at the round-trip rate.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import conv

from ..db import Transaction
from ..eventstore import RecordedEvent

Tables = Mapping[str, sa.Table]
Apply = Callable[[Sequence[RecordedEvent], Transaction, Tables], Awaitable[None]]
ApplyOne = Callable[[RecordedEvent, Transaction, Tables], Awaitable[None]]

SHADOW = "__rebuild"  # suffix of a rebuild's tables and of its reader in read_positions


@dataclass(frozen=True)
class Projection:
    name: str
    tables: Sequence[sa.Table]  # parents first, if one table's rows are derived from another's
    apply: Apply

    def __post_init__(self) -> None:
        if not self.name or SHADOW in self.name:
            raise ValueError(f"projection name {self.name!r} must be non-empty and not contain {SHADOW!r}")
        names = [table.name for table in self.tables]
        if len(set(names)) != len(names):
            raise ValueError(f"projection {self.name!r} lists a table twice")
        for table in self.tables:
            if not table.primary_key.columns:
                raise ValueError(f"table {table.name!r} needs a primary key: verify compares rows by it")
            if table.foreign_keys:
                # A shadow copy would point at the live parent; a read model gains nothing from them.
                raise ValueError(f"table {table.name!r} has foreign keys; read-model tables must not")

    @property
    def live(self) -> dict[str, sa.Table]:
        return {table.name: table for table in self.tables}


def each_event(handler: ApplyOne) -> Apply:
    """Adapt a one-event handler (simple, one or more statements per event) to the page shape."""

    async def apply(page: Sequence[RecordedEvent], tx: Transaction, tables: Tables) -> None:
        for event in page:
            await handler(event, tx, tables)

    return apply


def shadow_tables(projection: Projection) -> dict[str, sa.Table]:
    """Copies of the live tables under suffixed names, in a MetaData of their own, keyed by live name."""
    metadata = sa.MetaData()
    copies = {}
    for table in projection.tables:
        copy = table.to_metadata(metadata, name=table.name + SHADOW)
        # Index and constraint names are per schema (PostgreSQL) or per file (SQLite): suffix the
        # explicit ones. Names a naming convention derived (`conv`) already follow the new table name.
        for item in [*copy.indexes, *copy.constraints]:
            if item.name and not isinstance(item.name, conv):
                item.name = item.name + SHADOW
        copies[table.name] = copy
    return copies


def insert(tx: Transaction, table: sa.Table) -> Any:
    """An INSERT of the transaction's dialect, so handlers can use `on_conflict_do_update` on both."""
    return (postgresql.insert if tx.dialect == "postgresql" else sqlite.insert)(table)
