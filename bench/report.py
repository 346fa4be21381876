"""The result table: printed, and written as bench/results/latest.json and latest.md."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .common import Row

RESULTS = Path(__file__).resolve().parent / "results"
HEADER = ("figure", "ours", "baseline", "ratio", "goal", "met?")


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ms":
        return f"{value:,.1f} ms"
    return f"{value:,.0f} {unit}"


def _cells(row: Row) -> tuple[str, ...]:
    baseline = "—" if row.baseline is None else f"{_value(row.baseline, row.unit)} ({row.baseline_name})"
    ratio = "—" if row.ratio is None else f"{row.ratio:.2f}×"
    met = {True: "yes", False: "MISSED", None: "—"}[row.met]
    return (row.name, _value(row.figure, row.unit), baseline, ratio, row.goal or "—", met)


def machine_lines(info: dict[str, Any]) -> list[str]:
    libs = info["libraries"]
    pg = info["postgresql_settings"]
    return [
        f"machine: nproc {info['nproc']} ({info['cpus_usable']} usable), {info['cpu']}, {info['memory']} RAM, "
        f"Linux {info['kernel']}",
        f"python:  {info['python']}, loop {info['event_loop']}; asyncpg {libs['asyncpg']}, SQLAlchemy "
        f"{libs['sqlalchemy']}, aiokafka {libs['aiokafka']}, eventsourcing {libs['eventsourcing']} "
        f"(psycopg {libs['psycopg']}, {libs['psycopg_impl']} implementation)",
        f"postgres: {info['postgresql']} ({info['postgresql_source']}; synchronous_commit={pg['synchronous_commit']}, "
        f"fsync={pg['fsync']}, shared_buffers={pg['shared_buffers']})",
        f"kafka:   {info['kafka']}",
        f"code:    commit {info.get('code', '?')}; no OpenTelemetry SDK configured (no-op tracer)",
        f"load:    1-min load average {info.get('loadavg_start', '?')} at start, {info.get('loadavg_end', '?')} at end "
        f"({info['note']})",
    ]


def table_text(rows: list[Row]) -> str:
    cells = [HEADER] + [_cells(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    lines = []
    for n, c in enumerate(cells):
        lines.append("  ".join(c[i].ljust(widths[i]) for i in range(len(HEADER))).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def setup_lines(rows: list[Row]) -> list[str]:
    seen, out = set(), []
    for row in rows:
        if row.setup and row.setup not in seen:
            seen.add(row.setup)
            out.append(f"- {row.name.strip()}: {row.setup}")
    return out


def markdown(rows: list[Row], info: dict[str, Any], mode: str, command: str, elapsed_s: float) -> str:
    out = [f"# Bench results ({mode} run)", "", f"`{command}` — {elapsed_s:.0f} s in all", "", "```"]
    out += machine_lines(info)
    out += ["```", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in _cells(row)) + " |")
    out += ["", "Setup of each row:", ""] + setup_lines(rows) + [""]
    return "\n".join(out)


def write(rows: list[Row], info: dict[str, Any], mode: str, command: str, elapsed_s: float) -> tuple[Path, Path]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = {
        "mode": mode, "command": command, "elapsed_s": round(elapsed_s, 1), "machine": info,
        "rows": [r.as_dict() for r in rows],
        "goals_met": sum(1 for r in rows if r.met is True),
        "goals_missed": [r.key for r in rows if r.met is False],
    }
    json_path, md_path = RESULTS / "latest.json", RESULTS / "latest.md"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    md_path.write_text(markdown(rows, info, mode, command, elapsed_s))
    return json_path, md_path
