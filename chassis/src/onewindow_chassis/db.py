"""One database handle per process, and the transaction every write goes through.

Services never commit: `Database.transaction()` commits when its block ends and rolls back on
any exception, so the events, outbox rows, tracking rows and timers a handler writes land together.
"""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

Dialect = Literal["postgresql", "sqlite"]


def async_url(url: str) -> str:
    """Accept the plain URLs people write (`postgresql://…`, `sqlite:///…`) and name the async driver."""
    scheme, _, rest = url.partition("://")
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+asyncpg://{rest}"
    if scheme == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    return url


def dialect_of(url: str) -> Dialect:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


@dataclass
class Transaction:
    """An open transaction. `conn` takes SQLAlchemy Core statements; `driver()` the hot path."""

    conn: AsyncConnection
    dialect: Dialect
    # What this transaction already read and may read again (e.g. a person's data key): gone with it,
    # so nothing cached outlives the transaction that was entitled to it.
    cache: dict[Any, Any] = field(default_factory=dict)
    # Writes queued to go together just before the commit (statements.Statement.later).
    pending: list[Any] = field(default_factory=list)

    async def flush(self) -> None:
        """Send the queued writes now (the transaction does so before it commits in any case)."""
        from .statements import flush  # statements builds on this module

        await flush(self)

    async def driver(self) -> Any:
        """The asyncpg connection under this transaction, with the transaction begun.

        SQLAlchemy's asyncpg adapter sends BEGIN lazily, on its own first statement. A statement sent
        straight to the driver before that would run outside the transaction, so begin it here.
        """
        raw = await self.conn.get_raw_connection()
        adapted = raw.dbapi_connection
        if getattr(adapted, "_transaction", "absent") is None:
            async with adapted._execute_mutex:
                await adapted._start_transaction()
        elif not hasattr(adapted, "_transaction"):  # an adapter that no longer has the hook
            await self.conn.exec_driver_sql("SELECT 1")
        return adapted.driver_connection


class Database:
    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = async_url(url)
        self.dialect: Dialect = dialect_of(self.url)
        if self.dialect == "sqlite":
            self.engine: AsyncEngine = create_async_engine(
                self.url, echo=echo, connect_args={"timeout": 30}
            )
            _sqlite_serialised_writes(self.engine)
        else:
            self.engine = create_async_engine(
                self.url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False
            )

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self.engine.begin() as conn:
            tx = Transaction(conn, self.dialect)
            yield tx
            await tx.flush()

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_serialised_writes(engine: AsyncEngine) -> None:
    """SQLite allows one writer. Take the write lock at BEGIN (IMMEDIATE) so two transactions never
    both read and then deadlock upgrading to write; WAL lets readers go on meanwhile."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we send BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
