"""Where one intake application's CPU goes, phase by phase: `uv run --frozen python -m bench.intake_phases`.

A diagnostic beside bench/intake.py's HTTP row. The intake app runs in THIS process (no uvicorn, no
wrk), its lifespan as usual but with the background work (outbox relay, consumer, timers) left out, and
applications are sent one at a time through httpx's ASGI transport, so nothing else runs while one is
handled and `time.process_time()` deltas belong to it alone. Each of these is wrapped (monkeypatched
here, nothing in the services changes) and its CPU summed per application, inclusive of what it calls:

- the ASGI app as a whole (server side: routing, dependencies, token, body, handler, reply);
- `Database.transaction()` entry (pool checkout, BEGIN is lazy) and exit (COMMIT, checkin);
- every `AsyncConnection.execute` (SQLAlchemy Core: compile cache, parameters, greenlet, driver round
  trip, result), grouped by statement; `PostgresEventStore.append` (the chassis's one-statement append on
  the driver); `PersonalDataVault.seal`; the token check; `idempotency.request_hash`; `case_view`.

Options: --applications N (timed, default 300, round robin over --applicants K, default 30), --history N
(cases each applicant already has before the timed ones, default 0; the vault grows by one generated
form per case, and every application reads the applicant's whole vault), --body vault|materials,
--cprofile FILE (cProfile the timed applications too; the phase figures then include its overhead).
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import json
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from . import intake
from .infra import Infra, create_database, drop_database

cpu: collections.Counter[str] = collections.Counter()
calls: collections.Counter[str] = collections.Counter()


def _timed_async(name: str | Callable[..., str], fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = name(*args, **kwargs) if callable(name) else name
        t0 = time.process_time()
        try:
            return await fn(*args, **kwargs)
        finally:
            cpu[key] += time.process_time() - t0
            calls[key] += 1
    return wrapper


def _timed_sync(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            cpu[name] += time.process_time() - t0
            calls[name] += 1
    return wrapper


def _statement_name(_conn: Any, statement: Any, *args: Any, **kwargs: Any) -> str:
    """A statement's kind and table, read without compiling it (get_final_froms() would compile)."""
    table = getattr(statement, "table", None)
    if table is not None:
        return f"sql {type(statement).__name__.lower()} {table.name}"
    columns = getattr(statement, "selected_columns", None)
    if columns is not None:
        return "sql select " + ",".join(sorted({getattr(getattr(c, "table", None), "name", "?") for c in columns}))
    return "sql " + " ".join(str(getattr(statement, "text", type(statement).__name__)).split())[:40]


def instrument() -> None:
    """Wrap the phases (class and module attributes, looked up at call time by the code)."""
    import sqlalchemy.ext.asyncio as sa_async

    from onewindow_chassis import db as chassis_db
    from onewindow_chassis import idempotency
    from onewindow_chassis.auth import verifier as auth_verifier
    from onewindow_chassis.eventstore import postgres as es_postgres
    from onewindow_chassis.personal import PersonalDataVault
    from onewindow_intake.domain import forms
    from onewindow_intake.service_layer import handlers

    sa_async.AsyncConnection.execute = _timed_async(_statement_name, sa_async.AsyncConnection.execute)
    es_postgres.PostgresEventStore.append = _timed_async("event store append (1 statement, driver)",
                                                         es_postgres.PostgresEventStore.append)
    PersonalDataVault.seal = _timed_async("vault.seal (incl. its subject_keys select)", PersonalDataVault.seal)
    auth_verifier.TokenVerifier.verify = _timed_sync("token verify (Ed25519 JWT)", auth_verifier.TokenVerifier.verify)
    idempotency.request_hash = _timed_sync("idempotency.request_hash", idempotency.request_hash)
    handlers.validate_form = _timed_sync("validate_form", forms.validate_form)
    handlers.submit_application = _timed_async("submit_application (handler, inclusive)", handlers.submit_application)
    handlers.HANDLERS[next(k for k in handlers.HANDLERS if k.__name__ == "SubmitApplication")] = \
        handlers.submit_application

    original = chassis_db.Database.transaction

    @contextlib.asynccontextmanager
    async def transaction(self: Any) -> Any:
        t0 = time.process_time()
        manager = original(self)
        tx = await manager.__aenter__()
        cpu["Database.transaction enter (checkout)"] += time.process_time() - t0
        calls["Database.transaction enter (checkout)"] += 1
        try:
            yield tx
        except BaseException as error:
            if not await manager.__aexit__(type(error), error, error.__traceback__):
                raise
        else:
            t1 = time.process_time()
            await manager.__aexit__(None, None, None)
            cpu["Database.transaction exit (COMMIT, checkin)"] += time.process_time() - t1
            calls["Database.transaction exit (COMMIT, checkin)"] += 1

    chassis_db.Database.transaction = transaction
    _domain_phases()


def _wrap(owner: Any, attr: str, name: str) -> None:
    """Time `owner.attr` (a module function, a method or a static method) under `name`."""
    import inspect

    raw = inspect.getattr_static(owner, attr)
    static = isinstance(raw, staticmethod)
    fn = raw.__func__ if static else getattr(owner, attr)
    timed = _timed_async(name, fn) if inspect.iscoroutinefunction(fn) else _timed_sync(name, fn)
    setattr(owner, attr, staticmethod(timed) if static else timed)


def _domain_phases() -> None:
    """The handler's own steps (where it calls them by module attribute, they are replaced there)."""
    from onewindow_intake.adapters import repository
    from onewindow_intake.domain import application, catalogue
    from onewindow_intake.entrypoints import applications
    from onewindow_intake.service_layer import handlers, unit_of_work

    for attr in ("delegated", "_chosen", "_e_licences", "_department_forms", "_sealed_answers", "assemble",
                 "case_number", "ApplicationReceived"):
        if hasattr(handlers, attr):
            _wrap(handlers, attr, f"handler: {attr}")
    for attr in ("materials_of", "material", "credit_barred", "upsert_case", "store_material", "save_form"):
        _wrap(repository, attr, f"repository.{attr} (incl. rows → objects)")
    for attr in ("receive", "accept", "apply", "missing"):
        _wrap(application.Application, attr, f"domain: Application.{attr}")
    for attr in ("items_for", "form_for", "materials_for"):
        _wrap(catalogue.Catalogue, attr, f"domain: Catalogue.{attr}")
    _wrap(unit_of_work.UnitOfWork, "save", "UnitOfWork.save (append + case row)")
    _wrap(unit_of_work.UnitOfWork, "_index", "UnitOfWork._index (case row)")
    _wrap(unit_of_work, "from_contract", "from_contract (event → JSON dict)")
    _wrap(applications, "case_view", "case_view (the reply)")
    _wrap(applications, "_submission", "_submission (command from the request)")


def quiet_runtime() -> None:
    """No relay, consumer or timers in this process: their work would land inside the timed phases."""
    from onewindow_chassis import runtime

    async def start(self: Any) -> None:
        return None

    async def stop(self: Any) -> None:
        return None

    runtime.ServiceRuntime.start = start
    runtime.ServiceRuntime.stop = stop


def timed_app(app: Any) -> Any:
    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        t0 = time.process_time()
        try:
            await app(scope, receive, send)
        finally:
            cpu["ASGI app, whole request (server side)"] += time.process_time() - t0
            calls["ASGI app, whole request (server side)"] += 1
    return asgi


async def main_async(args: argparse.Namespace) -> None:
    infra = Infra()
    infra.start(print)
    work = Path(tempfile.mkdtemp(prefix="bench-intake-phases-"))
    url = await create_database(infra.postgres_url, "bench_intake")
    try:
        env = intake.server_env(url, infra.kafka_bootstrap, work)
        await intake.prepare_database(env)
        quiet_runtime()
        from onewindow_intake.app import create_app
        from onewindow_intake.config import Settings

        settings = Settings(**{k.removeprefix("ONEWINDOW_INTAKE_").lower(): v for k, v in env.items()})
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=timed_app(app))
            answers: dict[str, Any] = {}
            everyone = await intake.make_applicants("http://intake", args.applicants + 1, answers, transport)
            warm, applicants = everyone[0], everyone[1:]

            def body_of(applicant: intake.Applicant) -> dict[str, Any]:
                return intake.body(answers, applicant.material_ids if args.body == "materials" else ())

            async with httpx.AsyncClient(base_url="http://intake", transport=transport) as client:
                async def apply(applicant: intake.Applicant) -> None:
                    reply = await client.post("/v1/applications", json=body_of(applicant), headers={
                        "Authorization": f"Bearer {applicant.token}", "Idempotency-Key": uuid.uuid4().hex})
                    if reply.status_code != 201 or reply.json()["status"] != "accepted":
                        raise RuntimeError(f"{reply.status_code}: {reply.text[:500]}")

                for _ in range(30):  # warm-up of every cache, by an applicant of its own
                    await apply(warm)
                for applicant in applicants:  # each applicant's earlier cases
                    for _ in range(args.history):
                        await apply(applicant)
                instrument()
                cpu.clear()
                calls.clear()
                profiler = None
                if args.cprofile:
                    import cProfile

                    profiler = cProfile.Profile(time.process_time)  # CPU, not the waits on the database
                    profiler.enable()
                t0, w0 = time.process_time(), time.perf_counter()
                for i in range(args.applications):
                    await apply(applicants[i % len(applicants)])
                total, wall = time.process_time() - t0, time.perf_counter() - w0
                if profiler is not None:
                    profiler.disable()
                    profiler.dump_stats(args.cprofile)
    finally:
        await drop_database(infra.postgres_url, url)
        infra.stop(print)
        shutil.rmtree(work, ignore_errors=True)

    n = args.applications
    grown = args.history + (n / len(applicants) - 1) / 2
    print(f"\n{n} applications one at a time by {args.applicants} applicants, each with {args.history} earlier cases "
          f"(on average {grown:.0f} during the run; {args.body} body): {total / n * 1e6:,.0f} µs of CPU each "
          f"in this process (incl. the httpx client), "
          f"{wall / n * 1e3:.2f} ms wall each")
    print(f"{'µs per application':>20} {'calls':>6}  phase (inclusive; nested phases are counted in their parents)")
    statements = sum(v for k, v in calls.items() if k.startswith("sql ")) / n
    for key, value in sorted(cpu.items(), key=lambda kv: -kv[1]):
        print(f"{value / n * 1e6:20,.0f} {calls[key] / n:6.1f}  {key}")
    sql = sum(v for k, v in cpu.items() if k.startswith("sql ")) / n
    print(f"\nSQLAlchemy Core statements: {statements:.1f} per application, {sql * 1e6:,.0f} µs of CPU "
          f"({sql / statements * 1e6 if statements else 0:,.0f} µs each)")
    print(json.dumps({"per_application_us": {k: round(v / n * 1e6) for k, v in cpu.items()},
                      "calls_per_application": {k: round(v / n, 2) for k, v in calls.items()}},
                     ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_phases", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=300)
    parser.add_argument("--history", type=int, default=0)
    parser.add_argument("--applicants", type=int, default=30)
    parser.add_argument("--body", choices=("materials", "vault"), default="materials")
    parser.add_argument("--cprofile", default="", help="also cProfile the timed applications into this file")
    args = parser.parse_args()
    import uvloop

    uvloop.run(main_async(args))


if __name__ == "__main__":
    main()
