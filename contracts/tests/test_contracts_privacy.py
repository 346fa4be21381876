"""No clear personal data crosses a service boundary: only opaque refs, and Sealed values where a
consumer truly needs a personal field."""

import re
import types
import typing
from collections.abc import Iterator

import pytest
from pydantic import AfterValidator, BaseModel, ValidationError

from onewindow_contracts import EVENTS, Sealed, as_data
from onewindow_contracts.examples import EXAMPLES
from onewindow_contracts.intake import ApplicationReceived
from onewindow_contracts.values import Actor, _opaque

# Field names that suggest personal data about a person in clear.
PERSONAL = re.compile(
    r"(^|_)("
    r"id_?(card|number|no)|identity|passport|citizen|phone|mobile|tel|telephone|e?_?mail|address|contact"
    r"|birth(day|date)?|gender|sex|ethnicity|face|fingerprint|bank_?(card|account)"
    r"|(applicant|holder|person|full|real|legal_person|contact|recipient|agent|clerk|staff|complainant)_(name|code)"
    r")(_|$)"
)
# Bare `name` fields are allowed only on things, never on people.
NAMED_THINGS = {"CatalogueItemVersionPublished", "RequiredMaterial", "Fee"}


def _walk(annotation: object) -> Iterator[object]:
    """The annotation and every type nested in it (unions, tuples, Annotated)."""
    yield annotation
    for arg in typing.get_args(annotation):
        yield from _walk(arg)


def _models() -> dict[str, type[BaseModel]]:
    seen: dict[str, type[BaseModel]] = {}
    pending: list[type[BaseModel]] = list(EVENTS.values())
    while pending:
        model = pending.pop()
        if model.__name__ in seen:
            continue
        seen[model.__name__] = model
        for field in model.model_fields.values():
            pending += [t for t in _walk(field.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
    return seen


def _fields() -> Iterator[tuple[str, str, object, list[object]]]:
    for model_name, model in sorted(_models().items()):
        for name, field in model.model_fields.items():
            yield model_name, name, field.annotation, list(field.metadata)


def _is_sealed(annotation: object) -> bool:
    kinds = {t for t in _walk(annotation) if isinstance(t, type)}
    return kinds <= {Sealed, types.NoneType} and Sealed in kinds


@pytest.mark.parametrize("model, name, annotation", [f[:3] for f in _fields()], ids=lambda v: str(v)[:40])
def test_no_personal_field_in_clear(model: str, name: str, annotation: object) -> None:
    if PERSONAL.search(name):
        assert _is_sealed(annotation), f"{model}.{name} looks personal: it must be Sealed"
    if name == "name":
        assert model in NAMED_THINGS, f"{model}.name: only things have names in events"


def test_the_walk_finds_the_sealed_fields() -> None:
    sealed = {(m, n) for m, n, a, _ in _fields() if _is_sealed(a)}
    assert {("ApplicationReceived", "contact"), ("LicenceIssued", "holder_code")} <= sealed


def _opaque_checked(annotation: object, metadata: list[object]) -> bool:
    found = metadata + [m for t in _walk(annotation) for m in getattr(t, "__metadata__", ())]
    return any(isinstance(m, AfterValidator) and m.func is _opaque for m in found)


def test_every_reference_to_a_person_is_checked_to_be_opaque() -> None:
    refs = [(m, n) for m, n, a, meta in _fields() if (n.endswith("ref") or n == "on_behalf_of")]
    assert len(refs) > 5
    for model, name, annotation, metadata in _fields():
        if (model, name) in refs and name != "window_ref":
            assert _opaque_checked(annotation, metadata), f"{model}.{name} must be an OpaqueRef"


@pytest.mark.parametrize(
    "identity",
    ["11010519491231002X", "110105194912310021", "91330106MA2B3C4D5E", "13812345678", "8613812345678"],
)
def test_identity_numbers_are_refused_as_refs(identity: str) -> None:
    with pytest.raises(ValidationError, match="opaque"):
        Actor(role="applicant", ref=identity)
    received = next(e for e in EXAMPLES if isinstance(e, ApplicationReceived))
    with pytest.raises(ValidationError, match="opaque"):
        ApplicationReceived.model_validate(as_data(received) | {"applicant_ref": identity})
