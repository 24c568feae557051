"""A keyed batch (`onething case act-batch`) really killed part-way, then run again (SQLite
and PostgreSQL): the real command in its own process on a migrated store, SIGKILL, no
simulation."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from engine.access.accounts import Accounts
from engine.calendar import CalendarSet
from engine.cases.service import Command, Intake
from engine.store import get_engine
from engine.views.cases import CaseView
from tests.fixtures.cli import ROOT, cli_env, killed_once, ok, onething_with, started
from tests.fixtures.road_works import APPLICATION
from tests.fixtures.supervision import USERS, make_service, supervised_workflow

CASES = 600
FACTORY = "tests.integration.escalation.factory:stored_service"


def test_a_batch_killed_mid_way_completes_on_a_rerun_with_nothing_doubled(
    store_url: str, tmp_path: Path, calendars: CalendarSet
) -> None:
    """A batch commits all its lines at once unless a case changes under it, so a kill alone
    lands before or after the whole batch. Here another officer keeps acting on the batch's
    cases (the traffic review, not in the batch) until the batch is undone and runs line by
    line, and the kill lands once some lines, not all, have committed. The same file run
    again completes it: each line applied exactly once, the lines applied before the kill
    answer their first result, and `onething audit verify` finds the store intact."""
    service = make_service(get_engine(store_url), calendars, supervised_workflow())
    for name, role, department in USERS:
        Accounts(service.engine, clock=service.clock).add(name, role=role, department=department)
    ids = [
        view.id
        for view in service.submit_many([Intake("road-works", APPLICATION)] * CASES)
        if isinstance(view, CaseView)
    ]
    service.act_many([Command(case_id, "accept", "wang", {}) for case_id in ids])
    batch = tmp_path / "batch.jsonl"
    lines = [
        {"case": i, "step": "municipal", "action": "approve", "actor": "liu", "key": f"b1:{i}"}
        for i in ids
    ]
    batch.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    env = cli_env(
        tmp_path,
        ONETHING_DATABASE_URL=store_url,
        ONETHING_SERVICE_FACTORY=FACTORY,
        PYTHONPATH=str(ROOT),
    )
    others = iter(reversed(ids))  # the traffic reviewer works from the batch's end

    def some_lines_committed() -> bool:
        if applied := len(first_results(service.engine)):
            return applied >= 10
        service.act(next(others), "approve", actor="zhao", args={"step": "traffic"})
        return False

    killed_once(
        started(env, tmp_path, ["case", "act-batch", str(batch), "--json"]),
        "some of the batch's lines to commit",
        some_lines_committed,
    )
    first = first_results(service.engine)
    assert 10 <= len(first) < CASES  # partly applied: the kill landed mid-way

    report = json.loads(ok(onething_with(env, tmp_path)("case", "act-batch", str(batch), "--json")))
    assert [entry["ok"] for entry in report] == [True] * CASES
    for line, entry in zip(lines, report, strict=True):
        after = CaseView.model_validate(entry["case_after"])
        if line["key"] in first:
            assert after == first[line["key"]]  # its first result, not the case as it is now
        assert next(s.status for s in after.steps if s.id == "municipal") == "approved"
    with service.engine.connect() as connection:
        signed = connection.execute(
            sa.text(
                "SELECT case_id, count(*) FROM case_events "
                "WHERE kind = 'step.signed' AND actor = 'liu' GROUP BY case_id"
            )
        ).all()
        approved = connection.execute(
            sa.text(
                "SELECT count(*) FROM step_runs WHERE step_id = 'municipal' AND status = 'approved'"
            )
        ).scalar_one()
    assert sorted(signed) == sorted((case_id, 1) for case_id in ids)  # once each, none doubled
    assert approved == CASES
    assert len(first_results(service.engine)) == CASES
    assert "intact" in ok(onething_with(env, tmp_path)("audit", "verify"))


def first_results(engine: sa.Engine) -> dict[str, CaseView]:
    """The batch's lines that committed: each key's first result, as recorded."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT key, result FROM case_commands WHERE key LIKE 'b1:%'")
        ).all()
    return {key: CaseView.model_validate_json(result) for key, result in rows}
