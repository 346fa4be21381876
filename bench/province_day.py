"""A synthetic province-day against the whole platform: the load generator of issue 11.

    uv run --frozen python -m bench.province_day                       # 50,000 cases, distributed
    uv run --frozen python -m bench.province_day --mode embedded --cases 5000
    uv run --frozen python -m bench.province_day --cases 500 --rate 20   # a quick look

What runs (docs/load.md explains the figures):

1. the platform of bench/platform.py: distributed = a PostgreSQL and a Kafka broker of its own
   (deploy/), one database per service, every service migrated and served as its own `onewindow serve`
   process; embedded = `onewindow embedded` (one process, SQLite, the embedded bus). Stopped at the end.
2. a burst: B applicants' materials uploaded beforehand (not timed), then B 秒批 applications sent at
   once: accepted cases/s at intake (the 201s) and how long the burst took to conclude.
3. the day: N cases of the seeded mix of bench/journeys.py, arriving as a Poisson process at R per
   second on average (open loop, at most --concurrency in flight). A real province-day spreads its
   cases over 8 working hours; playing them at R/s compresses it by R ÷ (N / 28,800). The people's own
   time (a reviewer reading, an applicant fetching a certificate) is compressed to nothing: each acts as
   soon as the platform lets them. The services have no accelerated clock (`onewindow serve` runs the
   system clock), so working-day deadlines do not pass within the run; see the deadline-alert line.
4. sampled every --sample-s: CPU and memory (PSS) of every process (psutil; PostgreSQL and the broker
   with their children), consumer lag per group (the topics' end offsets − the group's committed offsets, Kafka
   admin API), cases accepted and concluded so far, the load average.
5. per journey, end-to-end latency from the application's POST (materials already uploaded) to its
   final observable state: the case concluded by approval (CaseConcluded) and every licence its items
   yield issued (LicenceIssued), as heard on Kafka by a department's system; on the embedded default,
   polled on approval's case and the applicant's wallet.
6. deadline-alert delay: supervision runs with warn-within = 30 working days, so every item's yellow
   moment is the moment it is assigned; the delay is the DeadlineWarningRaised's raised_at − the
   ItemAssigned's time (both services' clocks, same machine). Only items still open at supervision's
   next scan get one (a 秒批 item concludes before).

Writes the table to stdout and bench/results/province_day[_embedded].md, the raw series to
bench/results/province_day[_embedded].json, and PNG plots to docs/load/.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .common import percentile
from .journeys import ELDERLY, MIX, Driver, KafkaObserver, Observer, Outcome, Planned, Tokens, citizen_id, clients, plan, play_day
from .platform import ROOT, Platform

GOALS = {"burst": 1000.0, "sustained": 100.0, "instant_p99_ms": 1000.0, "alert_s": 60.0}


@dataclass
class Samples:
    t: list[float] = field(default_factory=list)
    cpu: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    pss: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    lag_t: list[float] = field(default_factory=list)
    lag: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    accepted: list[int] = field(default_factory=list)
    concluded: list[int] = field(default_factory=list)
    load: list[float] = field(default_factory=list)


class Sampler:
    """CPU % (of one core), memory (PSS, MiB) per process; consumer lag per group; progress."""

    def __init__(self, platform: Platform, outcomes: list[Outcome], every: float) -> None:
        self.platform, self.outcomes, self.every = platform, outcomes, every
        self.s = Samples()
        self._procs: dict[int, Any] = {}
        self._t0 = time.perf_counter()
        self._task: asyncio.Task | None = None
        self.accepted = 0

    def start(self) -> None:
        self._t0 = time.perf_counter()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _cpu_memory(self) -> dict[str, tuple[float, float]]:
        # PSS, not RSS: PostgreSQL is many processes sharing its buffers, and a sum of their RSS counts
        # each shared page once per backend that touched it (10 GiB for a 256 MB buffer pool).
        import psutil

        out = {}
        for name, pids in self.platform.pids().items():
            cpu = pss = 0.0
            for pid in pids:
                proc = self._procs.get(pid)
                try:
                    if proc is None:
                        proc = self._procs[pid] = psutil.Process(pid)
                        proc.cpu_percent(None)
                    cpu += proc.cpu_percent(None)
                    pss += proc.memory_full_info().pss / 2**20
                except psutil.Error:
                    self._procs.pop(pid, None)
            out[name] = (cpu, pss)
        me = self._procs.setdefault(os.getpid(), psutil.Process(os.getpid()))
        out["load driver"] = (me.cpu_percent(None), me.memory_full_info().pss / 2**20)
        return out

    async def _run(self) -> None:
        lag = asyncio.create_task(self._lag())
        try:
            while True:
                await asyncio.sleep(self.every)
                now = time.perf_counter() - self._t0
                self.s.t.append(now)
                for name, (cpu, pss) in (await asyncio.to_thread(self._cpu_memory)).items():
                    self.s.cpu[name].append(cpu)
                    self.s.pss[name].append(pss)
                self.s.accepted.append(self.accepted)
                self.s.concluded.append(sum(1 for o in self.outcomes if o.ended is not None))
                self.s.load.append(os.getloadavg()[0])
        finally:
            lag.cancel()

    async def _lag(self) -> None:
        """Its own loop: an admin round trip can take seconds on a busy broker; CPU samples must not wait."""
        if self.platform.kafka is None:
            return
        while True:
            started = time.perf_counter()
            with contextlib.suppress(Exception):
                lag = await asyncio.wait_for(self.platform.consumer_lag(), 20)
                self.s.lag_t.append(time.perf_counter() - self._t0)
                for group in set(self.s.lag) | set(lag):
                    self.s.lag[group].append(lag.get(group, 0))
            await asyncio.sleep(max(0.0, self.every - (time.perf_counter() - started)))


# --- the burst ----------------------------------------------------------------------------------------

async def burst(driver: Driver, size: int, log: Any) -> dict[str, Any]:
    """B 秒批 applications at once, materials uploaded beforehand: intake's accepted cases/s."""
    if size <= 0:
        return {}
    t0 = time.perf_counter()
    people = [Planned(10_000_000 + i, "instant", 0.0, None, False) for i in range(size)]
    gate = asyncio.Semaphore(64)

    async def ready(p: Planned) -> tuple[Planned, dict, list[str]]:
        async with gate:
            who = driver.tokens("applicant", driver.applicant(p))
            return p, who, [await driver.upload(who, c) for c in ("CL-LNR-SFZ", "CL-HKB", "CL-SBK", "CL-SFZ")]

    prepared = await asyncio.gather(*(ready(p) for p in people))
    log(f"burst: {size} applicants' materials uploaded in {time.perf_counter() - t0:.1f} s (not timed)")
    outcomes = [Outcome(p) for p, _, _ in prepared]

    async def send(o: Outcome, who: dict, ids: list[str]) -> None:
        answers = driver.answers(ELDERLY, o.planned.seq, elder_id_number=citizen_id("330106", "19440315", o.planned.seq),
                                 relation_to_elder="子女")
        try:
            await driver.apply(o, who, {"item_codes": [ELDERLY], "applicant_kind": "citizen", "answers": answers,
                                        "material_ids": ids})
            await driver.ended(o, driver.applicant(o.planned))
        except Exception as error:  # noqa: BLE001
            o.error = f"{type(error).__name__}: {error}"[:300]

    start = time.perf_counter()
    for o in outcomes:
        o.started = start
    await asyncio.gather(*(send(o, who, ids) for o, (_, who, ids) in zip(outcomes, prepared)))
    accepted = sorted(o.accepted for o in outcomes if o.accepted)
    ended = sorted(o.ended for o in outcomes if o.ended)
    window = (accepted[-1] - start) if accepted else float("nan")
    result = {"size": size, "accepted": len(accepted), "errors": sum(1 for o in outcomes if o.error),
              "accepted_per_s": len(accepted) / window if accepted else 0.0, "accept_window_s": window,
              "concluded": len(ended), "all_concluded_s": (ended[-1] - start) if ended else float("nan"),
              "latency": stats([o.latency_ms for o in outcomes if o.latency_ms is not None])}
    log(f"burst: {len(accepted)} accepted in {window:.2f} s = {result['accepted_per_s']:.0f}/s; all concluded "
        f"{result['all_concluded_s']:.1f} s after the first POST")
    return result


# --- figures ------------------------------------------------------------------------------------------

def stats(values: list[float]) -> dict[str, float]:
    s = sorted(values)
    if not s:
        return {"n": 0}
    return {"n": len(s), "p50": percentile(s, 50), "p99": percentile(s, 99), "max": s[-1]}


def alert_delays(observer: Observer) -> dict[str, Any]:
    if not isinstance(observer, KafkaObserver):
        return {"n": 0, "why": "embedded default: no Kafka to hear supervision's alerts on"}
    delays = []
    for alert in observer.alerts:
        if alert["kind"] != "DeadlineWarningRaised" or not alert["raised_at"]:
            continue
        assigned = observer.assigned.get((alert["case_id"], alert["item_code"]))
        if assigned is not None:
            raised = datetime.fromisoformat(alert["raised_at"].replace("Z", "+00:00"))
            delays.append((raised - assigned).total_seconds())
    return stats(delays)


def machine() -> dict[str, Any]:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "python": sys.version.split()[0], "commit": head,
            "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def table(r: dict[str, Any]) -> str:
    def ms(st: dict[str, float], key: str) -> str:
        return f"{st[key]:,.0f}" if st.get("n") else "—"

    lines = [f"# Province day: {r['mode']}, {r['played']:,} cases ({r['planned']:,} planned), seed {r['seed']}", "",
             f"{r['machine']['when']}, commit {r['machine']['commit']}, {r['machine']['nproc']} cores shared with other "
             f"sessions; load average (1 min) {r['load']['start']:.1f} at start, mean {r['load']['mean']:.1f}, max "
             f"{r['load']['max']:.1f}, {r['load']['end']:.1f} at end.", "",
             f"Arrivals: Poisson at {r['rate']:g} cases/s on average (compression ×{r['compression']:,.0f} against "
             f"8 working hours), at most {r['concurrency']} cases in flight; "
             f"{r['duration_s']:,.0f} s from the first arrival to the last case's end.", "",
             "## Goals", "", "| figure | measured | goal | met? |", "|---|---|---|---|"]
    for name, measured, goal, met in r["goals"]:
        lines.append(f"| {name} | {measured} | {goal} | {'yes' if met else 'MISSED'} |")
    lines += ["", "## Journeys (end to end: the application's POST → case concluded and every licence issued)", "",
              "| journey | cases | failed | p50 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|---:|"]
    for kind, row in r["journeys"].items():
        st = row["latency"]
        lines.append(f"| {kind}: {MIX[kind][1]} | {row['cases']:,} | {row['failed']:,} | {ms(st, 'p50')} | "
                     f"{ms(st, 'p99')} | {ms(st, 'max')} |")
    lines += ["", "## Processes (CPU in % of one core, sampled every "
              f"{r['sample_s']:g} s over the day)", "", "| process | CPU mean | CPU max | PSS max MiB |",
              "|---|---:|---:|---:|"]
    for name, row in sorted(r["processes"].items(), key=lambda kv: -kv[1]["cpu_mean"]):
        lines.append(f"| {name} | {row['cpu_mean']:.0f} | {row['cpu_max']:.0f} | {row['pss_max']:.0f} |")
    if r["lag"]:
        lines += ["", "## Consumer lag (records not yet committed)", "", "| group | max | at the end of arrivals | final |",
                  "|---|---:|---:|---:|"]
        for group, row in sorted(r["lag"].items(), key=lambda kv: -kv[1]["max"]):
            lines.append(f"| {group} | {row['max']:,} | {row['at_last_arrival']:,} | {row['final']:,} |")
    lines += ["", "## Other figures", ""]
    lines += [f"- {line}" for line in r["notes"]]
    return "\n".join(lines) + "\n"


def plots(r: dict[str, Any], s: Samples, directory: Path, suffix: str) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    plt.rcParams["axes.prop_cycle"] = matplotlib.cycler(color=plt.get_cmap("tab20").colors)
    made = []

    def save(fig: Any, name: str) -> None:
        path = directory / f"{name}{suffix}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        made.append(path)

    fig, ax = plt.subplots(figsize=(9, 4.5))
    rate = [0.0] + [(b - a) / (t1 - t0) for a, b, t0, t1 in zip(s.accepted, s.accepted[1:], s.t, s.t[1:])]
    done = [0.0] + [(b - a) / (t1 - t0) for a, b, t0, t1 in zip(s.concluded, s.concluded[1:], s.t, s.t[1:])]
    ax.plot(s.t, rate, label="accepted by intake (cases/s)")
    ax.plot(s.t, done, label="concluded end to end (cases/s)")
    ax.axhline(r["rate"], ls=":", c="grey", label=f"offered {r['rate']:g}/s")
    ax.set_xlabel("s since the first arrival")
    ax.set_ylabel("cases/s")
    ax.set_title(f"Province day ({r['mode']}): throughput")
    ax.legend()
    save(fig, "throughput")

    if s.lag:
        fig, ax = plt.subplots(figsize=(9, 4.5))
        for group, values in sorted(s.lag.items()):
            if max(values, default=0) > 0:
                ax.plot(s.lag_t[-len(values):], values, label=group)
        ax.set_xlabel("s since the first arrival")
        ax.set_ylabel("records behind")
        ax.set_title("Consumer lag per group")
        ax.legend(fontsize=7, ncol=2)
        save(fig, "consumer_lag")

    for what, title, series, unit in (("cpu", "CPU", s.cpu, "% of one core"),
                                      ("memory", "Memory (PSS)", s.pss, "MiB")):
        fig, ax = plt.subplots(figsize=(9, 4.5))
        for name, values in sorted(series.items()):
            ax.plot(s.t[-len(values):], values, label=name)
        ax.set_xlabel("s since the first arrival")
        ax.set_ylabel(unit)
        ax.set_title(f"{title} per process")
        ax.legend(fontsize=7, ncol=2)
        save(fig, what)

    fig, ax = plt.subplots(figsize=(9, 4.5))
    for kind, row in r["journeys"].items():
        values = sorted(row["values"])
        if values:
            ax.plot([v / 1000 for v in values], [i / len(values) for i in range(len(values))], label=kind)
    ax.set_xscale("log")
    ax.set_xlabel("end-to-end latency (s, log)")
    ax.set_ylabel("share of cases")
    ax.set_title("Latency per journey (cumulative)")
    ax.legend(fontsize=8)
    save(fig, "latency")
    return made


# --- the run ------------------------------------------------------------------------------------------

async def run(args: argparse.Namespace) -> dict[str, Any]:
    log = lambda line: print(line, flush=True)  # noqa: E731
    settings = {"supervision": {"WARN_WITHIN_WORKING_DAYS": "30"}}
    platform = Platform(mode=args.mode, settings=settings, log=log, keep=args.keep)
    load0 = os.getloadavg()[0]
    await asyncio.to_thread(platform.start)
    try:
        http = clients(platform.urls, connections=args.connections)
        tokens = Tokens()
        observer: Observer = (KafkaObserver(platform.kafka.address, http, tokens) if platform.kafka is not None
                              else Observer(http, tokens, poll_s=1.0))
        await observer.start()
        driver = Driver(http, observer, tokens, timeout_s=args.case_timeout)
        await driver.prepare()
        warm = await play_day(driver, plan(20, 5.0, args.seed + 1))
        log(f"warm-up: {sum(1 for o in warm if o.ended)} of 20 concluded")
        burst_result = await burst(driver, args.burst, log)

        planned = plan(args.cases, args.rate, args.seed)
        outcomes: list[Outcome] = []
        sampler = Sampler(platform, outcomes, args.sample_s)
        progress = {"next": time.perf_counter() + 30}

        def done(o: Outcome) -> None:
            outcomes.append(o)
            if time.perf_counter() > progress["next"]:
                progress["next"] = time.perf_counter() + 30
                failed = sum(1 for x in outcomes if x.error)
                log(f"  {len(outcomes):,} of {len(planned):,} cases done ({failed} failed), load {os.getloadavg()[0]:.1f}")

        real_accept = Driver.apply

        async def counting_apply(self: Driver, o: Outcome, who: dict, body: dict) -> dict:
            case = await real_accept(self, o, who, body)
            sampler.accepted += 1
            return case

        Driver.apply = counting_apply  # type: ignore[method-assign]
        log(f"day: {len(planned):,} cases at {args.rate:g}/s on average")
        sampler.start()
        t0 = time.perf_counter()
        await play_day(driver, planned, concurrency=args.concurrency, on_done=done,
                       stop_after_s=args.max_minutes * 60 if args.max_minutes else None)
        duration = time.perf_counter() - t0
        last_arrival = max((o.planned.at for o in outcomes), default=0.0)
        with contextlib.suppress(Exception):  # let the consumers catch up, for the final lag
            for _ in range(30):
                lag = await platform.consumer_lag() if platform.kafka else {}
                if not any(lag.values()):
                    break
                await asyncio.sleep(2)
        await asyncio.sleep(args.sample_s * 1.5)
        await sampler.stop()
        Driver.apply = real_accept  # type: ignore[method-assign]
        final_lag = await platform.consumer_lag() if platform.kafka else {}
        alerts = alert_delays(observer)
        await observer.stop()
        for client in http.values():
            await client.aclose()
    finally:
        await asyncio.to_thread(platform.stop)

    s = sampler.s
    journeys = {}
    for kind in MIX:
        mine = [o for o in outcomes if o.planned.kind == kind]
        values = [o.latency_ms for o in mine if o.latency_ms is not None]
        journeys[kind] = {"cases": len(mine), "failed": sum(1 for o in mine if o.error), "latency": stats(values),
                          "values": values}
    accepted_times = sorted(o.accepted for o in outcomes if o.accepted)
    ended_times = sorted(o.ended for o in outcomes if o.ended)
    arrivals_s = max(last_arrival, 1e-9)
    accepted_rate = len(accepted_times) / (accepted_times[-1] - accepted_times[0]) if len(accepted_times) > 1 else 0.0
    # sustained end to end: cases concluded per second over the middle of the day (first and last tenth cut)
    n = len(ended_times)
    mid = ended_times[n // 10: n - n // 10] if n >= 20 else ended_times
    sustained = (len(mid) - 1) / (mid[-1] - mid[0]) if len(mid) > 1 and mid[-1] > mid[0] else 0.0
    lag_rows = {}
    at_last = max((i for i, t in enumerate(s.lag_t) if t <= arrivals_s), default=-1)
    for group, values in s.lag.items():
        index = at_last - (len(s.lag_t) - len(values))  # a group appears once it first commits
        lag_rows[group] = {"max": max(values, default=0), "at_last_arrival": values[index] if 0 <= index < len(values)
                           else 0, "final": final_lag.get(group, 0)}
    processes = {name: {"cpu_mean": statistics.fmean(v) if v else 0.0, "cpu_max": max(v, default=0.0),
                        "pss_max": max(s.pss[name], default=0.0)} for name, v in s.cpu.items()}
    instant = journeys["instant"]["latency"]
    loads = s.load or [load0]
    result: dict[str, Any] = {
        "mode": args.mode, "planned": len(planned), "played": len(outcomes), "seed": args.seed, "rate": args.rate,
        "concurrency": args.concurrency, "compression": args.rate / (max(len(planned), 1) / 28_800),
        "duration_s": duration, "sample_s": args.sample_s, "machine": machine(),
        "load": {"start": load0, "mean": statistics.fmean(loads), "max": max(loads), "end": os.getloadavg()[0]},
        "burst": burst_result, "journeys": journeys, "processes": processes, "lag": lag_rows, "alerts": alerts,
        "accepted_per_s": accepted_rate, "sustained_per_s": sustained, "retries": driver.retries,
        "failed": sum(1 for o in outcomes if o.error),
        "first_errors": [o.error for o in outcomes if o.error][:5],
    }
    busiest = max(processes.items(), key=lambda kv: kv[1]["cpu_mean"]) if processes else ("?", {"cpu_mean": 0})
    laggiest = max(lag_rows.items(), key=lambda kv: kv[1]["max"]) if lag_rows else None
    result["goals"] = [
        ("intake burst, accepted cases/s", f"{burst_result.get('accepted_per_s', 0):,.0f}/s ({args.burst:,} at once)",
         "≥ 1,000/s", burst_result.get("accepted_per_s", 0) >= GOALS["burst"]),
        ("sustained end to end, concluded cases/s", f"{sustained:,.1f}/s (offered {args.rate:g}/s; intake accepted "
         f"{accepted_rate:,.1f}/s)", "≥ 100/s with bounded lag", sustained >= GOALS["sustained"]),
        ("秒批 p99 end to end", f"{instant.get('p99', float('nan')):,.0f} ms (p50 {instant.get('p50', float('nan')):,.0f})",
         "≤ 1,000 ms", instant.get("p99", 1e12) <= GOALS["instant_p99_ms"]),
        ("deadline alert after its moment, max",
         f"{alerts['max']:,.1f} s (p50 {alerts['p50']:,.1f}, n={alerts['n']:,})" if alerts.get("n") else
         f"not measured: {alerts.get('why', 'no alert raised')}", "≤ 60 s",
         bool(alerts.get("n")) and alerts["max"] <= GOALS["alert_s"]),
        ("cases lost or failed", f"{result['failed']:,} of {len(outcomes):,}", "0", result["failed"] == 0),
    ]
    result["notes"] = [
        f"intake accepted {accepted_rate:,.1f} cases/s over the day (first to last 201; offered {args.rate:g}/s)",
        f"burst: {burst_result.get('accepted', 0):,} of {burst_result.get('size', 0):,} accepted in "
        f"{burst_result.get('accept_window_s', float('nan')):.2f} s; all concluded "
        f"{burst_result.get('all_concluded_s', float('nan')):.1f} s after the first POST; 秒批 latency in the burst "
        f"p50 {burst_result.get('latency', {}).get('p50', float('nan')):,.0f} ms, p99 "
        f"{burst_result.get('latency', {}).get('p99', float('nan')):,.0f} ms" if burst_result else "no burst",
        f"busiest process: {busiest[0]} at {busiest[1]['cpu_mean']:.0f}% of one core on average "
        f"(2 cores = 200%)",
        (f"most lagging group: {laggiest[0]}, up to {laggiest[1]['max']:,} records behind" if laggiest
         else "no Kafka (embedded bus): lag not sampled"),
        f"HTTP calls repeated by the driver (not yet heard by a service, or refused while busy): {driver.retries:,}",
        f"first errors: {result['first_errors']}" if result["failed"] else "no case failed",
    ]
    return result | {"samples": s}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.province_day", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=50_000, help="cases in the day (default 50,000)")
    parser.add_argument("--mode", choices=("distributed", "embedded"), default="distributed")
    parser.add_argument("--rate", type=float, default=100.0, help="mean arrivals per second (default 100)")
    parser.add_argument("--burst", type=int, default=2000, help="秒批 applications sent at once before the day (0: none)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--concurrency", type=int, default=1500, help="cases in flight at most (default 1,500)")
    parser.add_argument("--connections", type=int, default=128, help="HTTP connections per service")
    parser.add_argument("--sample-s", type=float, default=2.0, help="sampling interval (default 2 s)")
    parser.add_argument("--case-timeout", type=float, default=900.0, help="seconds a case may take before it fails")
    parser.add_argument("--max-minutes", type=float, default=0.0,
                        help="start no case after this many minutes (0: play every planned case); the "
                             "report says how many of the planned cases were played")
    parser.add_argument("--keep", action="store_true", help="keep the platform's directory (logs) under /tmp")
    parser.add_argument("--label", default="", help="name the results province_day_LABEL* (default: by mode only)")
    args = parser.parse_args()

    result = asyncio.run(run(args))
    suffix = ("" if args.mode == "distributed" else "_embedded") + (f"_{args.label}" if args.label else "")
    samples: Samples = result.pop("samples")
    made = plots(result, samples, ROOT / "docs" / "load", suffix)
    text = table(result) + "\nPlots: " + ", ".join(f"docs/load/{p.name}" for p in made) + "\n"
    print(text)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"province_day{suffix}.md").write_text(text)
    raw = {k: v for k, v in result.items()} | {"journeys": {k: {x: y for x, y in v.items() if x != "values"}
                                                            for k, v in result["journeys"].items()},
                                              "series": {"t": samples.t, "accepted": samples.accepted,
                                                         "concluded": samples.concluded, "load": samples.load,
                                                         "lag_t": samples.lag_t, "lag": samples.lag,
                                                         "cpu": samples.cpu, "pss": samples.pss}}
    (out / f"province_day{suffix}.json").write_text(json.dumps(raw, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main()
