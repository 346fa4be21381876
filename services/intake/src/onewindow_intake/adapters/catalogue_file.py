"""Reading a catalogue file (TOML): fields, material types, departments, items and bundles, as a
province publishes its 办事指南. The demo catalogue ships in `onewindow_intake/demo/`."""
from __future__ import annotations

import tomllib
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from onewindow_contracts.catalogue import CatalogueItemVersionPublished

from ..domain.catalogue import Bundle, Catalogue, FormField, Item, MaterialType

DEMO = Path(__file__).resolve().parent.parent / "demo" / "catalogue.toml"
_DRAFT_TIME = datetime(2000, 1, 1, tzinfo=timezone.utc)  # replaced by the moment of publication


def _item(raw: dict[str, Any], material_types: dict[str, MaterialType]) -> Item:
    record = {k: v for k, v in raw.items() if k not in ("code", "form_fields", "version")}
    record["materials"] = [
        {"name": material_types[m["type_code"]].name, **m} for m in raw.get("materials", ())
    ]
    effective = raw["effective_from"]
    record |= {
        "item_code": raw["code"], "item_version": 1, "published_at": _DRAFT_TIME,
        "effective_from": effective if isinstance(effective, date) else date.fromisoformat(effective),
    }
    return Item(CatalogueItemVersionPublished.model_validate(record), tuple(raw.get("form_fields", ())))


def read(path: Path = DEMO) -> tuple[Catalogue, list[Item]]:
    """The catalogue's fixed parts (fields, material types, departments, bundles) and the items as
    drafts: publishing decides their versions."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    fields = {
        code: FormField(code, f["label"], f["type"], f.get("required", True), tuple(f.get("choices", ())),
                        f.get("personal", False))
        for code, f in data["fields"].items()
    }
    material_types = {code: MaterialType(code, m["name"], m.get("validity_days")) for code, m in data["material_types"].items()}
    departments = {code: d["name"] for code, d in data["departments"].items()}
    catalogue = Catalogue(fields, material_types, departments)
    for b in data["bundles"]:
        catalogue.bundles[b["code"]] = Bundle(b["code"], b["name"], b.get("description", ""), tuple(b["items"]),
                                              b.get("applicant_kind", "citizen"))
    return catalogue, [_item(raw, material_types) for raw in data["items"]]
