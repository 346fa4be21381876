"""Projections: read models kept from the event log, and rebuilt from it to check they are right.

A `Projection` names its tables and a handler for a page of events. `ProjectionRunner.catch_up` /
`run` keep the live tables current, one transaction per page with the cursor in `read_positions`;
`rebuild` builds shadow copies from the first event, `verify` diffs them against live at one cursor,
and `swap` makes the rebuild live. `cli.main` is the command services wire.
"""
from .cli import main
from .diff import ChangedRow, TableDiff, VerifyReport
from .follow import ProjectionFailed
from .model import SHADOW, Apply, ApplyOne, Projection, Tables, each_event, insert, shadow_tables
from .progress import Progress, ProgressLine
from .rebuild import NoRebuild
from .runner import ProjectionRunner

__all__ = [
    "SHADOW", "Apply", "ApplyOne", "ChangedRow", "NoRebuild", "Progress", "ProgressLine", "Projection",
    "ProjectionFailed", "ProjectionRunner", "TableDiff", "Tables", "VerifyReport", "each_event", "insert",
    "main", "shadow_tables",
]
