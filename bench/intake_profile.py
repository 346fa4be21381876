"""Where an intake worker's time goes under load: `uv run --frozen python -m bench.intake_profile`.

Starts PostgreSQL and Kafka (bench/infra.py), the intake server as the bench runs it (uvicorn, 2
workers), the same applicants, and loads POST /v1/applications with wrk while sampling ONE worker:

- with py-spy (`uv tool install py-spy`; not a project dependency) if it is on PATH or in ~/.local/bin:
  `py-spy record --format raw` for the window, then the stacks are summed here per function (self and
  inclusive share of the samples) and per line of the intake/chassis code;
- otherwise with cProfile inside each worker (BENCH_CPROFILE, see bench/intake_server.py) from start to
  shutdown, the top functions by cumulative and by own time printed with pstats.

Options: --seconds (load and sampling window, default 20), --connections (default 64), --rate (py-spy
samples per second, default 200), --native (C and Cython frames too; py-spy then pauses the worker for
each sample, which inflates system calls), --cprofile (cProfile even where py-spy is installed), --body
vault|materials (default materials: the bench's body), --keep DIR (keep the raw profile files there).

Read py-spy's self times with care: under SQLAlchemy's greenlets and asyncpg's Cython coroutines it puts
much of the worker's time on `PreparedStatement.__do_execute`, while /proc shows the workers' CPU to be
~90% user time; bench/intake_phases.py measures the phases themselves.
"""
from __future__ import annotations

import argparse
import collections
import glob
import os
import pstats
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from . import intake
from .infra import Infra, create_database, drop_database


def find_py_spy() -> str | None:
    return shutil.which("py-spy") or next(
        (p for p in (os.path.expanduser("~/.local/bin/py-spy"),) if os.access(p, os.X_OK)), None)


def summarise_collapsed(path: Path, top: int = 40) -> str:
    """Self and inclusive shares per function from py-spy's raw (collapsed) output."""
    self_counts: collections.Counter[str] = collections.Counter()
    incl_counts: collections.Counter[str] = collections.Counter()
    ours_lines: collections.Counter[str] = collections.Counter()
    total = 0
    idle = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if f]
        total += count
        if frames and ("select" in frames[-1] or "epoll" in frames[-1] or "run_forever" in frames[-1]
                       or "_run_once" in frames[-1]):
            idle += count
        self_counts[_name(frames[-1])] += count
        for name in {_name(f) for f in frames}:
            incl_counts[name] += count
        # the innermost frame of our own code (intake, chassis, contracts): where our code spends or calls out
        for frame in reversed(frames):
            if "onewindow_" in frame:
                ours_lines[frame] += count
                break
    out = [f"{total} samples ({idle / max(total, 1):.0%} in the event loop's wait or its top)", "",
           "inclusive (share of samples with the function on the stack):"]
    out += [f"  {n / total:6.1%}  {name}" for name, n in incl_counts.most_common(top)]
    out += ["", "self (innermost frame):"]
    out += [f"  {n / total:6.1%}  {name}" for name, n in self_counts.most_common(top)]
    out += ["", "innermost frame of intake/chassis/contracts code:"]
    out += [f"  {n / total:6.1%}  {name}" for name, n in ours_lines.most_common(top)]
    return "\n".join(out)


def _name(frame: str) -> str:
    # py-spy raw frames look like "function (path/to/file.py:123)"; keep the function and the file, not the line
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    file = where.rsplit(":", 1)[0]
    short = "/".join(file.split("/")[-2:])
    return f"{name} ({short})"


async def main_async(args: argparse.Namespace) -> None:
    infra = Infra()
    infra.start(print)
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-intake-profile-"))
    work.mkdir(parents=True, exist_ok=True)
    url = await create_database(infra.postgres_url, "bench_intake")
    server = None
    py_spy = None if args.cprofile else find_py_spy()
    try:
        env = intake.server_env(url, infra.kafka_bootstrap, work)
        await intake.prepare_database(env)
        extra = {} if py_spy else {"BENCH_CPROFILE": str(work / "worker")}
        server = intake.start_server(env, 2, work, extra)
        answers: dict = {}
        applicants = await intake.make_applicants(server.base, args.connections, answers)
        bodies = [intake.body(answers, a.material_ids if args.body == "materials" else ()) for a in applicants]
        script = intake.write_script(work, "profile", "/v1/applications", applicants, bodies)
        sizes = intake.IntakeSizes(connections=args.connections)
        intake.wrk(server, script, "/v1/applications", 3, sizes, "warm-up")
        pid = server.workers[0]
        spy = None
        if py_spy:
            out = work / "worker.collapsed"
            spy = subprocess.Popen([py_spy, "record", "--pid", str(pid), "--rate", str(args.rate), "--duration",
                                    str(args.seconds), "--format", "raw", "--output", str(out)]
                                   + (["--native"] if args.native else ["--nonblocking"]),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            time.sleep(0.5)
        load = intake.wrk(server, script, "/v1/applications", args.seconds, sizes, "profiled load")
        print(f"load while profiling: {load.summary()}")
        if spy is not None:
            _, err = spy.communicate(timeout=120)
            if spy.returncode != 0:
                print(f"py-spy failed: {err[-1000:]}")
            else:
                print(f"\npy-spy, worker {pid}, {args.rate} samples/s over {args.seconds} s:")
                print(summarise_collapsed(out))
    finally:
        if server is not None:
            server.stop()
        await drop_database(infra.postgres_url, url)
        infra.stop(print)
    if not py_spy:
        files = sorted(glob.glob(str(work / "worker.*.prof")))
        if not files:
            print("no cProfile output was written")
        for file in files[:1]:
            print(f"\ncProfile of one worker, start to shutdown ({file}):")
            stats = pstats.Stats(file)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(40)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--body", choices=("materials", "vault"), default="materials")
    parser.add_argument("--keep", default="")
    parser.add_argument("--cprofile", action="store_true", help="cProfile in the workers even if py-spy is there")
    parser.add_argument("--native", action="store_true",
                        help="py-spy --native: C/Cython frames too (pauses the worker)")
    args = parser.parse_args()
    import uvloop

    uvloop.run(main_async(args))


if __name__ == "__main__":
    main()
