"""The roster of examiners per department (审查员库), with each examiner's declared relations:
employer, relatives' companies and past inspections (by the applicant's credit code or id).

Pure: the roster is what its audited changes (`Change`: add, disable, enable, relate) make of
it, replayed in order (`replay`); `pool_hash` is what a draw logs of the pool it drew from.
`examiners.yaml` is the import format (`load_roster`, `import_changes`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from engine import inputs
from engine.errors import InputError, SourceError
from engine.yamlsource import Located, LocatedList, load_file


@dataclass(frozen=True)
class Inspection:
    """An on-site inspection the examiner took part in: whom (credit code or id) and when."""

    applicant: str
    on: dt.date


@dataclass(frozen=True)
class Examiner:
    id: str
    name: str
    department: str
    employer: str | None = None  # the credit code of a company the examiner works for
    relatives: tuple[str, ...] = ()  # credit codes of relatives' companies (近亲属企业)
    inspected: tuple[Inspection, ...] = ()
    active: bool = True  # a disabled examiner stays on the record but is never drawn

    def related_to(self, applicant_ids: frozenset[str]) -> bool:
        return self.employer in applicant_ids or bool(applicant_ids & set(self.relatives))

    def record(self) -> dict[str, Any]:
        """The examiner as plain data (what the pool's hash covers)."""
        return {
            "id": self.id,
            "name": self.name,
            "department": self.department,
            "employer": self.employer,
            "relatives": list(self.relatives),
            "inspected": [
                {"applicant": i.applicant, "on": i.on.isoformat()} for i in self.inspected
            ],
            "active": self.active,
        }


@dataclass(frozen=True)
class Roster:
    """Every department's examiners."""

    examiners: tuple[Examiner, ...]

    def pool(self, department: str) -> tuple[Examiner, ...]:
        """The department's examiners who may be drawn (the disabled left out)."""
        return tuple(e for e in self.examiners if e.department == department and e.active)

    def find(self, examiner_id: str) -> Examiner | None:
        return next((e for e in self.examiners if e.id == examiner_id), None)


def pool_hash(pool: Iterable[Examiner]) -> str:
    """The SHA-256 of a pool with every declared relation, in a canonical form: a draw logs it,
    and `draw verify` compares it with the audited roster replayed to the draw."""
    body = sorted((e.record() for e in pool), key=lambda r: r["id"])
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


CHANGE_KINDS = ("add", "disable", "enable", "relate")


@dataclass(frozen=True)
class Change:
    """One audited change of the roster: `add` an examiner (`name`, relations), `disable` or
    `enable` one, or `relate` (declare an `employer`, a `relative` company or an `inspected`
    applicant with its day)."""

    kind: str
    department: str
    examiner: str
    data: dict[str, Any] = field(default_factory=dict)


def apply_change(roster: Roster, change: Change) -> Roster:
    """The roster after `change`; `InputError` naming what is wrong, and nothing changed."""
    if change.kind not in CHANGE_KINDS:
        raise InputError(
            f"unknown roster change {change.kind!r} (known: {', '.join(CHANGE_KINDS)})"
        )
    inputs.name("department", change.department)
    current = roster.find(inputs.name("examiner", change.examiner))
    if change.kind == "add":
        if current is not None:
            raise InputError(f"examiner {change.examiner!r} is already on the roster")
        added = _related(
            Examiner(
                change.examiner, str(change.data.get("name") or change.examiner), change.department
            ),
            change.data,
        )
        return Roster((*roster.examiners, added))
    if current is None or current.department != change.department:
        raise InputError(f"no examiner {change.examiner!r} in department {change.department!r}")
    if change.kind in ("disable", "enable"):
        wanted = change.kind == "enable"
        if current.active == wanted:
            raise InputError(f"examiner {change.examiner!r} is already {change.kind}d")
        changed = replace(current, active=wanted)
    else:
        changed = _related(current, change.data)
        if changed == current:
            raise InputError("declare an employer, a relative's company or an inspection")
    return Roster(tuple(changed if e.id == current.id else e for e in roster.examiners))


def _related(examiner: Examiner, data: dict[str, Any]) -> Examiner:
    relatives = [*examiner.relatives, *(str(r) for r in data.get("relatives") or ())]
    inspected = list(examiner.inspected)
    for item in data.get("inspected") or ():
        try:
            inspected.append(
                Inspection(str(item["applicant"]), dt.date.fromisoformat(str(item["on"])))
            )
        except (KeyError, TypeError, ValueError):
            raise InputError("an inspection is {applicant: CREDIT-CODE, on: YYYY-MM-DD}") from None
    employer = data.get("employer")
    return replace(
        examiner,
        employer=str(employer) if employer else examiner.employer,
        relatives=tuple(dict.fromkeys(relatives)),
        inspected=tuple(dict.fromkeys(inspected)),
    )


def replay(changes: Iterable[Change]) -> Roster:
    """The roster the changes make, in order, from an empty one."""
    roster = Roster(())
    for change in changes:
        roster = apply_change(roster, change)
    return roster


def import_changes(roster: Roster) -> list[Change]:
    """The changes that add a file's examiners with their relations (the import)."""
    return [
        Change(
            "add",
            e.department,
            e.id,
            {
                "name": e.name,
                "employer": e.employer,
                "relatives": list(e.relatives),
                "inspected": [
                    {"applicant": i.applicant, "on": i.on.isoformat()} for i in e.inspected
                ],
            },
        )
        for e in roster.examiners
    ]


def load_roster(path: Path) -> Roster:
    """Read `examiners.yaml`; a mistake is a `SourceError` at its `file:line:col`."""
    data = load_file(path)
    file = str(path)
    if not isinstance(data, Located):
        raise SourceError("the roster is a mapping with `departments`", file=file, line=1, col=1)
    departments = data.get("departments")
    if not isinstance(departments, Located):
        line, col = data.at("departments")
        raise SourceError(
            "`departments` maps a department id to its examiners", file=file, line=line, col=col
        )
    examiners: list[Examiner] = []
    seen: set[str] = set()
    for department, people in departments.items():
        if not isinstance(people, LocatedList):
            line, col = departments.value_at(department)
            raise SourceError("a department's examiners are a list", file=file, line=line, col=col)
        for index, entry in enumerate(people):
            line, col = people.at(index)
            examiner = _examiner(entry, department, file=file, line=line, col=col)
            if examiner.id in seen:
                raise SourceError(
                    f"duplicate examiner {examiner.id!r}", file=file, line=line, col=col
                )
            seen.add(examiner.id)
            examiners.append(examiner)
    return Roster(tuple(examiners))


def _examiner(entry: Any, department: str, *, file: str, line: int, col: int) -> Examiner:
    if not isinstance(entry, Located) or not isinstance(entry.get("id"), str):
        raise SourceError("an examiner is a mapping with an `id`", file=file, line=line, col=col)
    known = {"id", "name", "employer", "relatives", "inspected"}
    for key in entry:
        if key not in known:
            k_line, k_col = entry.at(key)
            raise SourceError(
                f"unknown key {key!r} (known: {', '.join(sorted(known))})",
                file=file,
                line=k_line,
                col=k_col,
            )
    inspected = []
    for index, item in enumerate(entry.get("inspected") or ()):
        try:
            inspected.append(
                Inspection(str(item["applicant"]), dt.date.fromisoformat(str(item["on"])))
            )
        except (KeyError, TypeError, ValueError):
            i_line, i_col = entry["inspected"].at(index)
            raise SourceError(
                "an inspection is {applicant: CREDIT-CODE, on: YYYY-MM-DD}",
                file=file,
                line=i_line,
                col=i_col,
            ) from None
    return Examiner(
        id=entry["id"],
        name=str(entry.get("name", entry["id"])),
        department=department,
        employer=entry.get("employer"),
        relatives=tuple(str(r) for r in entry.get("relatives") or ()),
        inspected=tuple(inspected),
    )
