"""The intake service as the bench runs it under uvicorn (`bench.intake_server:app`, one per worker):
`onewindow_intake.app.create_app()` with its settings from the environment (ONEWINDOW_INTAKE_*), plus
one extra route in the SAME app, so server, workers, middleware and exception handlers are identical:

    POST /bench/bare   validates the body with intake's own `ApplicationIn` and answers 201 — the
                       baseline "bare POST endpoint that validates the same body" (no token, no database).

Optional (environment variables; timing only, nothing behaves differently):
- BENCH_RELAY_STATS=/path/prefix: the outbox relay's batches (wall-clock start and end, events, seconds
  in `publish`, i.e. sending to Kafka and waiting for every ack) are kept and written as
  `<prefix>.<pid>.json` when the worker stops; bench/intake.py reports the relay's cycle from them.
- BENCH_CPROFILE=/path/prefix (bench/intake_profile.py): each worker runs cProfile from the end of its
  start-up to its shutdown and writes `<prefix>.<pid>.prof`.
"""
from __future__ import annotations

import os

from fastapi import Response

from onewindow_intake.app import create_app
from onewindow_intake.config import Settings
from onewindow_intake.entrypoints.schemas import ApplicationIn

app = create_app(Settings())


@app.post("/bench/bare", status_code=201, include_in_schema=False)
async def bare(body: ApplicationIn) -> Response:
    """Parse and validate the very body intake's POST /v1/applications takes; answer a small JSON."""
    return Response(b'{"status":"valid"}', 201, media_type="application/json")


_relay_prefix = os.environ.get("BENCH_RELAY_STATS")
if _relay_prefix:
    import contextlib
    import json
    import time

    from onewindow_chassis import outbox

    _batches: list[tuple[float, float, int, float]] = []
    _publishing = [0.0]
    _relay_once = outbox.OutboxRelay.relay_once
    _publish = outbox.KafkaPublisher.publish

    async def _timed_relay_once(self):  # type: ignore[no-untyped-def]
        t0, p0 = time.time(), _publishing[0]
        count = await _relay_once(self)
        if count:
            _batches.append((t0, time.time(), count, _publishing[0] - p0))
        return count

    async def _timed_publish(self, messages):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            await _publish(self, messages)
        finally:
            _publishing[0] += time.perf_counter() - t0

    outbox.OutboxRelay.relay_once = _timed_relay_once  # type: ignore[method-assign]
    outbox.KafkaPublisher.publish = _timed_publish  # type: ignore[method-assign]
    _serve_relay = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def _relay_stats(app_):  # type: ignore[no-untyped-def]
        async with _serve_relay(app_) as state:
            try:
                yield state
            finally:
                with open(f"{_relay_prefix}.{os.getpid()}.json", "w") as out:
                    json.dump(_batches, out)

    app.router.lifespan_context = _relay_stats


_profile_prefix = os.environ.get("BENCH_CPROFILE")
if _profile_prefix:
    import contextlib
    import cProfile

    _serve = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def _profiled(app_):  # type: ignore[no-untyped-def]
        """Profile from the end of start-up to the start of shutdown; written when the worker stops."""
        async with _serve(app_) as state:
            profiler = cProfile.Profile()
            profiler.enable()
            try:
                yield state
            finally:
                profiler.disable()
                profiler.dump_stats(f"{_profile_prefix}.{os.getpid()}.prof")

    app.router.lifespan_context = _profiled
