"""个人信息删除 at intake, on the embedded default and on PostgreSQL + Kafka: a person erased who comes
back is served again, under a new key, and can be erased again; what was erased stays erased. The whole
erasure across the services is in tests/test_erasure.py."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from onewindow_chassis.personal import ERASED
from onewindow_intake.config import Settings

from intake_platform import Platform, start

REGISTRATION = "330100-SCJGJ-XK-001"  # 有限责任公司设立登记


@pytest.fixture(params=["embedded", "distributed"])
def platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    """Retention of 0 years: a file closed this year may be erased from 1 January next year."""
    if request.param == "embedded":
        settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path}/intake.db",
                            kafka_bootstrap_servers=None, bus_path=tmp_path / "bus.db", erasure_retention_years=0)
    else:
        settings = Settings(environment="test", database_url=request.getfixturevalue("pg_database_url"),
                            kafka_bootstrap_servers=request.getfixturevalue("kafka_bootstrap"),
                            erasure_retention_years=0)
    client, clock = start(settings)
    with client:
        yield Platform(client, clock, settings)


def _apply_and_withdraw(platform: Platform, applicant: dict[str, str]) -> str:
    ids = [platform.upload(applicant, code) for code in ("CL-FDDBR-SFZ", "CL-GSZC", "CL-CSSY")]
    case = platform.post("/v1/applications", applicant, {
        "item_codes": [REGISTRATION], "applicant_kind": "enterprise", "material_ids": ids,
        "answers": platform.answers(f"/v1/catalogue/items/{REGISTRATION}")})
    assert case.status_code == 201, case.text
    withdrawn = platform.post(f"/v1/applications/{case.json()['case_id']}/withdrawal", applicant, {})
    assert withdrawn.status_code == 200, withdrawn.text
    return case.json()["case_id"]


def _events(platform: Platform, stream: str) -> list[str]:
    async def load() -> list[str]:
        async with platform.client.app.state.intake.uow() as uow:
            return [e.event_type.rsplit(".", 1)[-1] for e in await uow.store.load(uow.tx, stream)]

    return platform.client.portal.call(load)


def _view(platform: Platform, ref: str) -> dict[str, Any]:
    return platform.client.get(f"/v1/applicants/{ref}", headers=platform.token("supervisor")).json()


def test_a_person_erased_who_comes_back_is_served_again_and_can_be_erased_again(platform: Platform) -> None:
    ref = "app-huilai-0001"
    first = _apply_and_withdraw(platform, platform.token("applicant", ref))
    platform.clock.advance(timedelta(days=400))  # into the year after the file closed: retention (0 years) over
    erase = lambda: platform.post(f"/v1/applicants/{ref}/erasure", platform.token("supervisor"),  # noqa: E731
                                  {"reason": "applicant_request"})
    erased = erase()
    assert erased.status_code == 200 and erased.json()["cases"] == 1, erased.text
    assert erase().json() == erased.json()  # a repeat answers with that erasure
    assert _view(platform, ref)["cases"][0]["contact"] == ERASED

    # a week later she applies again, online, under the same ref (her identity provider's subject)
    platform.clock.advance(timedelta(days=7))
    second = _apply_and_withdraw(platform, platform.token("applicant", ref))
    view = {case["case_id"]: case for case in _view(platform, ref)["cases"]}
    assert view[first]["contact"] == ERASED  # what was erased stays erased
    assert view[second]["contact"] not in (None, ERASED) and "*" in view[second]["contact"]  # readable, masked
    refused = erase()  # her new file is in retention until 1 January next year
    assert refused.status_code == 409 and refused.json()["code"] == "retention_period_running", refused.text

    platform.clock.advance(timedelta(days=400))
    again = erase()
    assert again.status_code == 200 and again.json()["cases"] == 1, again.text
    assert again.json()["erased_at"] > erased.json()["erased_at"]
    assert _view(platform, ref)["cases"][1]["contact"] == ERASED
    assert _events(platform, f"applicant:{ref}") == ["ApplicantErased", "ApplicantErased"]
    for case_id in (first, second):  # each case's history tells its erasure once
        assert _events(platform, case_id).count("PersonalDataErased") == 1
    run = platform.post("/v1/erasure/retention-runs", platform.token("supervisor"))
    assert run.status_code == 200 and run.json()["erased"] == 0, run.text  # nobody left to erase


def test_a_person_who_only_uploaded_materials_can_be_erased_at_once(platform: Platform) -> None:
    ref = "app-zhishangchuan-0002"
    platform.upload(platform.token("applicant", ref), "CL-FDDBR-SFZ")
    erased = platform.post(f"/v1/applicants/{ref}/erasure", platform.token("supervisor"),
                           {"reason": "applicant_request"})
    assert erased.status_code == 200 and (erased.json()["cases"], erased.json()["materials"]) == (0, 1), erased.text
    mine = platform.client.get("/v1/materials", headers=platform.token("applicant", ref))
    assert mine.status_code == 200 and mine.json() == [], mine.text


def test_a_person_intake_never_met_is_erased_so_the_other_services_hear_of_it(platform: Platform) -> None:
    ref = "app-zhitousu-0003"  # complained at evaluation, never applied nor uploaded here
    assert platform.client.get(f"/v1/applicants/{ref}", headers=platform.token("supervisor")).status_code == 404
    erased = platform.post(f"/v1/applicants/{ref}/erasure", platform.token("supervisor"),
                           {"reason": "applicant_request"})
    assert erased.status_code == 200 and (erased.json()["cases"], erased.json()["materials"]) == (0, 0), erased.text
    assert _events(platform, f"applicant:{ref}") == ["ApplicantErased"]  # what evaluation drops their words on
    assert _view(platform, ref)["erased"]["reason"] == "applicant_request"
    assert platform.post(f"/v1/applicants/{ref}/erasure", platform.token("supervisor"),
                         {"reason": "applicant_request"}).json() == erased.json()  # once

    # what they give from now on is theirs again, under a new key
    platform.clock.advance(timedelta(minutes=1))
    platform.upload(platform.token("applicant", ref), "CL-FDDBR-SFZ")
    again = platform.post(f"/v1/applicants/{ref}/erasure", platform.token("supervisor"),
                          {"reason": "applicant_request"})
    assert again.status_code == 200 and again.json()["materials"] == 1, again.text
    assert _events(platform, f"applicant:{ref}") == ["ApplicantErased", "ApplicantErased"]
