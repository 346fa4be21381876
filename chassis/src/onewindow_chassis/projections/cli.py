"""The command a service wires for its projections: `rebuild NAME [--swap]`, `verify NAME`, `list`.

    def projections_main() -> int:  # in a service, e.g. a console script
        return main(sys.argv[1:], PROJECTIONS, database_url=Settings().database_url)

`verify` rebuilds into shadow tables and compares them with live (exit 1 on a difference); `rebuild`
does the same and, with `--swap`, then makes the rebuild live.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from ..db import Database
from ..eventstore import event_store_for
from .model import Projection
from .progress import ProgressLine
from .runner import ProjectionRunner


def main(argv: Sequence[str], projections: Sequence[Projection], *, database_url: str) -> int:
    by_name = {projection.name: projection for projection in projections}
    parser = argparse.ArgumentParser(prog="projections", description="Rebuild and verify projections.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="name the projections")
    for command, text in (
        ("rebuild", "rebuild from the events and compare"),
        ("verify", "check live equals a rebuild"),
    ):
        sub = commands.add_parser(command, help=text)
        sub.add_argument("name", choices=sorted(by_name))
        sub.add_argument("--examples", type=int, default=5, help="rows to show per kind of difference")
        if command == "rebuild":
            sub.add_argument("--swap", action="store_true", help="then replace live with the rebuild")
    args = parser.parse_args(list(argv))
    if args.command == "list":
        print("\n".join(sorted(by_name)))
        return 0
    swap = getattr(args, "swap", False)
    return asyncio.run(_rebuild_and_verify(by_name[args.name], database_url, args.examples, swap))


async def _rebuild_and_verify(projection: Projection, database_url: str, examples: int, swap: bool) -> int:
    db = Database(database_url)
    try:
        runner = ProjectionRunner(db, event_store_for(db.dialect), projection)
        await runner.rebuild(ProgressLine(f"rebuild {projection.name}"))
        report = await runner.verify(examples)
        print(report)
        if swap:
            at = await runner.swap()
            print(f"{projection.name}: the rebuild is live, at {tuple(at)}", file=sys.stderr)
            return 0
        return 0 if report.equal else 1
    finally:
        await db.dispose()
