"""Compare a live table with its rebuilt copy, row by row on the primary key, inside the database.

Three anti/inner joins count missing, extra and changed rows and fetch a few of each as examples, so
a table of millions of rows is compared without pulling it into Python.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ..db import Transaction
from ..eventstore import Cursor

Key = tuple[Any, ...]


@dataclass(frozen=True)
class ChangedRow:
    key: Key
    columns: dict[str, tuple[Any, Any]]  # column -> (live value, rebuilt value), differing ones only


@dataclass(frozen=True)
class TableDiff:
    table: str
    missing: int  # rows the rebuild has and live lacks
    extra: int  # rows live has and the rebuild lacks
    changed: int  # rows under the same key with different values
    missing_keys: list[Key] = field(default_factory=list)
    extra_keys: list[Key] = field(default_factory=list)
    changed_rows: list[ChangedRow] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return self.missing == self.extra == self.changed == 0


@dataclass(frozen=True)
class VerifyReport:
    projection: str
    cursor: Cursor  # both sides were compared having applied exactly the events up to here
    tables: list[TableDiff]

    @property
    def equal(self) -> bool:
        return all(table.equal for table in self.tables)

    def __str__(self) -> str:
        verdict = "equal" if self.equal else "DIFFERENT"
        lines = [f"{self.projection} at {tuple(self.cursor)}: live and rebuild are {verdict}"]
        for diff in self.tables:
            lines.append(f"  {diff.table}: {diff.missing} missing, {diff.extra} extra, {diff.changed} changed")
            lines += [f"    missing {key}" for key in diff.missing_keys]
            lines += [f"    extra   {key}" for key in diff.extra_keys]
            for row in diff.changed_rows:
                values = ", ".join(
                    f"{name} live={live!r} rebuilt={rebuilt!r}" for name, (live, rebuilt) in row.columns.items()
                )
                lines.append(f"    changed {row.key}: {values}")
        return "\n".join(lines)


def _comparable(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[Any]:
    """PostgreSQL's `json` (unlike `jsonb`) has no equality: compare such columns as jsonb."""
    if dialect == "postgresql":
        kind = column.type.dialect_impl(postgresql.dialect())
        if isinstance(kind, sa.JSON) and not isinstance(kind, postgresql.JSONB):
            return sa.cast(column, postgresql.JSONB)
    return column


async def diff_table(tx: Transaction, live: sa.Table, rebuilt: sa.Table, examples: int = 5) -> TableDiff:
    keys = [column.name for column in live.primary_key.columns]
    values = [column.name for column in live.columns if column.name not in keys]
    same_key = sa.and_(*(live.c[name] == rebuilt.c[name] for name in keys))

    async def count_and_show(query: sa.Select[Any]) -> tuple[int, list[Any]]:
        count = (await tx.conn.execute(sa.select(sa.func.count()).select_from(query.subquery()))).scalar_one()
        shown = (await tx.conn.execute(query.limit(examples))).all() if count else []
        return count, shown

    def absent_from(present: sa.Table, absent: sa.Table) -> sa.Select[Any]:
        return (
            sa.select(*(present.c[name] for name in keys))
            .select_from(present.outerjoin(absent, same_key))
            .where(absent.c[keys[0]].is_(None))  # a primary key column is never NULL in a real row
            .order_by(*(present.c[name] for name in keys))
        )

    missing, missing_rows = await count_and_show(absent_from(rebuilt, live))
    extra, extra_rows = await count_and_show(absent_from(live, rebuilt))
    changed, changed_rows = 0, []
    if values:
        dialect = tx.dialect
        differs = sa.or_(
            *(_comparable(live.c[n], dialect).is_distinct_from(_comparable(rebuilt.c[n], dialect)) for n in values)
        )
        query = (
            sa.select(*(live.c[n] for n in keys), *(live.c[n] for n in values), *(rebuilt.c[n] for n in values))
            .select_from(live.join(rebuilt, same_key))
            .where(differs)
            .order_by(*(live.c[n] for n in keys))
        )
        changed, changed_rows = await count_and_show(query)
    return TableDiff(
        table=live.name,
        missing=missing,
        extra=extra,
        changed=changed,
        missing_keys=[tuple(row) for row in missing_rows],
        extra_keys=[tuple(row) for row in extra_rows],
        changed_rows=[_changed(row, len(keys), values) for row in changed_rows],
    )


def _changed(row: Sequence[Any], key_count: int, values: list[str]) -> ChangedRow:
    key, rest = tuple(row[:key_count]), row[key_count:]
    live, rebuilt = rest[: len(values)], rest[len(values) :]
    return ChangedRow(key, {name: (a, b) for name, a, b in zip(values, live, rebuilt) if a != b})
