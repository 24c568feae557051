"""A case's run state: its steps, clocks, material pool, notices and negative decisions.

Plain dataclasses that serialise to JSON (`to_dict` / `from_dict`), so the store can keep a
case as one snapshot row beside the indexed rows it queries.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass, field, fields, is_dataclass, replace
from enum import StrEnum
from typing import Any, TypeVar

import orjson

from engine.calendar import Limit, StatutoryClock, Unit
from engine.calendar.statutory import Extension, Suspension
from engine.cases.state import CaseStatus, StepStatus

APPLICANT = "applicant"
SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who acts: a user with a role in a department, the applicant, or the system."""

    name: str
    role: str
    department: str | None = None

    def __str__(self) -> str:
        where = f"@{self.department}" if self.department else ""
        return f"{self.name} ({self.role}{where})"


class MaterialStatus(StrEnum):
    SUPPLIED = "supplied"  # 已提交
    DEFERRED = "deferred"  # 容缺: to follow by `deadline`
    COMMITTED = "committed"  # 告知承诺: a signed commitment stands in for it
    MISSING = "missing"  # asked for in the one notice (一次告知)
    TO_VERIFY = "to-verify"  # 待核验: its source did not answer; the window verifies it


@dataclass
class MaterialState:
    status: MaterialStatus
    at: dt.datetime
    deadline: dt.datetime | None = None
    reference: str | None = None  # the document's id in the pool, shared with every step
    source: str | None = None  # where it was looked up (`library:<matter>`, `registry:<id>`)
    record: dict[str, Any] | None = None  # a copy of the certificate or record found there


@dataclass
class Signature:
    actor: str
    role: str
    decision: str  # approve | reject
    at: dt.datetime
    comment: str = ""
    department: str | None = None


@dataclass
class StepRun:
    """One step of one case (a `StepRun`), with its own clock."""

    step_id: str
    department: str
    status: StepStatus = StepStatus.PENDING
    attempt: int = 0
    clock: StatutoryClock | None = None
    activated_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    signatures: list[Signature] = field(default_factory=list)
    assignee: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    hold: str | None = None  # why the clock stands: "correction" or the Art. 45 reason


class CorrectionState(StrEnum):
    DRAFT = "draft"  # the branches' requests gather; the applicant is not yet told
    ISSUED = "issued"  # the one notice went out; the clocks wait for the applicant


@dataclass
class CorrectionItem:
    """One thing the applicant must supply or fix: a named material (`key` its id) or a
    free-text item (`key` `note-N`), with the step and officer who asked for it."""

    key: str
    text: str  # the material's title, or the free text, as the notice states it
    asked_by: str  # the step, or `intake` at submission
    actor: str
    asked_at: dt.datetime
    reason: str = ""
    material: bool = True
    answered_at: dt.datetime | None = None
    answer: str | None = None  # the supplement's reference, or the window that took it
    after_issue: bool = False  # asked after the notice: a breach of the one notice

    @property
    def awaited(self) -> bool:
        return self.answered_at is None


@dataclass
class Correction:
    """The one open correction of a case (一次告知, Art. 32): every branch's requests gather
    on it as a draft, and the applicant gets one notice listing them all when it is issued."""

    items: list[CorrectionItem]
    opened_at: dt.datetime
    state: CorrectionState = CorrectionState.DRAFT
    issued_at: dt.datetime | None = None
    issued_by: str | None = None  # the window officer, or `system`
    asked_by: list[str] = field(default_factory=list)  # the steps (or `intake`) that asked
    steps: list[str] = field(default_factory=list)  # steps whose clocks it stopped

    @property
    def awaited(self) -> list[CorrectionItem]:
        return [item for item in self.items if item.awaited]

    def copy(self) -> Correction:
        items, asked, steps = [_twin(i) for i in self.items], list(self.asked_by), self.steps
        return replace(self, items=items, asked_by=asked, steps=list(steps))


class NegativeKind(StrEnum):
    REFUSE_ACCEPTANCE = "refuse-acceptance"  # 不予受理
    REFUSE_LICENCE = "refuse-licence"  # 不予许可
    CANNOT_HANDLE = "cannot-handle"  # 不能办理


class NegativeStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    OVERTURNED = "overturned"
    LAPSED = "lapsed"  # the case closed, or a return-to reopened its step, before the decision


@dataclass
class NegativeMatter:
    """An entry of the register of negative decisions (否定事项报备), awaiting its leader."""

    id: str
    kind: NegativeKind
    step_id: str | None
    matter: str | None
    facts: str
    reason: str
    legal_basis: str
    officer: str
    department: str
    registered_at: dt.datetime
    status: NegativeStatus = NegativeStatus.PENDING
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    decision_reason: str = ""  # the leader's reason, required for an overturn


@dataclass
class ApplicantNotice:
    """A written notice to the applicant (受理/补正/中止/延期/不予许可 …)."""

    kind: str
    at: dt.datetime
    text: str
    step_id: str | None = None


@dataclass
class Case:
    """One application running through one workflow version."""

    id: str
    workflow_id: str
    workflow_version: int
    calendar: str
    applicant: dict[str, Any]
    fields: dict[str, Any]
    submitted_at: dt.datetime
    status: CaseStatus = CaseStatus.SUBMITTED
    materials: dict[str, MaterialState] = field(default_factory=dict)
    steps: dict[str, StepRun] = field(default_factory=dict)
    accepted_at: dt.datetime | None = None
    # the supplement that answered a correction before acceptance: the materials' new arrival
    resubmitted_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    promised: StatutoryClock | None = None
    statutory: StatutoryClock | None = None
    holds: list[str] = field(default_factory=list)  # what stops the case clocks now
    correction: Correction | None = None
    negatives: list[NegativeMatter] = field(default_factory=list)
    notices: list[ApplicantNotice] = field(default_factory=list)
    outcome: str = ""
    query_code: str = ""  # 查询码 on the acceptance notice (engine/cases/query_code.py)

    def step(self, step_id: str) -> StepRun:
        return self.steps[step_id]

    def open_negative(self, negative_id: str) -> NegativeMatter | None:
        return next((n for n in self.negatives if n.id == negative_id), None)

    def to_json(self) -> bytes:
        """The snapshot: compact JSON, steps as a list in the definition's order."""
        payload = {name: getattr(self, name) for name in _field_names(Case)}
        payload["steps"] = list(self.steps.values())
        try:
            return orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS, default=str)
        except orjson.JSONEncodeError:  # an integer beyond 64 bits in the applicant's data
            text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_plain)
            return text.encode()

    @classmethod
    def from_json(cls, snapshot: str | bytes) -> Case:
        return cls.from_dict(orjson.loads(snapshot))

    def copy(self) -> Case:
        """A deep copy: every mutable part rebuilt, the immutable ones (clocks, moments,
        enums) shared — several times faster than through the snapshot or deepcopy."""
        return Case(
            id=self.id,
            workflow_id=self.workflow_id,
            workflow_version=self.workflow_version,
            calendar=self.calendar,
            applicant=_data_copy(self.applicant),
            fields=_data_copy(self.fields),
            submitted_at=self.submitted_at,
            status=self.status,
            materials={k: _twin(m) for k, m in self.materials.items()},
            steps={k: _step_copy(run) for k, run in self.steps.items()},
            accepted_at=self.accepted_at,
            resubmitted_at=self.resubmitted_at,
            closed_at=self.closed_at,
            promised=self.promised,
            statutory=self.statutory,
            holds=list(self.holds),
            correction=self.correction.copy() if self.correction else None,
            negatives=[_twin(n) for n in self.negatives],
            notices=[_twin(n) for n in self.notices],
            outcome=self.outcome,
            query_code=self.query_code,
        )

    def to_dict(self) -> dict[str, Any]:
        return dict(orjson.loads(self.to_json()))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Case:
        d = dict(data)
        d["status"] = CaseStatus(d["status"])
        for key in ("submitted_at", "accepted_at", "resubmitted_at", "closed_at"):
            d[key] = _time(d.get(key))
        d["materials"] = {k: _material(v) for k, v in d["materials"].items()}
        d["steps"] = {s["step_id"]: _step(s) for s in d["steps"]}
        d["promised"] = _clock(d.get("promised"))
        d["statutory"] = _clock(d.get("statutory"))
        d["correction"] = _correction(d["correction"]) if d.get("correction") else None
        d["negatives"] = [_negative(n) for n in d["negatives"]]
        d["notices"] = [
            ApplicantNotice(n["kind"], _req_time(n["at"]), n["text"], n.get("step_id"))
            for n in d["notices"]
        ]
        return cls(**d)


_T = TypeVar("_T")


def _step_copy(run: StepRun) -> StepRun:
    twin = _twin(run)
    twin.signatures = [_twin(signature) for signature in run.signatures]
    twin.result = _data_copy(run.result)
    return twin


def _twin(obj: _T) -> _T:
    """A shallow copy of a dataclass whose fields are immutable values (a tenth of the
    cost of `dataclasses.replace`); `copy` rebuilds the mutable ones."""
    twin = object.__new__(type(obj))
    twin.__dict__.update(obj.__dict__)
    return twin


def _data_copy(data: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of plain JSON data (the applicant's, a connector's result)."""
    if not data:
        return {}
    try:
        return dict(orjson.loads(orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)))
    except orjson.JSONEncodeError:  # an integer beyond 64 bits
        return copy.deepcopy(data)


def _plain(value: Any) -> Any:
    """What the standard encoder cannot write itself: dataclasses and moments."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if is_dataclass(value):
        return {name: getattr(value, name) for name in _field_names(type(value))}
    return str(value)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _req_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _material(d: dict[str, Any]) -> MaterialState:
    return MaterialState(
        MaterialStatus(d["status"]),
        _req_time(d["at"]),
        _time(d.get("deadline")),
        d.get("reference"),
        d.get("source"),
        d.get("record"),
    )


def _clock(d: dict[str, Any] | None) -> StatutoryClock | None:
    if not d:
        return None
    return StatutoryClock(
        start=_req_time(d["start"]),
        limit=Limit(d["limit"]["value"], Unit(d["limit"]["unit"])),
        suspensions=tuple(
            Suspension(_req_time(s["start"]), s["reason"], _time(s.get("end")))
            for s in d["suspensions"]
        ),
        extensions=tuple(
            Extension(e["days"], e["reason"], _req_time(e["at"])) for e in d["extensions"]
        ),
    )


def _step(d: dict[str, Any]) -> StepRun:
    return StepRun(
        step_id=d["step_id"],
        department=d["department"],
        status=StepStatus(d["status"]),
        attempt=d["attempt"],
        clock=_clock(d.get("clock")),
        activated_at=_time(d.get("activated_at")),
        finished_at=_time(d.get("finished_at")),
        signatures=[
            Signature(
                s["actor"],
                s["role"],
                s["decision"],
                _req_time(s["at"]),
                s["comment"],
                s.get("department"),
            )
            for s in d["signatures"]
        ],
        assignee=d.get("assignee"),
        result=d.get("result") or {},
        hold=d.get("hold"),
    )


def _negative(d: dict[str, Any]) -> NegativeMatter:
    return NegativeMatter(
        **{
            **d,
            "kind": NegativeKind(d["kind"]),
            "status": NegativeStatus(d["status"]),
            "registered_at": _req_time(d["registered_at"]),
            "decided_at": _time(d.get("decided_at")),
        }
    )


def _correction(d: dict[str, Any]) -> Correction:
    items = [
        CorrectionItem(
            **{**i, "asked_at": _req_time(i["asked_at"]), "answered_at": _time(i["answered_at"])}
        )
        for i in d["items"]
    ]
    times = {k: _time(d[k]) for k in ("opened_at", "issued_at")}
    return Correction(**{**d, **times, "items": items, "state": CorrectionState(d["state"])})
