"""One worked example of every registered event, after journeys.md's stories (names and numbers
invented). They are the message examples of the AsyncAPI document, and known-valid instances for
tests, here and in the services. Sealed values and hashes are illustrative, not real ciphertexts.
"""

from __future__ import annotations

from onewindow_contracts.base import Event
from onewindow_contracts.examples import approval, downstream, intake

EXAMPLES: tuple[Event, ...] = (*intake.EXAMPLES, *approval.EXAMPLES, *downstream.EXAMPLES)


def examples_of(cls: type[Event]) -> list[Event]:
    return [example for example in EXAMPLES if type(example) is cls]
