"""A combined road-works service (水电气外线工程) to drive the pure case machine with.

Municipal roads, traffic police and (when trees are affected) greening review in parallel;
the bureau decides and delivers. Every helper passes `now` explicitly; nothing reads a clock.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.calendar import WorkingCalendar, load_calendars
from engine.cases.case import Actor, Case
from engine.cases.errors import IllegalAction
from engine.cases.machine import Context, Event, act, submit
from engine.definitions.model import Workflow

CALENDARS = Path(__file__).resolve().parents[3] / "definitions" / "calendars"
TZ = ZoneInfo("Asia/Shanghai")
OWNER = "bureau"

WINDOW = Actor("wang", "window", OWNER)
LEADER = Actor("li", "leader", OWNER)
APPLICANT = Actor("zhang", "applicant")
SYSTEM = Actor("connector", "system")


def officer(department: str, role: str = "reviewer", name: str | None = None) -> Actor:
    return Actor(name or f"{department}-{role}", role, department)


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment of 2026 in Shanghai (2026-12-01 is a Tuesday)."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


ALL_MATERIALS = {
    "application-form": "doc-1",
    "site-plan": "doc-2",
    "id-card": "doc-3",
    "traffic-plan": "doc-4",
    "safety-pledge": "doc-5",
}
TREES = {"length_m": 120, "affects_trees": True}
TREE_MATERIALS = {**ALL_MATERIALS, "tree-survey": "doc-7"}


def road_works(**changes: Any) -> dict[str, Any]:
    """The definition as a dict; `changes` replace top-level keys."""
    base: dict[str, Any] = {
        "id": "road-works",
        "version": 1,
        "title": "水电气外线工程",
        "owner": OWNER,
        "calendar": "cn",
        "statutory_limit": "20 working-days",
        "promised_limit": "10 working-days",
        "fields": [
            {"id": "length_m", "title": "长度", "type": "number"},
            {
                "id": "affects_trees",
                "title": "涉及绿化",
                "type": "boolean",
                "required": False,
                "default": False,
            },
        ],
        "materials": [
            {"id": "application-form", "title": "申请表"},
            {"id": "site-plan", "title": "施工平面图"},
            {"id": "id-card", "title": "身份证明"},
            {
                "id": "traffic-plan",
                "title": "交通组织方案",
                "deferrable": {"supply_within": "5 working-days"},
            },
            {"id": "safety-pledge", "title": "安全承诺书", "commitment": True},
            {"id": "tree-survey", "title": "树木调查", "required": True, "when": "affects_trees"},
        ],
        "steps": [
            {
                "id": "municipal",
                "title": "占用挖掘城市道路审批",
                "department": "municipal",
                "kind": "review",
                "limit": "3 working-days",
            },
            {
                "id": "traffic",
                "title": "占道施工交警审批",
                "department": "traffic-police",
                "kind": "review",
                "limit": "3 working-days",
            },
            {
                "id": "greening",
                "title": "临时占用绿地审批",
                "department": "greening",
                "kind": "review",
                "when": "affects_trees",
                "limit": "2 working-days",
                "on_reject": "end-branch",
            },
            {
                "id": "decision",
                "title": "联合审批决定",
                "department": OWNER,
                "kind": "decision",
                "needs": ["municipal", "traffic", "greening"],
                "limit": "1 working-days",
                "signers": {"mode": "all", "roles": ["reviewer", "head"]},
            },
            {
                "id": "delivery",
                "title": "送达",
                "department": OWNER,
                "kind": "delivery",
                "needs": ["decision"],
                "limit": "same-day",
            },
        ],
    }
    base.update(changes)
    return base


def with_step(data: dict[str, Any], step_id: str, **changes: Any) -> dict[str, Any]:
    """`data` with one step's keys replaced."""
    data = copy.deepcopy(data)
    for step in data["steps"]:
        if step["id"] == step_id:
            step.update(changes)
    return data


def with_background_check(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with an automatic check (背景核查) beside the reviews, needed by the decision."""
    data = copy.deepcopy(data)
    data["steps"].insert(
        0,
        {
            "id": "background",
            "title": "背景核查",
            "department": "public-security",
            "kind": "check",
            "connector": "engine.connectors.background:check",
            "limit": "1 working-days",
        },
    )
    for step in data["steps"]:
        if step["id"] == "decision":
            step["needs"] = ["background", *step["needs"]]
    return data


def replays(before: Case, events: list[Event], after: Case) -> list[tuple[str, str, str]]:
    """The step moves the events record; each starts where the last one left the step, and
    together they lead from `before` to `after` (no status changed without an event)."""
    statuses = {s: r.status.value for s, r in before.steps.items()}
    moves = []
    for event in events:
        if event.kind == "step.status":
            step, old, new = event.data["step"], event.data["old"], event.data["new"]
            assert old == statuses[step], f"{step}: logged {old}, was {statuses[step]}"
            statuses[step] = new
            moves.append((step, old, new))
    assert statuses == {s: r.status.value for s, r in after.steps.items()}
    return moves


class Desk:
    """One workflow on one calendar: submit, act, and check refusals."""

    def __init__(self, workflow: Workflow, calendar: WorkingCalendar):
        self.workflow, self.calendar = workflow, calendar

    def submit(
        self,
        *,
        now: dt.datetime,
        materials: dict[str, Any] | None = None,
        fields: dict[str, Any] | None = None,
        case_id: str = "C-1",
    ) -> tuple[Case, list[Event]]:
        application = {
            "applicant": {"name": "张三", "credit_code": "91450200MA5K000000"},
            "fields": {"length_m": 120} if fields is None else fields,
            "materials": dict(ALL_MATERIALS) if materials is None else materials,
        }
        return submit(
            case_id=case_id,
            workflow=self.workflow,
            calendar=self.calendar,
            application=application,
            now=now,
        )

    def ctx(self, actor: Actor, now: dt.datetime, args: dict[str, Any]) -> Context:
        return Context(self.workflow, self.calendar, actor, now, args)

    def act(self, case: Case, action: str, actor: Actor, now: dt.datetime, **args: Any) -> Case:
        return self.act_events(case, action, actor, now, **args)[0]

    def act_events(
        self, case: Case, action: str, actor: Actor, now: dt.datetime, **args: Any
    ) -> tuple[Case, list[Event]]:
        before = copy.deepcopy(case)
        new, events = act(case, action, self.ctx(actor, now, args))
        assert case == before, "act must work on a copy"
        return new, events

    def refused(
        self, case: Case, action: str, actor: Actor, now: dt.datetime, **args: Any
    ) -> IllegalAction:
        """The action is illegal: the message names case, step, state and actor; nothing changed."""
        before = copy.deepcopy(case)
        with pytest.raises(IllegalAction) as caught:
            act(case, action, self.ctx(actor, now, args))
        assert case == before, "a refused action must change nothing"
        error = caught.value
        message = str(error)
        assert case.id in message
        assert case.status.value in message
        assert str(actor) in message
        assert action in message
        step = args.get("step")
        if step and step in case.steps:
            assert f"step {step!r}" in message
            assert case.steps[step].status.value in message
        return error

    def accepted(self, *, now: dt.datetime, **kwargs: Any) -> Case:
        case, _ = self.submit(now=now, **kwargs)
        return self.act(case, "accept", WINDOW, now)

    def approve_all(self, case: Case, step_id: str, now: dt.datetime) -> Case:
        """Sign `step_id` by every signer its mode needs, in order."""
        step = self.workflow.step(step_id)
        roles = step.signers.roles if step.signers else ("reviewer",)
        for ref in roles:
            department, _, role = ref.rpartition("/")
            actor = officer(department or step.department, role)
            case = self.act(case, "approve", actor, now, step=step_id)
            if case.steps[step_id].status.finished:
                break
        return case


@pytest.fixture(scope="session")
def cn() -> WorkingCalendar:
    return load_calendars(CALENDARS).get("cn")


@pytest.fixture
def desk(cn: WorkingCalendar) -> Desk:
    return Desk(Workflow.model_validate(road_works()), cn)


@pytest.fixture
def make_desk(cn: WorkingCalendar) -> Any:
    def make(data: dict[str, Any]) -> Desk:
        return Desk(Workflow.model_validate(data), cn)

    return make
