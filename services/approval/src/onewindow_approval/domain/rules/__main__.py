"""Write the rule-set JSON Schema next to the rule sets: `python -m onewindow_approval.domain.rules`."""
from pathlib import Path

from . import PACKAGED, SCHEMA_FILE, json_schema

target = Path(str(PACKAGED)) / SCHEMA_FILE
target.write_text(json_schema(), encoding="utf-8")
print(f"wrote {target}")
