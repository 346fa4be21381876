"""`uv run --frozen python -m bench [--quick]`: start PostgreSQL and Kafka (unless DATABASE_URL and
KAFKA_BOOTSTRAP_SERVERS are set), measure, print the table, write bench/results/latest.{json,md}, stop."""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from typing import Any

import asyncpg

from onewindow_chassis import schema
from onewindow_chassis.db import Database

from . import appends, delivery, instant, intake, rebuild, report, supervision
from .common import FULL, QUICK, Row, Sizes
from .infra import Infra, create_database, drop_database, machine

SECTIONS = ("appends", "relay", "latency", "wakeup", "rebuild", "intake", "instant", "supervision")


def log(message: str) -> None:
    print(message, flush=True)


def loadavg() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


async def run(infra: Infra, sizes: Sizes, sections: set[str], loop_name: str,
              quick: bool = False) -> tuple[list[Row], dict[str, Any]]:
    info = await machine(infra, loop_name)
    info["loadavg_start"] = loadavg()
    for line in report.machine_lines(info)[:-1]:
        log(line)
    log(f"load:    1-min load average {info['loadavg_start']} ({info['note']})")
    log("")
    url = await create_database(infra.postgres_url, "bench")
    es_url = await create_database(infra.postgres_url, "bench_es")
    db = Database(url, pool_size=sizes.writers)
    pool: asyncpg.Pool | None = None
    rows: list[Row] = []
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(schema.install)
        pool = await asyncpg.create_pool(url, min_size=sizes.writers, max_size=sizes.writers)
        if "appends" in sections:
            rows += await appends.measure(db, pool, es_url, sizes, log)
        if "relay" in sections:
            rows += await delivery.relay_throughput(db, pool, infra.kafka_bootstrap, sizes, log)
        if "latency" in sections:
            rows += await delivery.latency(db, pool, infra.kafka_bootstrap, sizes, log)
        if "wakeup" in sections:
            log("lost wake-up: an event committed while the relay publishes the previous batch")
            rows += await delivery.lost_wakeup(db, pool, infra.kafka_bootstrap, sizes, log)
        if "rebuild" in sections:
            rows += await rebuild.measure(db, pool, sizes, log)
        if "intake" in sections:
            log("intake over HTTP: accepted applications/s against a bare POST validating the same body")
            rows += await intake.measure(infra, quick, log)
        if "instant" in sections:
            log("秒批: POST /v1/applications at intake → ItemApproved on Kafka, intake and approval as two services")
            rows += await instant.measure(infra, quick, log)
        if "supervision" in sections:
            log("supervision: rebuild its projection from the archive, against a raw read; verify live == rebuilt")
            rows += await supervision.measure(infra, quick, log)
    finally:
        if pool is not None:
            await pool.close()
        await db.dispose()
        for each in (url, es_url):
            try:
                await drop_database(infra.postgres_url, each)
            except Exception as error:  # noqa: BLE001 - cleanup must not hide the real outcome
                log(f"could not drop {each}: {error}")
    info["loadavg_end"] = loadavg()
    order = ["append_single_vs_eventsourcing", "append_single_vs_raw", "append_single_eventsourcing_app", "append_batch",
             "relay", "latency_p50", "latency_p99", "rebuild", "intake_http", "intake_http_p99"]
    rows.sort(key=lambda r: (r.diagnostic, order.index(r.key) if r.key in order else 99))
    return rows, info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run in under a minute")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop",
                        help="event loop (services run uvloop; default uvloop)")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated subset of {','.join(SECTIONS)} (default: all)")
    args = parser.parse_args(argv)
    sections = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = sections - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # group-join retries on a fresh broker
    sizes = QUICK if args.quick else FULL
    mode = "quick" if args.quick else "full"
    command = "uv run --frozen python -m bench" + (" --quick" if args.quick else "")
    if args.only != ",".join(SECTIONS):
        command += f" --only {args.only}"
    started = time.monotonic()
    infra = Infra()
    infra.start(log)
    try:
        if args.loop == "uvloop":
            import uvloop

            loop_name = f"uvloop {uvloop.__version__}"
            rows, info = uvloop.run(run(infra, sizes, sections, loop_name, args.quick))
        else:
            rows, info = asyncio.run(run(infra, sizes, sections, "asyncio (default loop)", args.quick))
    finally:
        infra.stop(log)
    elapsed = time.monotonic() - started
    json_path, md_path = report.write(rows, info, mode, command, elapsed)
    log("")
    log(f"OneWindow bench, {mode} run, {elapsed:.0f} s")
    for line in report.machine_lines(info):
        log(line)
    log("")
    log(report.table_text(rows))
    log("")
    for line in report.setup_lines(rows):
        log(line)
    missed = [r.key for r in rows if r.met is False]
    log("")
    log(f"goals met: {sum(1 for r in rows if r.met is True)} of {sum(1 for r in rows if r.met is not None)}"
        + (f"; MISSED: {', '.join(missed)}" if missed else ""))
    log(f"written: {json_path.relative_to(json_path.parents[2])}, {md_path.relative_to(md_path.parents[2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
