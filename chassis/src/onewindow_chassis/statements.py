"""SQLAlchemy Core statements for the hot path: written once with the tables, run on the driver.

calibration.md measured SQLAlchemy Core at 2–4× the driver's CPU per statement (~360 µs against ~100 µs
here: compile-cache lookup, parameter processing, the greenlet hop, result objects). A `Statement` keeps
SQLAlchemy as the one place a query is written, for both dialects, and on PostgreSQL compiles it ONCE
to asyncpg's `$n` form and sends it straight to the connection under the transaction (asyncpg then
prepares it once per connection). SQLite, the embedded default, goes through SQLAlchemy as before.

Writes nobody reads back in the same transaction (a generated document, the case list row, the
remembered reply) can wait: `later()` queues them and the transaction sends them all as ONE statement
just before it commits (on PostgreSQL, data-modifying CTEs; on SQLite, one after another). Each such
round trip saved is ~0.1 ms of the service's CPU and a protocol exchange of PostgreSQL's.

Parameters are named `sa.bindparam`s. Expanding `IN` lists are not supported (their SQL depends on the
list's length): filter in Python, or write one statement per shape. A statement whose form differs by
dialect (`INSERT … ON CONFLICT`) is given as a function of the dialect's `insert`.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.sql.expression import Executable

from .db import Transaction

_PG = asyncpg_dialect()
_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[tuple[str, _Processor, Any], ...]  # positional: name, the type's bind processor, a fixed value
    columns: tuple[tuple[str, _Processor], ...]  # result: key, and the type's result processor


class Statement:
    """One Core statement (`select`, `insert`, `update`, `delete`) with named bind parameters."""

    def __init__(self, statement: Executable | Callable[[Callable[..., Any]], Executable]) -> None:
        if callable(statement) and not isinstance(statement, Executable):  # built per dialect
            self._postgresql, self._sqlite = statement(postgresql.insert), statement(sqlite.insert)
        else:
            self._postgresql = self._sqlite = statement
        self._compiled: _Compiled | None = None

    def _for_driver(self) -> _Compiled:
        if self._compiled is None:
            compiled = self._postgresql.compile(dialect=_PG)
            if "POSTCOMPILE" in compiled.string:
                raise TypeError("expanding IN parameters cannot be compiled once; see the module's docstring")
            params = tuple((name, compiled.binds[name].type._cached_bind_processor(_PG), compiled.binds[name].value)
                           for name in compiled.positiontup or ())
            selected = getattr(self._postgresql, "selected_columns", None)
            if selected is None:  # INSERT/UPDATE/DELETE … RETURNING
                selected = getattr(self._postgresql, "_returning", ())
            columns = tuple((column.key, column.type._cached_result_processor(_PG, None)) for column in selected)
            self._compiled = _Compiled(compiled.string, params, columns)
        return self._compiled

    def _arguments(self, compiled: _Compiled, values: Mapping[str, Any]) -> list[Any]:
        arguments = []
        for name, process, fixed in compiled.params:
            value = values[name] if name in values else fixed  # a literal in the statement is an anonymous bind
            arguments.append(process(value) if process else value)
        return arguments

    async def execute(self, tx: Transaction, **values: Any) -> None:
        """Run it for its effect."""
        if tx.dialect != "postgresql":
            await tx.conn.execute(self._sqlite, values)
            return
        compiled = self._for_driver()
        await (await tx.driver()).execute(compiled.sql, *self._arguments(compiled, values))

    async def rows(self, tx: Transaction, **values: Any) -> list[dict[str, Any]]:
        """Run it and return every row as a dict keyed by column key."""
        if tx.dialect != "postgresql":
            return [dict(row) for row in (await tx.conn.execute(self._sqlite, values)).mappings()]
        compiled = self._for_driver()
        records = await (await tx.driver()).fetch(compiled.sql, *self._arguments(compiled, values))
        return [{key: process(value) if process else value for (key, process), value in zip(compiled.columns, record)}
                for record in records]

    async def first(self, tx: Transaction, **values: Any) -> dict[str, Any] | None:
        found = await self.rows(tx, **values)
        return found[0] if found else None

    def later(self, tx: Transaction, **values: Any) -> dict[str, Any]:
        """Queue this write to go with the transaction's others in one statement before it commits.
        Only for rows this transaction will not read again: until then they are not in the database.
        Returns the queued values, which the caller may still change until the flush."""
        if not self._postgresql.is_dml or getattr(self._postgresql, "_returning", ()):
            raise TypeError("only INSERT, UPDATE or DELETE without RETURNING can wait for the commit")
        tx.pending.append((self, values))
        return values


_PARAMETER = re.compile(r"\$(\d+)")
_MAX_COMBINED = 200  # writes per statement: well inside PostgreSQL's 32,767 parameters; more go one by one
_combined: dict[tuple[Statement, ...], str] = {}  # by the sequence of statements queued


async def flush(tx: Transaction) -> None:
    """Send the queued writes (see `Statement.later`) as one statement; the transaction calls this."""
    pending, tx.pending = tx.pending, []
    if not pending:
        return
    if tx.dialect != "postgresql" or len(pending) == 1 or len(pending) > _MAX_COMBINED:
        for statement, values in pending:
            await statement.execute(tx, **values)
        return
    shape = tuple(statement for statement, _ in pending)
    sql = _combined.get(shape)
    arguments: list[Any] = []
    parts = []
    for statement, values in pending:
        compiled = statement._for_driver()
        if sql is None:  # renumber its $n after the parameters of the writes before it
            parts.append(_PARAMETER.sub(lambda m, offset=len(arguments): f"${int(m[1]) + offset}", compiled.sql))
        arguments += statement._arguments(compiled, values)
    if sql is None:
        # Each write a CTE of its own: PostgreSQL runs them all, in one snapshot, as one statement.
        sql = "WITH " + ", ".join(f"w{n} AS ({part})" for n, part in enumerate(parts)) + " SELECT 1"
        if len(_combined) < 1000:
            _combined[shape] = sql
    await (await tx.driver()).execute(sql, *arguments)


def param(name: str, type_: Any = None) -> Any:
    """A named bind parameter (`sa.bindparam`), typed where the column alone does not say."""
    return sa.bindparam(name, type_=type_)
