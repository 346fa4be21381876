"""秒批 as data: versioned rule sets in a small, closed JSON condition language, and their evaluation.

    book = RuleBook()  # the rule sets in onewindow_approval/rules/
    evaluation = book.evaluate("RS-GLJT-1", form_answers, facts, decision_date)
    evaluation.approved, evaluation.failed, evaluation.as_contract()

Regenerate the checked-in JSON Schema with `python -m onewindow_approval.domain.rules`.
"""
from .book import (
    PACKAGED,
    SCHEMA_FILE,
    Check,
    Condition,
    Evaluation,
    RuleBook,
    RuleSet,
    RuleSetInvalid,
    RuleSetNotFound,
    json_schema,
)
from .language import FUNCTIONS

__all__ = [
    "FUNCTIONS",
    "PACKAGED",
    "SCHEMA_FILE",
    "Check",
    "Condition",
    "Evaluation",
    "RuleBook",
    "RuleSet",
    "RuleSetInvalid",
    "RuleSetNotFound",
    "json_schema",
]
