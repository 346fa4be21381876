"""The 秒批 condition language: JSON, declarative, and closed.

A condition is a tree of JSON objects validated into the models below, then evaluated by walking the
tree; nothing is ever compiled or `eval`ed, and functions come from a fixed whitelist. Evaluation never
raises on bad inputs: a missing or unusable input leaves the condition *undecided*, which counts as not
passed, with the reason kept for the human reviewer the case then goes to.

Logic is three-valued (Kleene): `and` is false if any part is false, `or` true if any part is true,
otherwise an undecided part makes the whole undecided; `not` of undecided stays undecided. So a missing
input can never be turned into a pass by negation.
"""
from __future__ import annotations

import calendar
import re
import re._constants as sre  # the parser's opcodes, to bound what a pattern may cost (see _pattern_safe)
import re._parser as sre_parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    Tag,
    model_validator,
)

from . import citizen_id

MAX_DEPTH = 12  # nesting of operators and functions in one condition
MAX_PATTERN = 100  # characters of a `matches` pattern
MAX_SUBJECT = 256  # characters a `matches` subject may have; a longer one is undecided
MAX_BACKTRACKING = 10_000  # product of the choices a pattern's quantifiers and alternatives leave open

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]  # form field or fact name


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- operands: what a comparison compares ------------------------------------------------------------


class FieldRef(_Node):
    """An answer on the application form, by the catalogue's field code."""

    field: Name


class FactRef(_Node):
    """Something the platform looked up for this case (人口库, 民政, 医保 …), by name."""

    fact: Name


class DecisionDateRef(_Node):
    """The date of the decision (Asia/Shanghai calendar day), given by the caller."""

    decision_date: Literal[True]


def _age_on(id_number: Any, on: Any) -> int:
    born = citizen_id.birth_date(_text(id_number, 0))
    on = _date(on, 1)
    # 周岁: a year is completed on the birthday; someone born on 29 February completes it on 1 March.
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _days_between(start: Any, end: Any) -> int:
    return (_date(end, 1) - _date(start, 0)).days


def _as_date(value: Any) -> date:
    if isinstance(value, str):
        try:
            if len(value) == 10:  # YYYY-MM-DD only, as the form asks; not the other ISO spellings
                return date.fromisoformat(value)
        except ValueError:
            pass
        _bad(0, "is not a date (YYYY-MM-DD)")
    return _date(value, 0)


def _end_of_month(value: Any) -> date:
    day = _date(value, 0)
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


# The whitelist: name -> (arity, implementation). Adding a function is a code change, on purpose.
FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {
    "age_on": (2, _age_on),  # 周岁 on a date, from the birth date in a citizen ID number
    "birth_date": (1, lambda id_number: citizen_id.birth_date(_text(id_number, 0))),
    "region_of": (1, lambda id_number: citizen_id.region(_text(id_number, 0))),  # its first 6 digits
    "days_between": (2, _days_between),  # end - start, in days
    "date": (1, _as_date),  # a YYYY-MM-DD answer as a date
    "end_of_month": (1, _end_of_month),  # for "年满N周岁的当月" rules
}


class Call(_Node):
    fn: Literal["age_on", "birth_date", "region_of", "days_between", "date", "end_of_month"]
    args: list[Operand]

    @model_validator(mode="after")
    def _arity(self) -> Call:
        arity = FUNCTIONS[self.fn][0]
        if len(self.args) != arity:
            raise ValueError(f"{self.fn} takes {arity} argument{'s' * (arity != 1)}, not {len(self.args)}")
        return self


Scalar = StrictBool | StrictInt | StrictFloat | StrictStr  # strict: JSON true is never the number 1


def _one_kind(values: list[Any]) -> list[Any]:
    if len({_kind(value) for value in values}) > 1:
        raise ValueError("a literal list holds values of one kind only")
    return values


LiteralList = Annotated[list[Scalar], Field(max_length=64), AfterValidator(_one_kind)]

_OPERAND_KEYS = {"field": FieldRef, "fact": FactRef, "decision_date": DecisionDateRef, "fn": Call}


def _operand_tag(value: Any) -> str | None:
    """Which form of operand this is, by its key, so that an error names the one form that was meant."""
    if isinstance(value, dict):
        return next((key for key in _OPERAND_KEYS if key in value), None)
    if isinstance(value, _Node):
        return next((key for key, model in _OPERAND_KEYS.items() if isinstance(value, model)), None)
    return "list" if isinstance(value, list) else "literal"


Operand = Annotated[
    Annotated[FieldRef, Tag("field")]
    | Annotated[FactRef, Tag("fact")]
    | Annotated[DecisionDateRef, Tag("decision_date")]
    | Annotated[Call, Tag("fn")]
    | Annotated[LiteralList, Tag("list")]
    | Annotated[Scalar, Tag("literal")],
    Discriminator(
        _operand_tag,
        custom_error_type="operand",
        custom_error_message='an operand is {"field": …}, {"fact": …}, {"decision_date": true}, '
        '{"fn": …, "args": […]} or a literal',
    ),
]


# --- conditions: what holds or not ---------------------------------------------------------------------


class Compare(_Node):
    """Equality for any two values of one kind; order for numbers and dates only."""

    op: Literal["==", "!=", "<", "<=", ">", ">="]
    left: Operand
    right: Operand


class Member(_Node):
    op: Literal["in", "not_in"]
    left: Operand
    right: Operand


class Junction(_Node):
    op: Literal["and", "or"]
    args: list[Expr] = Field(min_length=1, max_length=16)


class Not(_Node):
    op: Literal["not"]
    arg: Expr


class Present(_Node):
    """The operand can be worked out and is not empty; never undecided (that is what it asks)."""

    op: Literal["present"]
    arg: Operand


class StartsWith(_Node):
    op: Literal["starts_with"]
    left: Operand
    right: Operand


def _pattern_safe(pattern: str) -> str:
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as error:
        raise ValueError(f"not a regular expression: {error}") from None
    _backtracking(parsed)
    return pattern


_ATOMS = {sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY, sre.CATEGORY}
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT}


def _backtracking(items: Any) -> int:
    """Python's `re` backtracks and has no timeout, so a pattern must not be able to take long: a
    quantifier applies to one character or class only (no `(a+)+`), there are no backreferences or
    lookarounds, and the choices its quantifiers and alternatives leave open stay few."""
    cost = 1
    for op, arg in items:
        if op in _REPEATS:
            low, high, body = arg
            if len(body) != 1 or body[0][0] not in _ATOMS:
                raise ValueError("a quantifier may apply to one character or character class only")
            cost *= min(high, MAX_SUBJECT) - low + 1
        elif op is sre.SUBPATTERN:
            cost *= _backtracking(arg[3])
        elif op is sre.BRANCH:
            cost *= sum(_backtracking(branch) for branch in arg[1])
        elif op not in _ATOMS and op is not sre.AT:
            raise ValueError(f"{str(op).lower()} is not allowed in a pattern (no backreferences or lookarounds)")
        if cost > MAX_BACKTRACKING:
            raise ValueError("the pattern leaves too many choices open (it could backtrack for long)")
    return cost


class Matches(_Node):
    """The whole text matches the pattern (anchored at both ends)."""

    op: Literal["matches"]
    left: Operand
    pattern: Annotated[str, Field(min_length=1, max_length=MAX_PATTERN), AfterValidator(_pattern_safe)]


Expr = Annotated[Compare | Member | Junction | Not | Present | StartsWith | Matches, Field(discriminator="op")]

Call.model_rebuild()
Junction.model_rebuild()
Not.model_rebuild()


def depth(node: Any) -> int:
    """How deep a condition nests: bounded, so that evaluation stays shallow and fast."""
    return 1 + max((depth(child) for child in _children(node)), default=0)


def references(node: Any) -> tuple[set[str], set[str], bool]:
    """The form fields and facts a condition reads, and whether it reads the decision date."""
    if isinstance(node, FieldRef):
        return {node.field}, set(), False
    if isinstance(node, FactRef):
        return set(), {node.fact}, False
    if isinstance(node, DecisionDateRef):
        return set(), set(), True
    fields: set[str] = set()
    facts: set[str] = set()
    dated = False
    for child in _children(node):
        more = references(child)
        fields |= more[0]
        facts |= more[1]
        dated |= more[2]
    return fields, facts, dated


def _children(node: Any) -> list[Any]:
    if isinstance(node, Junction | Call):
        return list(node.args)
    if isinstance(node, Not | Present):
        return [node.arg]
    if isinstance(node, Compare | Member | StartsWith):
        return [node.left, node.right]
    if isinstance(node, Matches):
        return [node.left]
    return []


# --- evaluation -----------------------------------------------------------------------------------------


class Undecided(Exception):
    """An input is missing or unusable; the message names it (never its value)."""


class _BadArgument(Exception):
    def __init__(self, index: int, problem: str) -> None:
        super().__init__(problem)
        self.index = index


def _bad(index: int, problem: str) -> Any:
    raise _BadArgument(index, problem)


def _text(value: Any, index: int) -> str:
    return value if isinstance(value, str) else _bad(index, "is not text")


def _date(value: Any, index: int) -> date:
    # A datetime is a date in Python; refuse it, since which day it falls on depends on a time zone.
    return value if isinstance(value, date) and not isinstance(value, datetime) else _bad(index, "is not a date")


def _kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, date) and not isinstance(value, datetime):
        return "date"
    if isinstance(value, list | tuple):
        return "list"
    return None


@dataclass(frozen=True, slots=True)
class Context:
    fields: Mapping[str, Any]
    facts: Mapping[str, Any]
    decision_date: date


def value_of(node: Any, context: Context) -> Any:
    if isinstance(node, FieldRef):
        return _given(context.fields.get(node.field), f"field {node.field}")
    if isinstance(node, FactRef):
        return _given(context.facts.get(node.fact), f"fact {node.fact}")
    if isinstance(node, DecisionDateRef):
        return context.decision_date
    if isinstance(node, Call):
        args = [value_of(arg, context) for arg in node.args]
        try:
            return FUNCTIONS[node.fn][1](*args)
        except _BadArgument as bad:
            raise Undecided(f"{describe(node.args[bad.index])} {bad}") from None
        except citizen_id.NotACitizenId as bad:  # only ever about the first argument
            raise Undecided(f"{describe(node.args[0])} {bad}") from None
    return node  # a literal


def _given(value: Any, name: str) -> Any:
    if value is None or value == "":  # a blank answer is no answer
        raise Undecided(f"{name} is missing")
    if _kind(value) is None:
        raise Undecided(f"{name} has a value of an unusable type ({type(value).__name__})")
    return value


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def truth_of(expr: Any, context: Context) -> tuple[bool | None, str]:
    """(True, why), (False, why) or (None, why) when undecided."""
    try:
        if isinstance(expr, Junction):
            return _junction(expr, context)
        if isinstance(expr, Not):
            held, why = truth_of(expr.arg, context)
            return (None if held is None else not held), (why if held is None else f"not ({why})")
        if isinstance(expr, Present):
            try:
                value = value_of(expr.arg, context)
            except Undecided as undecided:
                return False, str(undecided)
            empty = value == [] or value == ()
            return not empty, f"{describe(expr.arg)} is {'empty' if empty else 'present'}"
        left = value_of(expr.left, context)
        if isinstance(expr, Matches):
            if not isinstance(left, str) or len(left) > MAX_SUBJECT:
                raise Undecided(f"{describe(expr.left)} is not text of at most {MAX_SUBJECT} characters")
            held = re.fullmatch(expr.pattern, left) is not None
            return held, f"{_said(expr.left, left)} {'matches' if held else 'does not match'} {expr.pattern}"
        right = value_of(expr.right, context)
        if isinstance(expr, StartsWith):
            if not (isinstance(left, str) and isinstance(right, str)):
                raise Undecided(f"starts_with compares text: {describe(expr.left)}, {describe(expr.right)}")
            held = left.startswith(right)
        elif isinstance(expr, Member):
            held = _member(expr, left, right)
        else:
            held = _compare(expr, left, right)
        text = f"{_said(expr.left, left)} {expr.op} {_said(expr.right, right)}"
        return held, text if held else f"{text} is false"
    except Undecided as undecided:
        return None, str(undecided)


def _junction(expr: Junction, context: Context) -> tuple[bool | None, str]:
    results = [truth_of(arg, context) for arg in expr.args]
    deciding = expr.op == "or"  # the value that settles the junction on its own
    settled = [why for held, why in results if held is deciding]
    if settled:
        return deciding, settled[0]
    undecided = [why for held, why in results if held is None]
    if undecided:
        return None, "; ".join(undecided)
    return (not deciding), f" {expr.op} ".join(why for _, why in results)


def _compare(expr: Compare, left: Any, right: Any) -> bool:
    kinds = _kind(left), _kind(right)
    # Values of different kinds are not "unequal": 0 is not false and "80" is not 80. Comparing them
    # is a mistake in the inputs or the rule, so the condition is undecided rather than passed by `!=`.
    if kinds[0] != kinds[1]:
        raise Undecided(f"{describe(expr.left)} ({kinds[0]}) and {describe(expr.right)} ({kinds[1]}) differ in kind")
    if expr.op in ("==", "!="):
        return (left == right) is (expr.op == "==")
    if kinds[0] not in ("number", "date"):
        raise Undecided(f"{expr.op} orders numbers and dates only, not {kinds[0]}")
    return _ORDER[expr.op](left, right)


def _member(expr: Member, left: Any, right: Any) -> bool:
    if not isinstance(right, list | tuple):
        raise Undecided(f"{describe(expr.right)} is not a list")
    if right and {_kind(item) for item in right} != {_kind(left)}:
        raise Undecided(f"{describe(expr.left)} and the items of {describe(expr.right)} differ in kind")
    return (left in right) is (expr.op == "in")


# --- words for the reviewer -----------------------------------------------------------------------------

_ID_LIKE = re.compile(r"\d{14}[\dXx]{1,4}")


def describe(node: Any) -> str:
    """An operand as a reader would write it: `age_on(field elder_id_number, decision_date)`."""
    if isinstance(node, FieldRef):
        return f"field {node.field}"
    if isinstance(node, FactRef):
        return f"fact {node.fact}"
    if isinstance(node, DecisionDateRef):
        return "decision_date"
    if isinstance(node, Call):
        return f"{node.fn}({', '.join(describe(arg) for arg in node.args)})"
    return show(node)


def show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(item) for item in value) + "]"
    if isinstance(value, str):
        # The reasons are kept in approval's decision log: an ID number is masked there, as in the logs.
        return f'"{value[:6]}********"' if _ID_LIKE.fullmatch(value) else f'"{value}"'
    return repr(value)


def _said(node: Any, value: Any) -> str:
    return f"{describe(node)} = {show(value)}" if isinstance(node, _Node) else show(value)
