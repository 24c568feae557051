"""The demo's licence library story on a fresh SQLite store, as `onething demo` and `onething
serve --demo` tell it: enterprises registered by the bureau's market section on an earlier
working day have their licences in the library; the next working day enterprise A's utility
works application is accepted without asking for the business licence, and enterprise B,
whose licence was revoked, is asked for it in the one correction notice with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cases.service import CaseService
from engine.licences.service import Licences

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CaseService]:
    """The demo's service on a fresh store, with its workflows and officers."""
    from engine.bootstrap import case_service, catalogue
    from engine.demo.driver import seed_officers
    from engine.demo.samples import register_workflows
    from engine.store import dispose_engines

    monkeypatch.setenv("ONETHING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ONETHING_DEFINITIONS", str(ROOT / "definitions"))
    for name in ("ONETHING_DATABASE_URL", "ONETHING_SERVICE_FACTORY", "ONETHING_REGISTRY_URLS"):
        monkeypatch.delenv(name, raising=False)
    found = case_service()
    register_workflows(found, lambda _: None)
    seed_officers(found, catalogue())
    yield found
    dispose_engines()


def test_a_licence_issued_yesterday_is_read_today_and_a_revoked_one_is_asked_for(
    service: CaseService,
) -> None:
    from engine.demo.driver import officer_name
    from engine.demo.library import (
        ENTERPRISE_B,
        Officers,
        sample,
        tell_library_story,
        working_days_ago,
    )

    lines: list[str] = []
    officers = Officers(
        *(officer_name("approval-bureau", role) for role in ("window", "reviewer", "head"))
    )
    story = tell_library_story(service, officers, echo=lines.append)
    a = sample("utility-external-works")["applicant"]["credit_code"]
    gx = service.calendars.get("gx")
    today = gx.local(service.clock()).date()
    library = Licences(service)
    issued = library.show(story.licences[a])
    assert issued.status == "valid" and issued.department == "approval-bureau"
    assert issued.valid_from.date() == working_days_ago(gx, today, 1)  # the day before

    accepted = story.accepted
    assert accepted.status == "in-progress" and accepted.correction is None
    licence = accepted.materials["business-licence"]
    assert (licence.status, licence.source) == ("supplied", "library:enterprise-establishment")
    assert licence.reference == f"library:enterprise-establishment:{story.licences[a]}"
    assert [u.case for u in library.show(story.licences[a]).uses] == [accepted.id]

    revoked = story.licences[ENTERPRISE_B[0]]
    assert library.show(revoked).status == "revoked"
    asked = story.asked
    assert asked.status == "correction" and asked.correction is not None
    assert [item.key for item in asked.correction.items] == ["business-licence"]
    [notice] = [n for n in asked.notices if n.kind == "correction"]
    assert f"营业执照（证照库无有效营业执照（{revoked}已吊销））" in notice.text
    out = "\n".join(lines)
    assert "not asked again" in out and "证照库无有效营业执照" in out


def test_serve_demo_seeds_the_story_and_living_cases_that_read_the_library(
    service: CaseService,
) -> None:
    from engine.bootstrap import accounts, supervision
    from engine.demo.living import LIVING, seed_living

    seeded = seed_living(supervision(service), accounts(), echo=lambda _: None)
    assert len(seeded.cases) == len(LIVING) + 4  # + refused, corrected, the story's two
    views = [service.show(c) for c in seeded.cases]
    for view in views[: len(LIVING)]:  # every living case found its licence (if it needs one)
        assert view.status == "in-progress", (view.workflow, view.status)
        licence = view.materials.get("business-licence")
        assert licence is None or licence.source == "library:enterprise-establishment"
    assert [v.status for v in views[-2:]] == ["in-progress", "correction"]
