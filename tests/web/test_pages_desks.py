"""The pages without a browser (plain HTTP, as a browser without JavaScript would send it): zh-CN and
labelled; a visitor is sent to log in; an applicant cannot see another's case; the window desk has no
button to refuse, only to accept, accept with missing materials, or escalate; the services' problems
shown in Chinese; the supervisor's charts drawn on the server."""
from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

FOOD = "330100-SCJGJ-XK-002"  # 食品经营许可证核发
KCG = "330100-YJS-KCG"
ENTERPRISE = {"applicant.kind": "enterprise", "applicant.number": "91330106MA2H0Q1X5R",
              "applicant.name": "杭州味道餐饮有限公司"}
ANSWERS = {"text": "杭州味道面馆", "address": "杭州市西湖区文三路100号", "id_number": "11010519491231002X",
           "phone": "13800138000", "number": "12", "date": "2026-03-01"}


class Page(HTMLParser):
    """What a test needs of a page: its language, its controls and their labels, its buttons, its text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.lang: str | None = None
        self.controls: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.buttons: list[str] = []
        self.text: list[str] = []
        self._in_label = self._in_button = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "label":
            self._in_label += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag == "button":
            self._in_button += 1
            self.buttons.append("")
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append({**a, "wrapped": "1" if self._in_label else ""})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._in_label -= 1
        elif tag == "button":
            self._in_button -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_button:
            self.buttons[-1] += data.strip()

    @property
    def all_text(self) -> str:
        return "".join(self.text)


@contextlib.contextmanager
def client(site: str, role: str, **form: str) -> Iterator[httpx.Client]:
    """A person logged in on the pages (the dev issuer behind the login page's form)."""
    with httpx.Client(base_url=site, timeout=30) as browser:
        reply = browser.post("/login", data={"role": role, **form})
        assert reply.status_code == 303, reply.text
        yield browser


@pytest.fixture
def clerk(site: str) -> Iterator[httpx.Client]:
    with client(site, "window_clerk") as browser:
        yield browser


def answers(site: str, path: str) -> dict[str, str]:
    form = httpx.get(f"{site}/intake{path}").json()["form"]
    return {f"f.{f['code']}": f["choices"][0] if f["type"] == "choice" else ANSWERS[f["type"]] for f in form}


def received_at_the_window(site: str, clerk: httpx.Client) -> str:
    reply = clerk.post(f"/window/new/item/{FOOD}", data={**ENTERPRISE, **answers(site, f"/v1/catalogue/items/{FOOD}"),
                                                          "key": uuid.uuid4().hex})
    assert reply.status_code == 303, reply.text
    return reply.headers["location"].split("/window/cases/")[1].split("?")[0]


@pytest.mark.parametrize("path", ["/", "/login", f"/bundles/{KCG}", f"/items/{FOOD}"])
def test_public_pages_are_chinese_and_every_control_has_a_label(site: str, path: str) -> None:
    reply = httpx.get(site + path)
    assert reply.status_code == 200 and "<script" not in reply.text  # usable without JavaScript
    page = Page(reply.text)
    assert page.lang == "zh-CN"
    unlabelled = [c for c in page.controls if not c["wrapped"] and c.get("id") not in page.label_for]
    assert page.controls or path != "/login"
    assert unlabelled == []


def test_the_apply_form_labels_every_field_and_material(site: str) -> None:
    with client(site, "applicant", subject="app-labels-0001") as wang:
        page = Page(wang.get(f"/apply/bundle/{KCG}").text)
    bundle = httpx.get(f"{site}/intake/v1/bundles/{KCG}").json()
    names = {c.get("name") for c in page.controls}
    assert {f"f.{f['code']}" for f in bundle["form"]} <= names and {f"m.{m['code']}" for m in bundle["materials"]} <= names
    assert [c for c in page.controls if not c["wrapped"] and c.get("id") not in page.label_for] == []


def test_a_visitor_is_sent_to_log_in_and_back(site: str) -> None:
    reply = httpx.get(f"{site}/cases")
    assert reply.status_code == 303 and reply.headers["location"] == "/login?next=/cases"
    with httpx.Client(base_url=site) as browser:
        logged = browser.post("/login", data={"role": "applicant", "subject": "app-visitor-0001", "next": "/materials"})
        assert logged.status_code == 303 and logged.headers["location"] == "/materials"
        cookie = logged.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert browser.post("/login", data={"role": "applicant", "next": "//elsewhere.example"}).headers["location"] == "/cases"


def test_an_applicant_cannot_see_another_applicants_case(site: str) -> None:
    with client(site, "applicant", subject="app-owner-00001") as owner, \
            client(site, "applicant", subject="app-other-00001") as other:
        applied = owner.post(f"/apply/item/{FOOD}", data={**answers(site, f"/v1/catalogue/items/{FOOD}"),
                                                           "key": uuid.uuid4().hex}, files={"m.none": ("", b"")})
        assert applied.status_code == 303, applied.text
        case_path = applied.headers["location"].split("?")[0]
        assert owner.get(case_path).status_code == 200
        theirs = other.get(case_path)
        assert theirs.status_code == 404 and "未找到" in theirs.text and "办件不存在" in Page(theirs.text).all_text
        assert case_path.split("/")[-1] not in [c for c in Page(other.get("/cases").text).all_text.split()]


def test_the_window_desk_accepts_or_escalates_and_has_no_button_to_refuse(site: str, clerk: httpx.Client) -> None:
    case_id = received_at_the_window(site, clerk)
    desk = Page(clerk.get(f"/window/cases/{case_id}").text)
    assert {"受理", "容缺受理", "提请审核"} <= set(desk.buttons)
    assert not [b for b in desk.buttons if any(word in b for word in ("不予", "驳回", "拒绝", "否决", "退回"))]

    # no materials at all: key materials are missing, so intake refuses 容缺 — the page says why, in Chinese
    refused = clerk.post(f"/window/cases/{case_id}/acceptance", data={"allow_missing": "1", "key": uuid.uuid4().hex})
    assert refused.status_code == 422 and "缺少关键材料，不能受理；可提请审核" in refused.text
    assert "key_materials_missing" in refused.text
    escalated = clerk.post(f"/window/cases/{case_id}/escalation", data={"reason": "申请人未带营业执照，坚持提交",
                                                                       "key": uuid.uuid4().hex})
    assert escalated.status_code == 303
    assert "已提请审核" in clerk.get(escalated.headers["location"]).text

    with client(site, "supervisor") as supervisor:
        assert case_id in supervisor.get("/supervisor").text  # waiting for a supervisor's decision
        decided = supervisor.post(f"/supervisor/cases/{case_id}/escalation-decision", data={
            "decision": "not_accept", "reason": "未取得营业执照，不符合受理条件", "legal_basis": "《行政许可法》第三十二条",
            "key": uuid.uuid4().hex})
        assert decided.status_code == 303
        assert "不予受理" in supervisor.get(decided.headers["location"]).text


def test_form_errors_come_back_beside_their_fields_in_chinese(site: str, clerk: httpx.Client) -> None:
    given = answers(site, f"/v1/catalogue/items/{FOOD}")
    given["f.contact_phone"] = "12345"
    del given["f.business_address"]
    reply = clerk.post(f"/window/new/item/{FOOD}", data={**ENTERPRISE, **given, "key": uuid.uuid4().hex})
    assert reply.status_code == 422
    assert "申请表填写有误" in reply.text and "电话号码格式不正确" in reply.text and "必填" in reply.text
    assert 'aria-invalid="true"' in reply.text and 'value="杭州味道面馆"' in reply.text  # what was typed is kept


def test_a_desk_of_another_role_is_refused(site: str, clerk: httpx.Client) -> None:
    reply = clerk.get("/department")
    assert reply.status_code == 403 and "无权使用此页面" in reply.text


def test_the_supervisor_dashboard_draws_its_charts_on_the_server(site: str, clerk: httpx.Client) -> None:
    received_at_the_window(site, clerk)
    with client(site, "supervisor") as supervisor:
        reply = supervisor.get("/supervisor")
    assert reply.status_code == 200 and "<script" not in reply.text
    assert reply.text.count('<svg class="chart" role="img"') == 2
    assert "<title id=\"throughput-t\">各事项办件量</title>" in reply.text and "各部门好差评" in reply.text


def test_a_token_login_outside_the_embedded_default(site: str) -> None:
    """Without the development issuer the login page asks for a token from the identity provider."""
    from onewindow_launcher.pages import PagesSettings, create_app

    token = httpx.post(f"{site}/v1/dev/tokens", json={"subject": "app-pasted-0001", "role": "applicant"}).json()
    settings = PagesSettings(**{f"{s}_url": f"{site}/{s}" for s in
                                ("intake", "approval", "certificates", "evaluation", "notify", "supervision")})
    async def run() -> tuple[Any, ...]:
        app = create_app(settings)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pages") as browser:
            form = await browser.get("/login")
            bad = await browser.post("/login", data={"role": "supervisor"})
            good = await browser.post("/login", data={"token": token["access_token"]})
            mine = await browser.get("/materials")
            return form, bad, good, mine

    form, bad, good, mine = asyncio.run(run())
    assert 'name="token"' in form.text and "as-supervisor" not in form.text
    assert bad.status_code == 400 and "请粘贴身份认证平台签发的访问令牌" in bad.text
    assert good.status_code == 303 and mine.status_code == 200 and "我的材料" in mine.text


def test_the_window_scans_a_new_applicants_papers_into_their_vault_before_submitting(site: str,
                                                                                     clerk: httpx.Client) -> None:
    """收件 with the papers the applicant brought: intake registers the applicant first, the scans go into
    their vault, and the case names them — complete, so the clerk can accept it at once."""
    form = Page(clerk.get(f"/window/new/item/{FOOD}").text)
    item = httpx.get(f"{site}/intake/v1/catalogue/items/{FOOD}").json()
    codes = [m["type_code"] for m in item["materials"]]
    scan_inputs = [c for c in form.controls if c.get("type") == "file"]
    assert {c["name"] for c in scan_inputs} == {f"m.{code}" for code in codes}
    assert [c for c in form.controls if not c["wrapped"] and c.get("id") not in form.label_for] == []

    newcomer = {"applicant.kind": "enterprise", "applicant.number": "91330106MA2J7K8L9M",  # no vault, no case yet
                "applicant.name": "杭州新开面馆有限公司"}
    scans = {f"m.{code}": (f"{code}.pdf", b"%PDF-1.7\n" + code.encode() + uuid.uuid4().bytes, "application/pdf")
             for code in codes}
    reply = clerk.post(f"/window/new/item/{FOOD}", data={**newcomer, **answers(site, f"/v1/catalogue/items/{FOOD}"),
                                                          "key": uuid.uuid4().hex}, files=scans)
    assert reply.status_code == 303, reply.text
    case_id = reply.headers["location"].split("/window/cases/")[1].split("?")[0]

    token = clerk.cookies["ow_session"]
    case = httpx.get(f"{site}/intake/v1/applications/{case_id}", headers={"Authorization": f"Bearer {token}"}).json()
    assert case["channel"] == "window" and case["status"] == "received"
    scanned = {m["type_code"]: m["source"] for m in case["materials"] if m["type_code"] in codes}
    assert scanned == dict.fromkeys(codes, "uploaded")  # every paper, scanned for this case
    desk = Page(clerk.get(f"/window/cases/{case_id}").text)
    assert desk.all_text.count("本次上传") >= len(codes)
    accepted = clerk.post(f"/window/cases/{case_id}/acceptance", data={"allow_missing": "", "key": uuid.uuid4().hex})
    assert accepted.status_code == 303 and "已受理" in clerk.get(accepted.headers["location"]).text


def test_scans_sent_with_a_refused_form_stay_in_the_vault_and_are_reused(site: str, clerk: httpx.Client) -> None:
    newcomer = {"applicant.kind": "enterprise", "applicant.number": "91330106MA2J7K8L0P",
                "applicant.name": "杭州重来小吃有限公司"}
    given = answers(site, f"/v1/catalogue/items/{FOOD}")
    scans = {f"m.{code}": (f"{code}.pdf", b"%PDF-1.7\n" + code.encode() + uuid.uuid4().bytes, "application/pdf")
             for code in ("CL-YYZZ", "CL-CSSY")}
    refused = clerk.post(f"/window/new/item/{FOOD}", data={**newcomer, **given, "f.contact_phone": "12345",
                                                            "key": uuid.uuid4().hex}, files=scans)
    assert refused.status_code == 422 and "电话号码格式不正确" in refused.text
    assert "已上传的 2 份扫描件已存入申请人材料库" in refused.text

    again = clerk.post(f"/window/new/item/{FOOD}", data={**newcomer, **given, "key": uuid.uuid4().hex},
                       files={"m.none": ("", b"")})  # nothing chosen this time
    assert again.status_code == 303, again.text
    case_id = again.headers["location"].split("/window/cases/")[1].split("?")[0]
    token = clerk.cookies["ow_session"]
    case = httpx.get(f"{site}/intake/v1/applications/{case_id}", headers={"Authorization": f"Bearer {token}"}).json()
    assert {m["type_code"]: m["source"] for m in case["materials"] if m["type_code"] in ("CL-YYZZ", "CL-CSSY")} == {
        "CL-YYZZ": "reused", "CL-CSSY": "reused"}
