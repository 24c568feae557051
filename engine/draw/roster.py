"""The roster of examiners per department (审查员库), with each examiner's declared relations:
employer, relatives' companies and past inspections (by the applicant's credit code or id)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import SourceError
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

    def related_to(self, applicant_ids: frozenset[str]) -> bool:
        return self.employer in applicant_ids or bool(applicant_ids & set(self.relatives))


@dataclass(frozen=True)
class Roster:
    """Every department's examiners and the look-back of the recent-inspection rule."""

    examiners: tuple[Examiner, ...]
    recent_within_months: int = 12

    def pool(self, department: str) -> tuple[Examiner, ...]:
        return tuple(e for e in self.examiners if e.department == department)


def load_roster(path: Path) -> Roster:
    """Read `examiners.yaml`; a mistake is a `SourceError` at its `file:line:col`."""
    data = load_file(path)
    file = str(path)
    if not isinstance(data, Located):
        raise SourceError("the roster is a mapping with `departments`", file=file, line=1, col=1)
    months = data.get("recent_within_months", 12)
    if not isinstance(months, int) or isinstance(months, bool) or months < 0:
        line, col = data.value_at("recent_within_months")
        raise SourceError(
            "`recent_within_months` is a whole number ≥ 0", file=file, line=line, col=col
        )
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
    return Roster(tuple(examiners), recent_within_months=months)


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
