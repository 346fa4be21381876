"""The intake service as the bench runs it under uvicorn (`bench.intake_server:app`, one per worker):
`onewindow_intake.app.create_app()` with its settings from the environment (ONEWINDOW_INTAKE_*), plus
one extra route in the SAME app, so server, workers, middleware and exception handlers are identical:

    POST /bench/bare   validates the body with intake's own `ApplicationIn` and answers 201 — the
                       baseline "bare POST endpoint that validates the same body" (no token, no database).

Optional, for profiling under load (bench/intake_profile.py): BENCH_CPROFILE=/path/prefix makes each
worker run cProfile from the end of its start-up to its shutdown and write `<prefix>.<pid>.prof`.
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
