"""Operator commands for the working-day calendar.

Regenerate the vendored national data (2004–2026) from PyPI `chinesecalendar` 1.11.0 (MIT), which is
not a runtime dependency:

    uv run --frozen --with chinesecalendar==1.11.0 python -m onewindow_chassis.workdays generate

Load a year's 国务院办公厅 notice (or a correction) into a service's database, from a file in the same
`day,kind,name` CSV format (kind: holiday | makeup_workday; list every rest day of each block):

    python -m onewindow_chassis.workdays load postgresql://… 2027 notice-2027.csv --source "国办发明电〔2026〕N号"

and a region's own days off (kind: local_holiday):

    python -m onewindow_chassis.workdays load postgresql://… 2027 guangxi-2027.csv --region 450000
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from ..clock import SystemClock
from ..db import Database
from .model import BUILTIN_FILE, CalendarDay, DayKind, format_days, parse_days
from .store import install, load_local_year, load_year

LICENCE = """\
Data taken from chinesecalendar (https://github.com/LKI/chinese-calendar) under the MIT License:
Copyright (c) 2017 Lirian Su
Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:
The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE."""


def generate(out: Path) -> None:
    from importlib.metadata import version

    import chinese_calendar
    from chinese_calendar.constants import Holiday

    release = version("chinesecalendar")
    chinese = {h.value: h.chinese for h in Holiday}
    days = [CalendarDay(d, DayKind.HOLIDAY, chinese[n]) for d, n in chinese_calendar.holidays.items()]
    days += [CalendarDay(d, DayKind.MAKEUP_WORKDAY, chinese[n]) for d, n in chinese_calendar.workdays.items()]
    years = sorted({e.day.year for e in days})
    assert years == list(range(years[0], years[-1] + 1)), "a year is missing"
    comments = [
        "China's national working-day calendar, per the 国务院办公厅 holiday notices: every public",
        "holiday and rest day of its block (holiday), every Saturday or Sunday made a working day",
        "(makeup_workday). Other Saturdays and Sundays are rest days; other days are working days.",
        "Generated, do not edit: uv run --frozen --with chinesecalendar==1.11.0 "
        "python -m onewindow_chassis.workdays generate",
        "(next years are loaded by operators into the calendar tables: see workdays/__main__.py)",
        f"source: chinesecalendar {release} (国务院办公厅 notices {years[0]}–{years[-1]})",
        f"years: {years[0]}-{years[-1]}",
        "",
        *LICENCE.splitlines(),
    ]
    out.write_text(format_days(days, comments=comments), encoding="utf-8")
    print(f"wrote {len(days)} days of {years[0]}–{years[-1]} to {out}")


async def load(url: str, year: int, file: Path, source: str, region: str) -> None:
    data = parse_days(file.read_text(encoding="utf-8"), region_code=region)
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(install)
        async with db.transaction() as tx:
            at = SystemClock().now()
            if region:
                await load_local_year(tx, region, year, data.days, at=at)
            else:
                await load_year(tx, year, data.days, source=source or data.source or str(file), at=at)
    finally:
        await db.dispose()
    print(f"loaded {len(data.days)} days of {year}" + (f" for region {region}" if region else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onewindow_chassis.workdays")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="rewrite the vendored data from chinesecalendar")
    gen.add_argument("--out", type=Path, default=Path(__file__).with_name(BUILTIN_FILE))
    ld = commands.add_parser("load", help="load one year's days into a database")
    ld.add_argument("url")
    ld.add_argument("year", type=int)
    ld.add_argument("file", type=Path)
    ld.add_argument("--source", default="", help="the notice, e.g. 国办发明电〔2026〕N号")
    ld.add_argument("--region", default="", help="a region's code, for its own days off")
    args = parser.parse_args(argv)
    if args.command == "generate":
        generate(args.out)
    else:
        asyncio.run(load(args.url, args.year, args.file, args.source, args.region))
    return 0


if __name__ == "__main__":
    sys.exit(main())
