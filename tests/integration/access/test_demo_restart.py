"""`onething serve --demo` started again on the same data directory carries on: the demo users
and the tokens printed at the first start still hold (none is rotated behind the operator's
back), and the second start says so and how to get a new one."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from engine.access.accounts import Accounts
from engine.cases.service import CaseService
from engine.definitions import load_catalogue
from engine.demo.living import OPERATOR, USERS, seed_living
from engine.escalation.sweep import Supervision
from tests.fixtures.cases import Clock, service_for
from tests.fixtures.definitions import DEFINITIONS

NOW = dt.datetime(2026, 10, 12, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_a_second_demo_start_keeps_every_demo_users_token(db: sa.Engine) -> None:
    clock = Clock(NOW)
    service, accounts = service_for(db, clock), Accounts(db, clock=clock)
    said: list[str] = []
    first = seed_living(_supervising(service), accounts, echo=said.append)
    assert set(first.tokens) == set(USERS) and first.cases and first.kept == []
    clock.now = NOW + dt.timedelta(hours=1)
    second = seed_living(_supervising(service), accounts, echo=said.append)
    assert second.tokens == {} and second.cases == []  # nothing new printed, nothing re-seeded
    assert second.kept == sorted(USERS)
    for name, token in first.tokens.items():
        principal = accounts.authenticate(token)
        assert principal is not None and principal.name == name
    lines = second.lines("http://127.0.0.1:8000")
    assert not any("ot_" in line for line in lines)  # no token shown that would not work
    assert any(f"onething users rotate-token {OPERATOR}" in line for line in lines)
    assert any("keep the tokens" in line for line in lines)


@pytest.mark.parametrize(
    "now",
    [NOW, NOW.replace(hour=18), dt.datetime(2026, 12, 5, 14, 0, tzinfo=NOW.tzinfo)],
    ids=["monday-morning", "monday-evening", "saturday"],
)
def test_the_living_cases_show_every_light_as_the_demo_says(
    db: sa.Engine, now: dt.datetime
) -> None:
    """Time ahead (green), the last day (yellow) and past due (red), whatever the hour or day
    the demo starts: the reviews' clocks, not a same-day intake left open since. Each level
    fired as of the moment it fell due, none told as late (补发), and nothing left to fire."""
    clock = Clock(now)
    service = service_for(db, clock)
    supervision = _supervising(service)
    seed_living(supervision, Accounts(db, clock=clock), echo=lambda _: None)
    fired = supervision.escalations(limit=500)
    assert {f.level for f in fired} >= {"yellow", "red"}
    assert all(f.late_by_seconds is None for f in fired), [f for f in fired if f.late_by_seconds]
    assert supervision.sweep(at=now, dry_run=True).fired == []
    permits = service.list_cases(workflow="foreign-work-permit-exit-entry", limit=50)
    assert sorted(row.light or "" for row in permits) == ["green", "red", "yellow"]
    for row in permits:
        intake = next(s for s in service.show(row.id).steps if s.id == "intake")
        assert intake.status == "approved"


def _supervising(service: CaseService) -> Supervision:
    return Supervision(service, catalogue=load_catalogue(DEFINITIONS))
