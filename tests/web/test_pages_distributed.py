"""Journey 1 in Debian's Chromium against the distributed mode: intake, approval, certificates,
evaluation, notify and supervision each served over HTTP on its own PostgreSQL database and the one
Kafka broker, and the pages built as `onewindow serve pages` builds them — from ONEWINDOW_PAGES_*
settings alone — in front of them. There is no development issuer to log in with here: each person
pastes a token, issued in the test by the development issuer these services trust in `environment="test"`
(it stands in for the identity provider)."""
from __future__ import annotations

import contextlib
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from typing import Any, TypeVar

import pytest

from onewindow_chassis.clock import ManualClock
from onewindow_launcher.pages import create_app as pages_app
from onewindow_launcher.services import SERVICES
from tests.security.world import World, six_services
from tests.support.served import served

from test_pages_journey import ANSWERS, KCG, LEASE, MARKET_REGULATOR, REGISTRATION, log_out, pdf, reload_until

T = TypeVar("T")


@contextlib.contextmanager
def on_its_own_thread(enter: Callable[[], AbstractContextManager[T]]) -> Iterator[T]:
    """Enter and leave a context on a thread of its own. Playwright's sync API keeps an event loop
    running on the main thread once Chromium is up, and the platform's set-up and tear-down use
    asyncio.run (create and drop the databases, skip the broker's history), which cannot run there."""
    handed: queue.Queue[T | None] = queue.Queue(maxsize=1)
    leave = threading.Event()
    failed: list[BaseException] = []

    def hold() -> None:
        try:
            with enter() as value:
                handed.put(value)
                leave.wait()
        except BaseException as error:  # handed to the main thread, raised there
            failed.append(error)
            handed.put(None)

    thread = threading.Thread(target=hold, name="distributed-platform", daemon=True)
    thread.start()
    value = handed.get(timeout=600)
    if failed:
        raise failed[0]
    try:
        yield value  # type: ignore[misc]
    finally:
        leave.set()
        thread.join(timeout=120)
        if failed:
            raise failed[0]


@pytest.fixture(scope="module")
def platform(postgres_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    # Now, not a date in the past: the pages read a pasted token's expiry against the real time.
    clock = ManualClock(datetime.now(timezone.utc))
    directory = tmp_path_factory.mktemp("distributed")
    with on_its_own_thread(lambda: six_services(postgres_url, kafka_bootstrap, directory, clock=clock)) as world:
        yield world


@pytest.fixture(scope="module")
def site(platform: World) -> Iterator[str]:
    """The pages alone, configured from the environment the way `onewindow serve pages` is; the
    browser fixtures of conftest.py open this site instead of the embedded default."""
    with pytest.MonkeyPatch.context() as env:
        for service in SERVICES:
            env.setenv(f"ONEWINDOW_PAGES_{service.upper()}_URL", str(platform.clients[service].base_url))
        env.delenv("ONEWINDOW_PAGES_DEV_TOKENS_URL", raising=False)
        app = pages_app()
    assert app.state.pages.settings.dev_tokens_url is None
    with served(app) as base:
        yield base


def token_of(platform: World, role: str, subject: str | None = None, department: str | None = None) -> str:
    return platform.token(role, subject, department)["Authorization"].removeprefix("Bearer ")


def paste_token(page: Any, token: str) -> None:
    page.goto("/login")
    page.get_by_label("访问令牌（Bearer token）").fill(token)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_journey_1_on_postgresql_and_kafka_apply_reuse_approve_licence_and_rate(
    platform: World, site: str, browser_page: Any
) -> None:
    assert all(url.startswith("postgresql") for url in platform.databases.values())
    page = browser_page
    page.goto("/login")
    assert page.get_by_label("访问令牌（Bearer token）").count() == 1
    assert page.locator("#as-applicant").count() == 0  # no demo roles outside the embedded default

    wang = f"app-wangfang-{uuid.uuid4().hex[:8]}"  # the broker is shared: a person of this test's own
    paste_token(page, token_of(platform, "applicant", wang))
    assert page.url.endswith("/cases")
    page.goto("/materials")
    page.get_by_label("材料类型").select_option(LEASE)
    page.get_by_label("文件（PDF、JPG、PNG、OFD，不超过10MB）").set_input_files(pdf("lease-2025"))
    page.get_by_role("button", name="上传").click()
    assert "材料已存入材料库" in page.content() and "lease-2025.pdf" in page.content()

    page.goto(f"/bundles/{KCG}")
    page.get_by_role("link", name="在线申请“开餐馆”").click()
    bundle = platform.intake.get(f"/v1/bundles/{KCG}").json()
    lease_row = page.locator("tr", has=page.locator(f"#m-{LEASE}"))
    assert "已在材料库，将自动复用" in lease_row.inner_text()  # intake, over HTTP, knows her vault
    for field in bundle["form"]:
        control = page.locator(f"[name='f.{field['code']}']")
        if field["type"] == "choice":
            control.select_option(field["choices"][0])
        else:
            control.fill(ANSWERS[field["type"]])
    for material in bundle["materials"]:
        if material["code"] != LEASE:
            page.locator(f"#m-{material['code']}").set_input_files(pdf(material["code"]))
    page.get_by_role("button", name="提交申请").click()
    assert "申请已提交" in page.content()
    case_id = page.locator("h1 .id").inner_text()
    assert page.locator("dd.status").inner_text() == "已受理"
    assert "材料库复用" in page.locator("tr", has_text="使用证明").first.inner_text()
    reload_until(page, f"/cases/{case_id}", "受理通知")  # notify heard of it over Kafka
    log_out(page)

    # the market regulator's reviewer: approval heard of the case over Kafka
    paste_token(page, token_of(platform, "department_reviewer", department=MARKET_REGULATOR))
    reload_until(page, "/department", case_id)
    page.get_by_role("link", name=case_id).first.click()
    decision = page.locator("form", has=page.get_by_role("button", name="准予许可")).first
    assert REGISTRATION in decision.get_attribute("action")
    decision.get_by_role("button", name="准予许可").click()
    assert "已准予许可" in page.content()
    log_out(page)

    paste_token(page, token_of(platform, "applicant", wang))
    reload_until(page, "/licences", "营业执照")  # certificates issued it on approval's event
    qr = page.get_by_role("img", name="营业执照的亮证二维码")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    svg = page.request.get(qr.get_attribute("src"))
    assert svg.ok and svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.body()

    reload_until(page, f"/cases/{case_id}", "提交评价")  # evaluation opened the stage to rating
    page.get_by_label("非常满意").check()
    page.get_by_role("button", name="提交评价").click()
    assert "感谢您的评价" in page.content() and "非常满意" in page.content()
    rated = platform.evaluation.get(f"/v1/cases/{case_id}/evaluations",
                                    headers=platform.token("applicant", wang)).json()
    assert "very_satisfied" in [e["level"] for e in rated["evaluations"]]  # stored by evaluation itself
