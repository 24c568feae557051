"""The demo's licence library story (电子证照库, report 二、(一)): a licence issued by one
section is read by another, so the applicant does not bring it again.

The bureau's market section registered the employer of the work permit samples a month ago,
and on the previous working day enterprise A (the applicant of the utility works samples),
through enterprise establishment: their business licences went into the library. Enterprise B
was registered too, and its licence is then revoked by the bureau's head. Today A's utility
works application is accepted without asking for the business licence (read from the
library), and B's is asked for it in the one correction notice, with the reason.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.bootstrap import definitions_root
from engine.calendar import WorkingCalendar
from engine.cases.service import CaseService
from engine.licences.service import Licences
from engine.views.cases import CaseView

Echo = Callable[[str], None]

ESTABLISHMENT = "enterprise-establishment"
UTILITY = "utility-external-works"
EMPLOYER_SAMPLE = "foreign-work-permit-exit-entry"
ENTERPRISE_B = ("91450200MA5T3H9D4H", "柳州示例已吊销商贸有限公司")  # fictitious
EMPLOYER_SINCE = 20  # working days ago: before the living demo's oldest work permit case
# 公司法 (2023) art. 250: registration obtained by false materials — the registration is
# revoked or the business licence revoked (吊销营业执照)
REVOCATION = "提交虚假材料取得公司登记，依《公司法》第二百五十条吊销营业执照"


@dataclass(frozen=True)
class Officers:
    """The bureau's officers who register the enterprises: window, reviewer and head."""

    window: str
    reviewer: str
    head: str


@dataclass(frozen=True)
class Story:
    licences: dict[str, str]  # credit code → licence number issued the previous working day
    accepted: CaseView  # A's utility works application, today: the licence read, not asked
    asked: CaseView  # B's: asked for the licence in the correction notice, with the reason


def working_days_ago(calendar: WorkingCalendar, today: dt.date, n: int) -> dt.date:
    """The working day `n` working days before `today` (counted as the calendar counts)."""
    day = today
    while calendar.working_days_between(day, today) < n or not calendar.is_working_day(day):
        day = day.fromordinal(day.toordinal() - 1)
    return day


def sample(name: str) -> dict[str, Any]:
    """A sample application of the definitions folder, without its `workflow` key."""
    path = definitions_root() / "samples" / f"{name}.json"
    found = json.loads(path.read_text(encoding="utf-8"))
    return {k: found[k] for k in ("applicant", "fields", "materials")}


def tell_library_story(service: CaseService, officers: Officers, *, echo: Echo) -> Story:
    """Register the enterprises the previous working day, revoke B's licence, take in today's
    applications (A's accepted)."""
    utility, employer = sample(UTILITY), sample(EMPLOYER_SAMPLE)
    enterprise_a = (utility["applicant"]["credit_code"], utility["applicant"]["name"])
    holders = [
        (
            employer["fields"]["employer_credit_code"],
            employer["fields"]["employer"],
            EMPLOYER_SINCE,
        ),
        (*enterprise_a, 1),
        (*ENTERPRISE_B, 1),
    ]
    echo("\nlicence library (电子证照库): enterprises registered by the market section")
    licences = {}
    for code, name, days_ago in holders:
        past = _working_days_before(service, days_ago)
        licences[code] = _register(past, code, name, officers)
        echo(
            f"  {past.clock():%Y-%m-%d %H:%M} {name} ({code}): "
            f"business licence {licences[code]} into the library"
        )
    library = Licences(service)
    library.revoke(licences[ENTERPRISE_B[0]], actor=officers.head, reason=REVOCATION)
    echo(f"  {ENTERPRISE_B[1]}: licence {licences[ENTERPRISE_B[0]]} revoked — {REVOCATION}")
    submitted = service.submit(UTILITY, utility)
    accepted = service.act(submitted.id, "accept", actor=officers.window)
    licence = accepted.materials["business-licence"]
    echo(
        f"today {enterprise_a[1]} applies for utility works (case {accepted.id}): "
        f"{accepted.status}, business licence {licence.status} from {licence.source} "
        f"({licence.reference}) — not asked again"
    )
    other = {**utility, "applicant": {"name": ENTERPRISE_B[1], "credit_code": ENTERPRISE_B[0]}}
    asked = service.submit(UTILITY, other)
    [notice] = [n for n in asked.notices if n.kind == "correction"]
    echo(f"today {ENTERPRISE_B[1]} applies (case {asked.id}): {asked.status} — {notice.text}")
    return Story(licences, accepted, asked)


def _working_days_before(service: CaseService, n: int) -> CaseService:
    """The service as of 10:00 `n` working days before today (the establishment's calendar)."""
    now = service.clock()
    calendar = service.calendars.get(service.workflows(ESTABLISHMENT, None).calendar)
    day = working_days_ago(calendar, calendar.local(now).date(), n)
    then = min(now, calendar.local(dt.datetime.combine(day, dt.time(10, 0))))
    return service.derived(clock=lambda: then)


def _register(service: CaseService, code: str, name: str, officers: Officers) -> str:
    """An enterprise established (企业开办) through the real service: its licence's number."""
    application = {
        "applicant": {"name": name, "credit_code": code},
        "fields": {
            "enterprise_name": name,
            "enterprise_type": "limited",
            "registered_capital": 100,
        },
        "materials": {
            "application-form": "demo-form",
            "articles": "demo-articles",
            "representative-id": "demo-id",
            "premises-proof": "commitment",
        },
    }
    case_id = service.submit(ESTABLISHMENT, application).id
    service.act(case_id, "accept", actor=officers.window)
    service.act(case_id, "approve", actor=officers.reviewer, args={"step": "registration-review"})
    service.act(case_id, "approve", actor=officers.head, args={"step": "registration-decision"})
    [issued] = [e for e in service.timeline(case_id) if e.kind == "certificate.issued"]
    return str(issued.data["number"])
