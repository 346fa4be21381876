"""秒批 rule sets as data: the document format, the book of every version, and the evaluation.

A rule set is a JSON document (see `rules/rule-set.schema.json`, generated from `RuleSet`); several
versions of one rule set may exist, each in force from its `effective_from` until the next version's.
An evaluation records which version decided, each condition's outcome and reason, and the SHA-256 of
exactly the inputs the conditions read, so that the decision can be replayed from approval's stored
inputs while the event carries only the hash (the inputs are personal).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from onewindow_contracts.approval import RuleCheck, RuleDecision
from onewindow_contracts.values import Code, ItemCode

from .language import MAX_DEPTH, Context, Expr, depth, references, truth_of

PACKAGED: Traversable = files("onewindow_approval") / "rules"
SCHEMA_FILE = "rule-set.schema.json"


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Code = Field(description="names the check in the decision (RuleCheck.condition)")
    description_zh: str = Field(min_length=1, max_length=200, description="the condition as the 办事指南 states it")
    check: Expr


class RuleSet(BaseModel):
    """One version of a 秒批 rule set: the item passes when every condition holds."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="OneWindow 秒批 rule set")

    schema_ref: str | None = Field(default=None, alias="$schema", description="for editors; ignored")
    rule_set: Code
    version: int = Field(ge=1)
    item_codes: tuple[ItemCode, ...] = Field(min_length=1, description="the catalogue items it decides")
    effective_from: date = Field(description="in force from this day until the next version's")
    description: str = Field(min_length=1, max_length=2000)
    conditions: tuple[Condition, ...] = Field(min_length=1, max_length=64)

    @model_validator(mode="after")
    def _well_formed(self) -> RuleSet:
        ids = [condition.id for condition in self.conditions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"condition ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
        for condition in self.conditions:
            if depth(condition.check) > MAX_DEPTH:
                raise ValueError(f"condition {condition.id} nests deeper than {MAX_DEPTH}")
        return self


def json_schema() -> str:
    """The rule-set JSON Schema as checked in. Load-time checks it cannot express (function arity,
    pattern safety, unique ids, depth, version order) are the model's; the schema serves editors."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **RuleSet.model_json_schema(by_alias=True)}
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


class RuleSetInvalid(ValueError):
    """A rule-set document was refused at load; the message says where and why."""


class RuleSetNotFound(LookupError):
    """No such rule set, or no version of it in force on the decision date."""


class Check(NamedTuple):
    condition: str
    passed: bool
    why: str  # for the reviewer and the decision log; an ID number in it is masked


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One decision: kept whole in approval's decision log; the event gets `as_contract()`."""

    rule_set: str
    version: int
    decision_date: date
    checks: tuple[Check, ...]
    inputs_sha256: str

    @property
    def approved(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.passed)

    def as_contract(self) -> RuleDecision:
        """Always available: an approval carries it in ItemApproved; a failure sends the item to human
        review with the failed checks recorded."""
        return RuleDecision(
            rule_set=self.rule_set,
            rule_version=self.version,
            checks=tuple(RuleCheck(condition=check.condition, passed=check.passed) for check in self.checks),
            inputs_sha256=self.inputs_sha256,
        )


@dataclass(frozen=True, slots=True)
class _Entry:
    rule_set: RuleSet
    fields: tuple[str, ...]  # what its conditions read, computed once at load for the hash
    facts: tuple[str, ...]
    dated: bool


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return str(value)


def inputs_sha256(entry: _Entry, fields: Mapping[str, Any], facts: Mapping[str, Any], decision_date: date) -> str:
    """SHA-256 of canonical JSON (sorted keys, no spaces, UTF-8) of exactly what the conditions read.
    An input they do not read does not change it; one they read but was not given counts as null."""
    read: dict[str, Any] = {
        "fields": {name: fields.get(name) for name in entry.fields},
        "facts": {name: facts.get(name) for name in entry.facts},
    }
    if entry.dated:
        read["decision_date"] = decision_date.isoformat()
    canonical = json.dumps(read, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_jsonable)
    return hashlib.sha256(canonical.encode()).hexdigest()


class RuleBook:
    """Every version of every rule set it was given: the package's `rules/` directory unless told not
    to, more directories, and documents. A bad document is refused whole, at load, never at a decision."""

    def __init__(
        self,
        documents: Iterable[Mapping[str, Any] | RuleSet] = (),
        *,
        directories: Iterable[Path | Traversable] = (),
        packaged: bool = True,
    ) -> None:
        self._versions: dict[str, list[_Entry]] = {}
        for directory in [PACKAGED] * packaged + list(directories):
            self._load_directory(directory)
        for document in documents:
            self.add(document)

    def _load_directory(self, directory: Path | Traversable) -> None:
        for path in sorted(directory.iterdir(), key=lambda p: p.name):
            if path.name.endswith(".json") and path.name != SCHEMA_FILE:
                self.add(path.read_text(encoding="utf-8"), source=path.name)

    def add(self, document: str | Mapping[str, Any] | RuleSet, *, source: str = "document") -> RuleSet:
        """Validate and add one version (a JSON text, a parsed document, or a model)."""
        try:
            if isinstance(document, RuleSet):
                rule_set = document
            elif isinstance(document, str):
                rule_set = RuleSet.model_validate_json(document)
            else:
                rule_set = RuleSet.model_validate(document)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in problem['loc']) or '(document)'}: {problem['msg']}"
                for problem in error.errors()
            )
            raise RuleSetInvalid(f"{source}: not a valid rule set: {problems}") from None
        self._insert(rule_set, source)
        return rule_set

    def _insert(self, rule_set: RuleSet, source: str) -> None:
        fields: set[str] = set()
        facts: set[str] = set()
        dated = False
        for condition in rule_set.conditions:
            more = references(condition.check)
            fields, facts, dated = fields | more[0], facts | more[1], dated or more[2]
        versions = self._versions.setdefault(rule_set.rule_set, [])
        if any(entry.rule_set.version == rule_set.version for entry in versions):
            raise RuleSetInvalid(f"{source}: {rule_set.rule_set} version {rule_set.version} is already loaded")
        candidate = sorted([*versions, _Entry(rule_set, tuple(sorted(fields)), tuple(sorted(facts)), dated)],
                           key=lambda entry: entry.rule_set.version)
        # A later version takes effect later: otherwise "the version in force on a day" is ambiguous.
        starts = [entry.rule_set.effective_from for entry in candidate]
        if any(earlier >= later for earlier, later in zip(starts, starts[1:])):
            raise RuleSetInvalid(f"{source}: the versions of {rule_set.rule_set} must take effect in version order")
        versions[:] = candidate

    def codes(self) -> tuple[str, ...]:
        return tuple(sorted(self._versions))

    def versions(self, rule_set_code: str) -> tuple[RuleSet, ...]:
        return tuple(entry.rule_set for entry in self._versions.get(rule_set_code, ()))

    def _entry(self, rule_set_code: str, decision_date: date, version: int | None) -> _Entry:
        entries = self._versions.get(rule_set_code)
        if not entries:
            raise RuleSetNotFound(f"no rule set {rule_set_code}")
        in_force = [entry for entry in entries if entry.rule_set.effective_from <= decision_date]
        if version is None:
            if not in_force:
                raise RuleSetNotFound(f"no version of {rule_set_code} is in force on {decision_date}")
            return in_force[-1]
        # A named version (the one a case was accepted under) may be superseded, but not yet to come.
        for entry in in_force:
            if entry.rule_set.version == version:
                return entry
        raise RuleSetNotFound(f"{rule_set_code} has no version {version} in force on {decision_date}")

    def select(self, rule_set_code: str, decision_date: date, version: int | None = None) -> RuleSet:
        return self._entry(rule_set_code, decision_date, version).rule_set

    def evaluate(
        self,
        rule_set_code: str,
        inputs: Mapping[str, Any],
        facts: Mapping[str, Any],
        decision_date: date,
        version: int | None = None,
    ) -> Evaluation:
        """Decide: every condition, in order, each passed or not with its reason. Bad or missing inputs
        fail their conditions; only an unknown rule set or version, or a datetime for the date, raise."""
        if isinstance(decision_date, datetime) or not isinstance(decision_date, date):
            raise TypeError("decision_date is a calendar date (Asia/Shanghai), not a datetime")
        entry = self._entry(rule_set_code, decision_date, version)
        context = Context(inputs, facts, decision_date)
        checks = []
        for condition in entry.rule_set.conditions:
            held, why = truth_of(condition.check, context)
            checks.append(Check(condition.id, held is True, why if held is not None else f"undecided: {why}"))
        return Evaluation(
            rule_set=entry.rule_set.rule_set,
            version=entry.rule_set.version,
            decision_date=decision_date,
            checks=tuple(checks),
            inputs_sha256=inputs_sha256(entry, inputs, facts, decision_date),
        )
