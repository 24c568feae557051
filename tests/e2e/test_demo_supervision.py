"""The demo's supervision scene on a fresh SQLite store: a late step's yellow and red notices
arrive over a real SMTP server and a real HTTP receiver, once each, with the figures that
`onething calendar between` gives; the user's own cases in the same store are left alone."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from engine.cases.service import CaseService
from engine.cases.tables import EscalationRow
from engine.demo.scene import LATE_STEP, SAMPLE, SECRET_ENV, run_scene
from tests.fixtures.licences import licensed

ROOT = Path(__file__).resolve().parents[2]
# the service's own mail settings: a server nobody answers at, which the scene must not use
SERVICE_MAIL = {"ONETHING_SMTP_HOST": "smtp.onething-demo.invalid", "ONETHING_SMTP_PORT": "1"}


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CaseService]:
    """The demo's service on a fresh store, with its workflows and officers, and the sample's
    enterprise registered (the demo's licence library story runs before the scene)."""
    from engine.bootstrap import case_service, catalogue
    from engine.demo.driver import seed_officers
    from engine.demo.samples import register_workflows
    from engine.store import dispose_engines

    monkeypatch.setenv("ONETHING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ONETHING_DEFINITIONS", str(ROOT / "definitions"))
    for name in ("ONETHING_DATABASE_URL", "ONETHING_SERVICE_FACTORY", SECRET_ENV):
        monkeypatch.delenv(name, raising=False)
    for name, value in SERVICE_MAIL.items():
        monkeypatch.setenv(name, value)
    found = case_service()
    register_workflows(found, lambda _: None)
    seed_officers(found, catalogue())
    licensed(found.engine)
    yield found
    dispose_engines()


def calendar_between(command: str) -> int:
    """Run the `onething calendar between …` command the scene printed."""
    args = command.split()[1:]
    done = subprocess.run(
        [sys.executable, "-m", "engine.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[0])


def test_a_late_step_is_told_yellow_then_red_once_each_over_smtp_and_webhook(
    service: CaseService,
) -> None:
    lines: list[str] = []
    result = run_scene(service, echo=lines.append)
    out = "\n".join(lines)

    assert result.counts == {
        ("yellow", "email"): 1,
        ("yellow", "webhook"): 1,
        ("red", "email"): 1,
        ("red", "webhook"): 1,
    }
    assert result.repeated == 0 and "(again, the same moment): nothing fired" in out
    assert "yellow: 1 email, 1 webhook; red: 1 email, 1 webhook" in out
    assert "its own local mailbox" in out and result.problems == []
    assert all(a.signed for a in result.arrivals if a.channel == "webhook")
    assert {a.case_id for a in result.arrivals} == {result.case_id}

    # the figures: what the notices say is what the calendar command prints
    yellow = [a for a in result.arrivals if a.level == "yellow"]
    red = [a for a in result.arrivals if a.level == "red"]
    assert len({(a.remaining, a.overdue) for a in yellow}) == 1  # mail and webhook agree
    assert yellow[0].remaining is not None and yellow[0].overdue is None
    assert all(a.remaining is None and a.overdue is None for a in red)  # red at the deadline
    printed = re.findall(r"`(onething calendar between [^`]+)` prints (-?\d+)", out)
    assert len(printed) == 4  # one check per notice
    command, days = printed[0]  # the first arrival: the yellow mail
    assert calendar_between(command) == int(days) == yellow[0].remaining.days
    assert yellow[0].figure.startswith("剩余时间：")

    # in the store: one yellow and one red for the step's clock, and the case ran to its end
    with Session(service.engine) as session:
        rows = session.exec(
            select(EscalationRow).where(
                EscalationRow.case_id == result.case_id, EscalationRow.step_id == LATE_STEP
            )
        ).all()
    assert sorted(r.level for r in rows) == ["red", "yellow"]
    assert service.show(result.case_id).status == "completed"
    assert service.verify(result.case_id) == []
    # the scene used its own mail server and secret, and left the environment as it was
    assert {name: os.environ.get(name) for name in SERVICE_MAIL} == SERVICE_MAIL
    assert SECRET_ENV not in os.environ


def test_the_scene_sweeps_its_own_case_and_leaves_the_users_cases_alone(
    service: CaseService,
) -> None:
    from engine.bootstrap import definitions_root
    from engine.demo.driver import Driver

    # the user's own case, accepted just before: its clocks are due at the scene's instants
    application = json.loads((definitions_root() / "samples" / SAMPLE).read_text("utf-8"))
    workflow = service.workflows(application["workflow"], None)
    theirs = Driver(service).accept(service.submit(workflow.id, application), workflow).id

    result = run_scene(service, echo=lambda _: None)

    assert result.problems == [] and result.case_id != theirs
    with Session(service.engine) as session:
        rows = session.exec(select(EscalationRow).where(EscalationRow.case_id == theirs)).all()
        mine = session.exec(select(EscalationRow).where(EscalationRow.case_id == result.case_id))
        assert {r.level for r in mine.all()} >= {"yellow", "red"}
    assert rows == []
    kinds = [e.kind for e in service.timeline(theirs)]
    assert "escalation.fired" not in kinds
    assert service.show(theirs).status == "in-progress"
    assert service.verify(theirs) == []
