"""Accounts on SQLite and PostgreSQL: a token is shown once, stored as a hash, and stops at
once when its user is disabled or it is rotated."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session

from engine.access.accounts import Accounts, token_hash
from engine.access.permissions import Post, Principal, Role
from engine.calendar import WorkingCalendar
from engine.cases.tables import UserRow
from engine.errors import InputError
from engine.store import get_engine

NOW = dt.datetime(2026, 10, 9, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def accounts(store_url: str) -> Accounts:
    return Accounts(get_engine(store_url), clock=lambda: NOW)


def test_a_token_finds_its_user_and_only_its_hash_is_stored(accounts: Accounts) -> None:
    token = accounts.add("liu", role="reviewer", department="municipal")
    assert accounts.authenticate(token) == Principal("liu", (Post(Role.REVIEWER, "municipal"),))
    with Session(accounts.engine) as session:
        row = session.get(UserRow, "liu")
        assert row is not None and row.token_hash == token_hash(token) != token
    assert accounts.authenticate(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert accounts.authenticate("") is None


def test_disabling_a_user_stops_its_token_at_once(accounts: Accounts) -> None:
    token = accounts.add("liu", role="reviewer", department="municipal")
    disabled = accounts.disable("liu")
    assert disabled.disabled_at == NOW
    assert accounts.authenticate(token) is None
    with pytest.raises(InputError, match="'liu' is disabled"):
        accounts.rotate_token("liu")


def test_a_rotated_token_replaces_the_old_one(accounts: Accounts) -> None:
    old = accounts.add("ops", role="operator", department=None)
    new = accounts.rotate_token("ops")
    assert accounts.authenticate(old) is None
    assert accounts.authenticate(new) == Principal("ops", (Post(Role.OPERATOR),))


def test_listing_shows_users_without_their_tokens(accounts: Accounts) -> None:
    accounts.add("liu", role="reviewer", department="municipal")
    accounts.add("ops", role="operator", department=None)
    assert [u.name for u in accounts.list()] == ["liu", "ops"]
    assert [u.name for u in accounts.list(department="municipal")] == ["liu"]
    assert "token" not in str(accounts.list()[0].model_dump())
    with pytest.raises(InputError, match="already exists"):
        accounts.add("liu", role="head", department="municipal")
    with pytest.raises(InputError, match="no user 'nobody'"):
        accounts.disable("nobody")


def test_a_user_holds_several_roles_each_in_its_department(accounts: Accounts) -> None:
    token = accounts.add(
        "xu",
        role=["reviewer:municipal", "head:traffic-police", "supervisor"],
        department="supervision",
    )
    posts = (
        Post(Role.REVIEWER, "municipal"),
        Post(Role.HEAD, "traffic-police"),
        Post(Role.SUPERVISOR, "supervision"),
    )
    assert accounts.authenticate(token) == Principal("xu", posts)
    assert accounts.get("xu").roles == [
        "reviewer@municipal",
        "head@traffic-police",
        "supervisor@supervision",
    ]
    assert [u.name for u in accounts.list(department="traffic-police")] == ["xu"]
    assert accounts.list(department="municipal")[0].roles == accounts.get("xu").roles
    with pytest.raises(InputError, match="at least one role"):
        accounts.add("nobody", role=[])


def test_a_users_moments_are_local_time_in_the_calendars_zone(
    store_url: str, cn: WorkingCalendar
) -> None:
    accounts = Accounts(get_engine(store_url), clock=lambda: NOW, local=cn.local)
    accounts.add("zhou", role="window", department="municipal")
    shown = accounts.disable("zhou")
    assert shown.created_at == NOW and shown.created_at.utcoffset() == dt.timedelta(hours=8)
    assert shown.disabled_at is not None and shown.disabled_at.utcoffset() == dt.timedelta(hours=8)
    listed = accounts.list()[0].model_dump(mode="json")
    assert listed["created_at"] == "2026-10-09T17:00:00+08:00"
