"""The province-day's journeys over HTTP: a weighted mix drawn from the demo catalogue with a seeded RNG.

Each journey is one case, told the way people and departments make it (services/intake/tests,
tests/test_window_to_department.py): the applicant uploads the materials and applies online; where
the catalogue says so the window accepts (受理, 容缺受理); the departments' reviewers decide the items
as they come into review (in dependency order for a bundle), ask for a correction (补正) or approve a
容缺 result that is held until the owed material is supplemented; 秒批 and 告知承诺 need no one.
Afterwards some applicants rate the case (好差评) and a few file a complaint.

The journey ends at its final observable state: the case concluded by approval, and every licence
its items yield issued by certificates. An `Observer` says when: on Kafka it reads the case topics
(no polling load on the services); on the embedded default it polls approval and the wallet.
"""
from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

ELDERLY = "330100-MZJ-JF-001"        # 高龄津贴: 秒批 by rule set RS-GLJT-1
HOUSEHOLD = "330100-SCJGJ-XK-003"    # 个体工商户设立登记: reviewed, yields 营业执照
HYGIENE = "330100-WJW-XK-001"        # 公共场所卫生许可: 告知承诺, yields its licence at once
FOOD = "330100-SCJGJ-XK-002"         # 食品经营许可证: 容缺 (健康证明 owed) or 补正 (平面布置图)
FOOD_ALL = ("CL-YYZZ", "CL-FDDBR-SFZ", "CL-CSSY", "CL-PMBZT", "CL-SPGYLC", "CL-SPAQZD", "CL-JKZM")
ENTERPRISE = "330100-YJS-QYKB"       # 企业开办: 6 items, 5 departments, online
RESTAURANT = "330100-YJS-KCG"        # 开餐馆: 7 items, online
VETERAN = "330100-YJS-TYJRBD"        # 退役军人报到一件事: not fully online → accepted at the window

# kind → (weight, what it is). A province's day is mostly single items online; bundles are fewer.
MIX: dict[str, tuple[int, str]] = {
    "instant": (30, "秒批 高龄津贴 online, decided by rules"),
    "household": (10, "个体工商户设立登记 online, approved by the reviewer, 营业执照 issued"),
    "commitment": (12, "告知承诺 公共场所卫生许可 online, approved on the commitment, licence issued"),
    "rongque": (10, "食品经营许可 with 健康证明 owed: 容缺受理 at the window, approved (held), supplemented, released"),
    "correction": (8, "食品经营许可 online: 补正 asked by the reviewer, answered by the applicant, approved"),
    "window": (8, "退役军人报到一件事 (5 items): 受理 by the window clerk, items approved in dependency order"),
    "enterprise": (17, "企业开办 (6 items, 5 departments) online, items approved in dependency order"),
    "restaurant": (5, "开餐馆 (7 items) online, items approved in dependency order"),
}
RATE_SHARE = 0.4       # of concluded cases, the applicant rates the approval stage
BAD_SHARE = 0.08       # of ratings, 不满意: opens a rectification
COMPLAINT_SHARE = 0.03  # of concluded cases, the applicant files a complaint online

PLAIN = {"text": "杭州味道面馆", "address": "杭州市西湖区文三路100号", "phone": "13800138000", "number": 12,
         "date": "2026-03-01"}


def citizen_id(region: str, born: str, sequence: int) -> str:
    body = f"{region}{born}{sequence % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)))
    return body + "10X98765432"[total % 11]


@dataclass(frozen=True)
class Planned:
    """One case of the day, known before it starts: the same seed gives the same day."""

    seq: int
    kind: str
    at: float          # seconds after the start, compressed
    rate: str | None   # the rating the applicant will give, if any
    complaint: bool


def plan(cases: int, rate: float, seed: int) -> list[Planned]:
    """`cases` arrivals at `rate` per second on average (Poisson, so bursts and lulls as in a real hall)."""
    rng = random.Random(seed)
    kinds, weights = list(MIX), [w for w, _ in MIX.values()]
    at, out = 0.0, []
    for seq in range(cases):
        at += rng.expovariate(rate)
        rating = None
        if rng.random() < RATE_SHARE:
            rating = "dissatisfied" if rng.random() < BAD_SHARE else rng.choice(("very_satisfied", "satisfied"))
        out.append(Planned(seq, rng.choices(kinds, weights)[0], at, rating, rng.random() < COMPLAINT_SHARE))
    return out


@dataclass
class Outcome:
    planned: Planned
    case_id: str | None = None
    started: float = 0.0            # perf_counter at the first POST of the application
    accepted: float | None = None   # the 201 of the application (accepted at once, or received)
    ended: float | None = None      # the final observable state
    licences: int = 0               # licences its items yield (expected)
    first_item: str = ""            # what the applicant rates (a bundle's stages are per item)
    error: str | None = None
    rated: bool = False
    complained: bool = False

    @property
    def latency_ms(self) -> float | None:
        return None if self.ended is None else (self.ended - self.started) * 1e3


class Tokens:
    """Development tokens minted here (the services run with environment=test and verify them)."""

    def __init__(self) -> None:
        from onewindow_chassis.settings import ServiceSettings
        from onewindow_chassis.web import development_issuer

        self._issuer = development_issuer(ServiceSettings(environment="test"))
        self._cache: dict[tuple[str, str, str | None], tuple[float, dict[str, str]]] = {}

    def __call__(self, role: str, subject: str | None = None, department: str | None = None) -> dict[str, str]:
        subject = subject or f"{role.replace('_', '-')}-pd0001"
        key = (role, subject, department)
        cached = self._cache.get(key)
        if cached is None or time.monotonic() - cached[0] > 600:  # tokens live 30 minutes
            cached = (time.monotonic(), {"Authorization": "Bearer " + self._issuer.issue(subject, role, department)})
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[key] = cached
        return cached[1]


class Observer:
    """When a case reached a state. The base polls approval over HTTP (embedded default)."""

    def __init__(self, clients: dict[str, httpx.AsyncClient], tokens: Tokens, poll_s: float = 0.5) -> None:
        self.clients, self.tokens, self.poll_s = clients, tokens, poll_s

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def changed(self, case_id: str, timeout: float) -> None:
        """Return when something new may have happened to the case (here: after a poll interval)."""
        await asyncio.sleep(min(timeout, self.poll_s))

    async def concluded(self, case_id: str, licences: int, applicant: str, timeout: float) -> float:
        deadline = time.perf_counter() + timeout
        done = False
        while time.perf_counter() < deadline:
            if not done:
                reply = await self.clients["approval"].get(f"/v1/cases/{case_id}", headers=self.tokens("supervisor"))
                done = reply.status_code == 200 and reply.json()["concluded"]
            if done:
                if licences == 0:
                    return time.perf_counter()
                wallet = await self.clients["certificates"].get("/v1/wallet", headers=self.tokens("applicant", applicant))
                if wallet.status_code == 200 and sum(1 for lic in wallet.json()["items"]
                                                     if lic["case_id"] == case_id) >= licences:
                    return time.perf_counter()
            await asyncio.sleep(self.poll_s)
        raise TimeoutError(f"case {case_id} not concluded in {timeout:.0f} s")


class KafkaObserver(Observer):
    """Reads approval, certificates and supervision events as a department's system would, from the
    start of the topics, keyed by case id; wakes whoever waits on a case when one of its events comes."""

    TOPICS = ("approval.events", "certificates.events", "supervision.events")

    def __init__(self, bootstrap: str, clients: dict[str, httpx.AsyncClient], tokens: Tokens) -> None:
        super().__init__(clients, tokens)
        self.bootstrap = bootstrap
        self.events: dict[str, list[tuple[str, float]]] = defaultdict(list)
        self.assigned: dict[tuple[str, str], datetime] = {}    # (case, item) → ItemAssigned's time
        self.alerts: list[dict[str, Any]] = []                 # DeadlineWarningRaised / Breached as heard
        self._waiters: dict[str, asyncio.Event] = {}
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        from aiokafka import AIOKafkaConsumer

        self._consumer = AIOKafkaConsumer(*self.TOPICS, bootstrap_servers=self.bootstrap, group_id=None,
                                          auto_offset_reset="earliest", enable_auto_commit=False)
        await self._consumer.start()
        self._task = asyncio.create_task(self._read())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        await self._consumer.stop()

    async def _read(self) -> None:
        import json

        while True:
            try:
                batches = await self._consumer.getmany(timeout_ms=200, max_records=2000)
            except Exception:  # the broker away (fault suite): the client reconnects on the next call
                await asyncio.sleep(0.5)
                continue
            now = time.perf_counter()
            for records in batches.values():
                for record in records:
                    headers = {k: v.decode() for k, v in record.headers or ()}
                    kind = headers.get("ce_type", "").rsplit(".", 1)[-1]
                    case_id = (record.key or b"").decode()
                    self.events[case_id].append((kind, now))
                    if kind == "ItemAssigned":
                        data = json.loads(record.value)
                        self.assigned[(case_id, data["item"]["item_code"])] = datetime.fromisoformat(
                            headers["ce_time"].replace("Z", "+00:00"))
                    elif kind in ("DeadlineWarningRaised", "DeadlineBreached"):
                        data = json.loads(record.value)
                        self.alerts.append({"case_id": case_id, "item_code": data["item"]["item_code"],
                                            "kind": kind, "raised_at": data.get("raised_at") or data.get("breached_at"),
                                            "heard": time.time()})
                    waiter = self._waiters.pop(case_id, None)
                    if waiter:
                        waiter.set()

    async def changed(self, case_id: str, timeout: float) -> None:
        waiter = self._waiters.setdefault(case_id, asyncio.Event())
        try:
            await asyncio.wait_for(waiter.wait(), timeout)
        except TimeoutError:
            self._waiters.pop(case_id, None)

    async def concluded(self, case_id: str, licences: int, applicant: str, timeout: float) -> float:
        deadline = time.perf_counter() + timeout
        while True:
            seen = self.events.get(case_id, [])
            concluded = [t for kind, t in seen if kind == "CaseConcluded"]
            issued = [t for kind, t in seen if kind == "LicenceIssued"]
            if concluded and len(issued) >= licences:
                return max([concluded[0], *issued[:licences]])
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"case {case_id} not concluded in {timeout:.0f} s "
                                   f"(heard: {[k for k, _ in seen]})")
            await self.changed(case_id, min(left, 5.0))


@dataclass
class Driver:
    """Plays planned cases against the platform's HTTP APIs."""

    clients: dict[str, httpx.AsyncClient]
    observer: Observer
    tokens: Tokens = field(default_factory=Tokens)
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    timeout_s: float = 600.0
    forms: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    bundle_materials: dict[str, list[str]] = field(default_factory=dict)
    licence_items: set[str] = field(default_factory=set)
    retries: int = 0   # HTTP calls repeated after a refusal the platform clears up by itself (not yet heard, 5xx)

    async def prepare(self) -> None:
        """The catalogue as the services publish it: forms, bundles' materials, licence-yielding items."""
        intake = self.clients["intake"]
        for code in (ELDERLY, HOUSEHOLD, HYGIENE, FOOD):
            self.forms[code] = (await self._get(intake, f"/v1/catalogue/items/{code}"))["form"]
        for code in (ENTERPRISE, RESTAURANT, VETERAN):
            bundle = await self._get(intake, f"/v1/bundles/{code}")
            self.forms[code] = bundle["form"]
            self.bundle_materials[code] = [m["code"] for m in bundle["materials"]]
        for item in await self._get(intake, "/v1/catalogue/items"):
            if item.get("result_licence_type_code"):
                self.licence_items.add(item["item_code"])

    async def _get(self, client: httpx.AsyncClient, path: str, headers: dict | None = None) -> Any:
        for attempt in range(60):
            reply = await client.get(path, headers=headers)
            if reply.status_code == 200:
                return reply.json()
            await asyncio.sleep(0.5)
        raise RuntimeError(f"GET {path}: {reply.status_code} {reply.text[:300]}")

    # --- one HTTP call, retried only where the platform clears it up by itself --------------------------

    async def _post(self, service: str, path: str, headers: dict, json: Any = None, *, ok: tuple[int, ...] = (200, 201),
                    retry_on: tuple[str, ...] = (), key: str | None = None, **kw: Any) -> httpx.Response:
        """POST with an Idempotency-Key kept across retries: a retry after a lost reply is the same command.
        `retry_on`: problem codes that mean "not heard yet" (a service a step behind on the bus)."""
        key = key or uuid.uuid4().hex
        deadline = time.perf_counter() + self.timeout_s
        pause = 0.3
        while True:
            try:
                reply = await self.clients[service].post(path, json=json, headers=headers | {"Idempotency-Key": key},
                                                         **kw)
            except httpx.HTTPError as error:  # a service being restarted (fault suite)
                reply = None
                reason = type(error).__name__
            else:
                if reply.status_code in ok:
                    return reply
                code = reply.json().get("code") if reply.headers.get("content-type", "").endswith("json") else None
                if reply.status_code < 500 and code not in retry_on and reply.status_code != 404:
                    raise RuntimeError(f"POST {service}{path}: {reply.status_code} {reply.text[:400]}")
                reason = f"{reply.status_code} {code}"
            if time.perf_counter() > deadline:
                raise RuntimeError(f"POST {service}{path} still refused: {reason}")
            self.retries += 1
            pause = min(5.0, pause * 1.5)
            await asyncio.sleep(pause)

    async def _get_ok(self, service: str, path: str, headers: dict) -> Any:
        deadline = time.perf_counter() + self.timeout_s
        while True:
            try:
                reply = await self.clients[service].get(path, headers=headers)
                if reply.status_code == 200:
                    return reply.json()
            except httpx.HTTPError:
                pass
            if time.perf_counter() > deadline:
                raise RuntimeError(f"GET {service}{path} never answered 200")
            await asyncio.sleep(0.5)

    # --- the parts of a journey ---------------------------------------------------------------------

    def applicant(self, p: Planned) -> str:
        return f"app-pd{self.run}-{p.seq:07d}"

    def answers(self, code: str, seq: int, **given: Any) -> dict[str, Any]:
        plain = PLAIN | {"id_number": citizen_id("330106", "19800101", seq)}
        return {f["code"]: given.get(f["code"], f["choices"][0] if f["type"] == "choice" else plain[f["type"]])
                for f in self.forms[code]}

    async def upload(self, who: dict, type_code: str) -> str:
        reply = await self._post("intake", "/v1/materials", who, content=b"%PDF-1.7\n" + uuid.uuid4().bytes,
                                 params={"type_code": type_code, "filename": f"{type_code}.pdf"}, ok=(201,))
        return reply.json()["material_id"]

    async def apply(self, o: Outcome, who: dict, body: dict) -> dict:
        o.started = o.started or time.perf_counter()
        reply = await self._post("intake", "/v1/applications", who, body, ok=(201,))
        o.accepted = time.perf_counter()
        case = reply.json()
        o.case_id = case["case_id"]
        o.first_item = case["items"][0]["item_code"]
        return case

    async def desk(self, o: Outcome, *, stop_when: Any = None) -> None:
        """The departments' reviewers: approve each item that is in review, as it comes, until the case
        concludes (or `stop_when(case)` holds). A held 容缺 result waits for the supplement, not for them."""
        supervisor = self.tokens("supervisor")
        deadline = time.perf_counter() + self.timeout_s
        decided: set[str] = set()
        while time.perf_counter() < deadline:
            try:
                reply = await self.clients["approval"].get(f"/v1/cases/{o.case_id}", headers=supervisor)
            except httpx.HTTPError:  # approval being restarted (fault suite)
                reply = None
            if reply is not None and reply.status_code == 200:
                case = reply.json()
                if case["concluded"] or (stop_when and stop_when(case)):
                    return
                for item in case["items"]:
                    if item["status"] == "in_review" and item["item_code"] not in decided:
                        reviewer = self.tokens("department_reviewer", department=item["department_code"])
                        await self._post("approval", f"/v1/cases/{o.case_id}/items/{item['item_code']}/decision",
                                         reviewer, {"approve": True, "reason": "材料齐全，符合法定形式"},
                                         retry_on=("conflict",))
                        decided.add(item["item_code"])
            await self.observer.changed(o.case_id, 2.0)
        raise TimeoutError(f"desk: case {o.case_id} not done")

    async def ended(self, o: Outcome, applicant: str) -> None:
        o.ended = await self.observer.concluded(o.case_id, o.licences, applicant, self.timeout_s)

    def expected_licences(self, items: list[str]) -> int:
        return sum(1 for code in items if code in self.licence_items)

    # --- the journeys -------------------------------------------------------------------------------

    async def play(self, p: Planned) -> Outcome:
        o = Outcome(p)
        try:
            await getattr(self, f"_{p.kind}")(o)
            await self._after(o)
        except Exception as error:  # noqa: BLE001 - reported per case, the day goes on
            o.error = f"{type(error).__name__}: {error}"[:500]
        return o

    async def _instant(self, o: Outcome) -> None:
        who = self.tokens("applicant", self.applicant(o.planned))
        ids = [await self.upload(who, c) for c in ("CL-LNR-SFZ", "CL-HKB", "CL-SBK", "CL-SFZ")]
        o.started = time.perf_counter()
        answers = self.answers(ELDERLY, o.planned.seq, elder_id_number=citizen_id("330106", "19440315", o.planned.seq),
                               relation_to_elder="子女")
        await self.apply(o, who, {"item_codes": [ELDERLY], "applicant_kind": "citizen", "answers": answers,
                                  "material_ids": ids})
        await self.ended(o, self.applicant(o.planned))

    async def _single(self, o: Outcome, item: str, kind: str, materials: tuple[str, ...], **extra: Any) -> dict:
        who = self.tokens("applicant", self.applicant(o.planned))
        ids = [await self.upload(who, c) for c in materials]
        o.started = time.perf_counter()
        o.licences = self.expected_licences([item])
        return await self.apply(o, who, {"item_codes": [item], "applicant_kind": kind, "material_ids": ids,
                                         "answers": self.answers(item, o.planned.seq), **extra})

    async def _household(self, o: Outcome) -> None:
        await self._single(o, HOUSEHOLD, "citizen", ("CL-FDDBR-SFZ", "CL-CSSY", "CL-JBR-SQWTS"))
        await self.desk(o)
        await self.ended(o, self.applicant(o.planned))

    async def _commitment(self, o: Outcome) -> None:
        await self._single(o, HYGIENE, "enterprise", ("CL-YYZZ", "CL-FDDBR-SFZ", "CL-PMBZT"), commitments=[HYGIENE])
        await self.ended(o, self.applicant(o.planned))

    async def _rongque(self, o: Outcome) -> None:
        """容缺: the health certificates are not ready; the window accepts with them owed."""
        case = await self._single(o, FOOD, "enterprise", FOOD_ALL[:-1], use_e_licences=False)
        if case["status"] != "accepted":
            await self._post("intake", f"/v1/applications/{o.case_id}/acceptance", self.tokens("window_clerk"),
                             {"allow_missing": True})
        await self.desk(o, stop_when=lambda c: all(i["status"] == "approved" for i in c["items"]))
        who = self.tokens("applicant", self.applicant(o.planned))
        health = await self.upload(who, "CL-JKZM")
        await self._post("intake", f"/v1/applications/{o.case_id}/supplements", who, {"material_ids": [health]})
        await self.ended(o, self.applicant(o.planned))

    async def _correction(self, o: Outcome) -> None:
        """补正: the reviewer cannot read the floor plan; the applicant sends a new one; approved."""
        case = await self._single(o, FOOD, "enterprise", FOOD_ALL, use_e_licences=False)
        if case["status"] != "accepted":
            await self._post("intake", f"/v1/applications/{o.case_id}/acceptance", self.tokens("window_clerk"),
                             {"allow_missing": False})
        reviewer = self.tokens("department_reviewer", department="330100-SCJGJ")
        await self._post("approval", f"/v1/cases/{o.case_id}/items/{FOOD}/suspension", reviewer, {
            "reason": "correction", "note": "平面布置图字迹不清，请重新提交", "requested_type_codes": ["CL-PMBZT"]})
        who = self.tokens("applicant", self.applicant(o.planned))
        while not (await self._get_ok("intake", f"/v1/applications/{o.case_id}", who))["corrections"]:
            await asyncio.sleep(1.0)  # intake hears of the request over the bus
        drawing = await self.upload(who, "CL-PMBZT")
        await self._post("intake", f"/v1/applications/{o.case_id}/supplements", who, {"material_ids": [drawing]})
        await self.desk(o)
        await self.ended(o, self.applicant(o.planned))

    async def _bundle(self, o: Outcome, code: str, kind: str, **extra: Any) -> dict:
        who = self.tokens("applicant", self.applicant(o.planned))
        ids = [await self.upload(who, c) for c in self.bundle_materials[code]]
        o.started = time.perf_counter()
        case = await self.apply(o, who, {"bundle_code": code, "applicant_kind": kind, "material_ids": ids,
                                         "answers": self.answers(code, o.planned.seq), **extra})
        o.licences = self.expected_licences([i["item_code"] for i in case["items"]])
        return case

    async def _enterprise(self, o: Outcome) -> None:
        await self._bundle(o, ENTERPRISE, "enterprise")
        await self.desk(o)
        await self.ended(o, self.applicant(o.planned))

    async def _restaurant(self, o: Outcome) -> None:
        await self._bundle(o, RESTAURANT, "enterprise")
        await self.desk(o)
        await self.ended(o, self.applicant(o.planned))

    async def _window(self, o: Outcome) -> None:
        case = await self._bundle(o, VETERAN, "citizen")
        if case["status"] != "accepted":  # not fully online: 受理 is the window's act
            await self._post("intake", f"/v1/applications/{o.case_id}/acceptance", self.tokens("window_clerk"),
                             {"allow_missing": False})
        await self.desk(o)
        await self.ended(o, self.applicant(o.planned))

    async def _after(self, o: Outcome) -> None:
        """好差评 and complaints, once the case is concluded: evaluation hears of it over the bus, so an
        early rating is refused as not ratable yet and tried again."""
        who = self.tokens("applicant", self.applicant(o.planned))
        if o.planned.rate:
            body: dict[str, Any] = {"stage": "approval", "level": o.planned.rate, "channel": "online",
                                    "item_code": o.first_item}
            if o.planned.rate == "dissatisfied":
                body["aspects"] = ["efficiency"]
            await self._post("evaluation", f"/v1/cases/{o.case_id}/evaluations", who, body,
                             retry_on=("not_ratable", "not_found"))
            o.rated = True
        if o.planned.complaint:
            await self._post("evaluation", "/v1/complaints", who, {
                "source": "online", "aspects": ["convenience"], "case_id": o.case_id, "text": "材料上传页面太慢"},
                ok=(200, 201), retry_on=("not_found",))
            o.complained = True


async def play_day(driver: Driver, planned: list[Planned], *, concurrency: int = 2000,
                   on_done: Any = None, stop_after_s: float | None = None) -> list[Outcome]:
    """Open loop: each case starts at its planned moment, whatever the others are doing (bounded by
    `concurrency` cases in flight, so a stalled platform does not exhaust the driver). With
    `stop_after_s`, no case starts after that many seconds: the ones left are not played (not returned)."""
    gate = asyncio.Semaphore(concurrency)
    t0 = time.perf_counter()
    stop_at = t0 + stop_after_s if stop_after_s else float("inf")

    async def one(p: Planned) -> Outcome | None:
        async with gate:
            if time.perf_counter() > stop_at:
                return None
            outcome = await driver.play(p)
        if on_done:
            on_done(outcome)
        return outcome

    tasks = []
    for p in planned:
        delay = t0 + p.at - time.perf_counter()
        if t0 + p.at > stop_at:
            break
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(p)))
    return [o for o in await asyncio.gather(*tasks) if o is not None]


def clients(urls: dict[str, str], connections: int = 256) -> dict[str, httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return {name: httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(60.0), limits=limits)
            for name, url in urls.items()}


def since(start: float) -> timedelta:
    return timedelta(seconds=time.perf_counter() - start)
