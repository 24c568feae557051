"""Materials from a source (数据共享): what the licence library or an outside registry answered
for a material at intake, and how the case takes it in.

The service looks the sources up (bounded in time) before the case exists and hands the
answers to the core; the core attaches what was found, asks the applicant for what was not in
the one correction notice with the reason, and marks as "to be verified" (待核验) what a source
that did not answer should have held — the case goes on, the window verifies it: the
material is a task on the window's worklist until `verify-material` (checked by hand against
the source) or the window's `return-for-correction` naming it (asked of the applicant).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from engine.cases.case import Case, MaterialState, MaterialStatus
from engine.cases.run import Context, Event, Run
from engine.cases.state import CaseStatus


class Answer(StrEnum):
    FOUND = "found"  # a valid certificate or record
    ABSENT = "absent"  # none, or expired, revoked, replaced: the applicant supplies it
    UNAVAILABLE = "unavailable"  # the source is down or did not answer in time


@dataclass(frozen=True)
class Lookup:
    """A source's answer for one material of an application."""

    material: str
    source: str  # `library:<matter>` or `registry:<id>`
    answer: Answer
    number: str | None = None  # the certificate's or record's number
    record: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # why it is absent or unavailable (证照库无有效营业执照)


def take_looked_up(run: Run, lookups: list[Lookup]) -> dict[str, str]:
    """Attach what the sources found; returns the reason for each material they did not have
    (asked of the applicant in the one notice)."""
    case, now = run.case, run.ctx.now
    absent: dict[str, str] = {}
    for lookup in lookups:
        if lookup.material in case.materials:  # the applicant supplied it after all
            continue
        if lookup.answer is Answer.FOUND:
            case.materials[lookup.material] = MaterialState(
                MaterialStatus.SUPPLIED,
                now,
                reference=f"{lookup.source}:{lookup.number}",
                source=lookup.source,
                record=dict(lookup.record),
            )
            run.emit(
                "material.shared",
                material=lookup.material,
                source=lookup.source,
                number=lookup.number,
            )
        elif lookup.answer is Answer.UNAVAILABLE:
            case.materials[lookup.material] = MaterialState(
                MaterialStatus.TO_VERIFY, now, source=lookup.source
            )
            run.emit(
                "material.to-verify",
                material=lookup.material,
                source=lookup.source,
                reason=lookup.reason,
                task="window",
            )
        else:
            absent[lookup.material] = lookup.reason
    return absent


def verify_material(run: Run) -> None:
    """核验: the owner department's window checked materials to be verified (`items`) against
    their source by hand; they count as supplied, the source and the officer recorded."""
    run.need_case(CaseStatus.SUBMITTED, CaseStatus.CORRECTION, CaseStatus.IN_PROGRESS)
    run.need_role(("window",), run.ctx.workflow.owner)
    items = run.arg("items")
    if not isinstance(items, list) or not items:
        raise run.refuse("name the materials verified (items)")
    for material in items:
        state = run.case.materials.get(material)
        if state is None or state.status is not MaterialStatus.TO_VERIFY:
            raise run.refuse(f"material {material!r} is not to be verified")
        run.case.materials[material] = MaterialState(
            MaterialStatus.SUPPLIED,
            run.ctx.now,
            reference=f"verified:{state.source}",
            source=state.source,
        )
        run.emit("material.verified", material=material, source=state.source)


def certificate_changed(
    case: Case, ctx: Context, *, number: str, status: str, reason: str
) -> tuple[Case, list[Event]]:
    """A certificate this case issued or relied on was revoked or replaced: the issuing case
    records it; a case that took a material from it is marked, and the department that relied
    on it is told (the case changes no state: the officers judge what follows)."""
    work = case.copy()
    run = Run(work, "certificate-changed", ctx)
    used = [m for m, s in work.materials.items() if s.reference and s.reference.endswith(number)]
    by = ctx.actor.name
    if not used:
        run.emit("certificate.changed", number=number, status=status, reason=reason, by=by)
        return work, run.events
    department = ctx.workflow.owner
    word = {"revoked": "已被吊销", "replaced": "已被换发"}.get(status, status)
    titles = {m.id: m.title for m in ctx.workflow.materials}
    for material in used:
        run.emit(
            "material.source-changed",
            material=material,
            number=number,
            status=status,
            reason=reason,
            by=by,
        )
        run.emit(
            "department.notice",
            department=department,
            text=f"案件{work.id}所用{titles.get(material, material)}（{number}）{word}：{reason}。"
            "请核查本案办理依据。",
        )
    return work, run.events
