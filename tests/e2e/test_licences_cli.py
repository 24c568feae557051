"""`onething licences` as an officer runs it, real processes on a fresh SQLite store: an
enterprise registered through the CLI has its business licence listed and shown with its
history; only the issuing department's head revokes it (anyone else: one line, exit 2,
nothing changed), and the case that relied on it is marked."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.cli import ROOT, Onething, ok, onething_in
from tests.fixtures.licences import ENTERPRISE, establishment, licensed_store, permit

pytestmark = pytest.mark.timeout(600)  # two dozen CLI processes on a shared 2-core machine


@pytest.fixture
def onething(tmp_path: Path) -> Onething:
    return onething_in(tmp_path)


def refused(result: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    for part in parts:
        assert part in result.stderr


def test_list_show_and_only_the_issuing_head_revokes(onething: Onething, tmp_path: Path) -> None:
    ok(onething("definitions", "register", str(ROOT / "definitions/workflows")))
    for name, role, department in [
        ("wang", "window", "approval-bureau"),
        ("chen", "reviewer", "approval-bureau"),
        ("zhou", "head", "approval-bureau"),
        ("hu", "head", "municipal"),
        ("admin", "admin", "approval-bureau"),
    ]:
        ok(onething("users", "add", name, "--role", role, "--department", department))
    application = tmp_path / "establishment.json"
    application.write_text(json.dumps(establishment(), ensure_ascii=False), encoding="utf-8")
    issuing = ok(onething("case", "submit", "enterprise-establishment", "--data", str(application)))
    issuing = issuing.strip()
    ok(onething("case", "act", issuing, "-", "accept", "--actor", "wang"))
    ok(onething("case", "act", issuing, "registration-review", "approve", "--actor", "chen"))
    ok(onething("case", "act", issuing, "registration-decision", "approve", "--actor", "zhou"))
    licensed_store(tmp_path / "data", "91450200MA5K8Q3L77")  # another holder, for the filter

    listed = json.loads(ok(onething("licences", "list", "--holder", ENTERPRISE, "--json")))
    assert [(c["holder"], c["type"], c["status"], c["case"]) for c in listed] == [
        (ENTERPRISE, "enterprise-establishment", "valid", issuing)
    ]
    number = listed[0]["number"]
    assert len(json.loads(ok(onething("licences", "list", "--json")))) == 2
    assert json.loads(ok(onething("licences", "list", "--status", "revoked", "--json"))) == []
    refused(onething("licences", "list", "--status", "lost"), "unknown status 'lost'")

    relying_data = tmp_path / "permit.json"
    relying_data.write_text(json.dumps(permit(), ensure_ascii=False), encoding="utf-8")
    relying = ok(onething("case", "submit", "construction-permit", "--data", str(relying_data)))
    relying = relying.strip()

    for actor, why in [
        ("chen", "chen (reviewer@approval-bureau) may not licences revoke"),
        ("hu", "it belongs to approval-bureau"),
        ("admin", "admin (admin@approval-bureau) may not licences revoke"),
        ("nobody", "unknown user 'nobody'"),
        ("system", "'system' is the engine's own actor"),
    ]:
        refused(onething("licences", "revoke", number, "--actor", actor, "--reason", "x"), why)
    refused(
        onething("licences", "revoke", "no-such", "--actor", "zhou", "--reason", "x"), "no-such"
    )
    shown = json.loads(ok(onething("licences", "show", number, "--json")))
    assert shown["status"] == "valid"  # nothing changed

    revoked = ok(onething("licences", "revoke", number, "--actor", "zhou", "--reason", "虚假登记"))
    assert f"{number}  enterprise-establishment  revoked" in revoked
    shown = json.loads(ok(onething("licences", "show", number, "--json")))
    assert [(h["what"], h["by"]) for h in shown["history"]] == [
        ("issued", issuing),
        ("used", relying),
        ("revoked", "zhou"),
    ]
    assert shown["history"][-1]["detail"] == "虚假登记"
    timeline = ok(onething("case", "timeline", relying))
    assert "material.source-changed" in timeline and "department.notice" in timeline
    refused(
        onething("licences", "revoke", number, "--actor", "zhou", "--reason", "again"),
        f"certificate {number} is revoked, not valid",
    )
    assert "intact" in ok(onething("audit", "verify"))
