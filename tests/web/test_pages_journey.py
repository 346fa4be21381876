"""Journey 1 in a real browser: Wang Fang applies for 开餐馆 on the portal with one form, her lease
already on file is reused, the market regulator's reviewer approves the registration, and she finds
her business licence with its QR code in her wallet and rates the service."""
from __future__ import annotations

import time
from typing import Any

import httpx

KCG = "330100-YJS-KCG"
REGISTRATION = "330100-SCJGJ-XK-001"
MARKET_REGULATOR = "330100-SCJGJ"
LEASE = "CL-CSSY"
FOOD = "330100-SCJGJ-XK-002"
ANSWERS = {"text": "杭州味道面馆", "address": "杭州市西湖区文三路100号", "id_number": "11010519491231002X",
           "phone": "13800138000", "number": "12", "date": "2026-03-01"}


def log_in(page: Any, role: str, *, person: str | None = None, department: str | None = None) -> None:
    page.goto("/login")
    card = {"applicant": "#as-applicant", "window_clerk": "#as-clerk", "department_reviewer": "#as-reviewer",
            "supervisor": "#as-supervisor"}[role]
    section = page.locator(f"section:has({card})")
    if person:
        section.get_by_label("演示申请人").select_option(person)
    if department:
        section.get_by_label("所属部门").select_option(department)
    section.get_by_role("button").click()
    page.wait_for_load_state()


def log_out(page: Any) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/")


def pdf(name: str) -> dict[str, Any]:
    return {"name": f"{name}.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n" + name.encode() + b"\n%%EOF"}


def reload_until(page: Any, url: str, text: str, timeout: float = 30) -> None:
    """The services hear each other over the bus: reload until the page shows what was decided."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        if text in page.content():
            return
        assert time.monotonic() < deadline, f"{url} did not show {text!r} in time"
        time.sleep(0.5)


def test_journey_1_apply_for_a_restaurant_reuse_a_material_get_the_licence_and_rate(
    browser_page: Any, site: str, screenshot: Any
) -> None:
    page = browser_page
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    screenshot(page, "portal-home")

    log_in(page, "applicant", person="app-wangfang-0001")
    # last year's lease, uploaded once into her vault (材料库)
    page.goto("/materials")
    page.get_by_label("材料类型").select_option(LEASE)
    page.get_by_label("文件（PDF、JPG、PNG、OFD，不超过10MB）").set_input_files(pdf("lease-2025"))
    page.get_by_role("button", name="上传").click()
    assert "材料已存入材料库" in page.content() and "lease-2025.pdf" in page.content()
    screenshot(page, "citizen-materials")

    page.goto("/")
    page.get_by_role("link", name="开餐馆").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "开餐馆"
    screenshot(page, "citizen-bundle")
    page.get_by_role("link", name="在线申请“开餐馆”").click()

    bundle = httpx.get(f"{site}/intake/v1/bundles/{KCG}").json()
    lease_row = page.locator("tr", has=page.locator(f"#m-{LEASE}"))
    assert "已在材料库，将自动复用" in lease_row.inner_text()  # not asked for again
    for field in bundle["form"]:
        control = page.locator(f"[name='f.{field['code']}']")
        if field["type"] == "choice":
            control.select_option(field["choices"][0])
        else:
            control.fill(ANSWERS[field["type"]])
    for material in bundle["materials"]:
        if material["code"] != LEASE:
            page.locator(f"#m-{material['code']}").set_input_files(pdf(material["code"]))
    screenshot(page, "citizen-apply")
    page.get_by_role("button", name="提交申请").click()

    assert "申请已提交" in page.content()
    case_id = page.locator("h1 .id").inner_text()
    assert page.locator("dd.status").inner_text() == "已受理"  # complete and online: accepted at once
    lease_on_case = page.locator("tr", has_text="使用证明").first.inner_text()
    assert "材料库复用" in lease_on_case
    assert "个工作日" in page.locator("table").first.inner_text()
    reload_until(page, f"/cases/{case_id}", "受理通知")  # her timeline: what she was told, and when
    screenshot(page, "citizen-case")
    log_out(page)

    log_in(page, "department_reviewer", department=MARKET_REGULATOR)
    reload_until(page, "/department", case_id)
    screenshot(page, "department-queue")
    page.get_by_role("link", name=case_id).first.click()
    assert page.get_by_role("button", name="不予许可").count() >= 1 and page.get_by_role("button", name="通知补正").count() >= 1
    screenshot(page, "department-case")
    decision = page.locator("form", has=page.get_by_role("button", name="准予许可")).first
    assert REGISTRATION in decision.get_attribute("action")
    decision.get_by_role("button", name="准予许可").click()
    assert "已准予许可" in page.content()
    log_out(page)

    log_in(page, "applicant", person="app-wangfang-0001")
    reload_until(page, "/licences", "营业执照")
    qr = page.get_by_role("img", name="营业执照的亮证二维码")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # the code was served and drawn
    svg = page.request.get(qr.get_attribute("src"))
    assert svg.ok and svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.body()
    screenshot(page, "citizen-licences")

    reload_until(page, f"/cases/{case_id}", "提交评价")
    page.get_by_label("非常满意").check()
    page.get_by_label("意见建议（可选）").fill("一张表单就办完了，很方便")
    page.get_by_role("button", name="提交评价").click()
    assert "感谢您的评价" in page.content() and "非常满意" in page.content()
    screenshot(page, "citizen-rated")


def test_the_window_escalates_and_the_supervisor_sees_it_on_the_dashboard(browser_page: Any, site: str,
                                                                            screenshot: Any) -> None:
    """At the counter: the clerk registers an enterprise's application; without its key materials it
    cannot be accepted, and there is no button to refuse — it is escalated to the supervisor."""
    page = browser_page
    page.goto("/login")
    screenshot(page, "login")
    log_in(page, "window_clerk")
    page.goto("/window/new")
    page.get_by_label("申请事项或“一件事”").select_option(f"item:{FOOD}")
    page.get_by_role("button", name="填写申请表").click()
    page.get_by_label("申请人类型").select_option("enterprise")
    page.get_by_label("公民身份号码或统一社会信用代码").fill("91330106MA2H0Q1X5R")
    page.get_by_label("姓名或名称").fill("杭州味道餐饮有限公司")
    for field in httpx.get(f"{site}/intake/v1/catalogue/items/{FOOD}").json()["form"]:
        control = page.locator(f"[name='f.{field['code']}']")
        if field["type"] == "choice":
            control.select_option(field["choices"][0])
        else:
            control.fill(ANSWERS[field["type"]])
    page.locator("#m-CL-FDDBR-SFZ").set_input_files(pdf("legal-rep-id"))  # the one paper they brought
    screenshot(page, "window-new")
    page.get_by_role("button", name="收件").click()
    assert "已收件" in page.content() and "CL-FDDBR-SFZ（本次上传）" in page.content()
    case_id = page.locator("h1 .id").inner_text()
    buttons = page.get_by_role("button").all_inner_texts()
    assert "受理" in buttons and "容缺受理" in buttons and "提请审核" in buttons
    assert not [b for b in buttons if "不予" in b or "驳回" in b]
    page.get_by_role("button", name="容缺受理").click()
    assert "缺少关键材料，不能受理；可提请审核" in page.content()
    screenshot(page, "window-case")
    page.get_by_label("理由（必填）").fill("申请人未带营业执照，坚持提交")
    page.get_by_role("button", name="提请审核").click()
    assert "已提请审核，由监察人员决定" in page.content()
    page.goto("/window")
    screenshot(page, "window-desk")
    log_out(page)

    log_in(page, "supervisor")
    page.goto("/supervisor")
    assert page.get_by_role("img", name="各事项办件量").count() == 1
    screenshot(page, "supervisor-dashboard")
    page.get_by_label("查询办件时间线").fill(case_id)
    page.get_by_role("button", name="查询").click()
    reload_until(page, f"/supervisor/cases/{case_id}", "提请审核")
    screenshot(page, "supervisor-case")
    page.get_by_label("不予受理", exact=True).check()  # the supervisor may refuse; the window may not
    page.get_by_label("理由（必填）").fill("未取得营业执照，不符合受理条件")
    page.get_by_label("法律依据（不予受理时填写）").fill("《中华人民共和国行政许可法》第三十二条")
    page.get_by_role("button", name="作出决定").click()
    assert "审核决定已作出" in page.content() and page.locator("dd.status").inner_text() == "不予受理"
