"""双公示 lists only licences granted: a case withdrawn or terminated after its decision, or a
licence refused (不予许可), is not a decision due for publication."""

from __future__ import annotations

from collections.abc import Callable

from engine.cases.service import CaseService
from engine.escalation.publications import publications
from engine.escalation.sweep import Supervision


def decided(service: CaseService, case_id: str) -> None:
    for actor, step in [("liu", "municipal"), ("zhao", "traffic"), ("chen", "decision")]:
        service.act(case_id, "approve", actor=actor, args={"step": step})
    service.act(case_id, "approve", actor="zhou", args={"step": "decision"})


def test_publication_excludes_terminated_withdrawn_refused(
    service: CaseService, supervision: Supervision, accepted: Callable[[], str]
) -> None:
    granted, withdrawn, terminated, refused = (accepted() for _ in range(4))
    for case_id in (granted, withdrawn, terminated):
        decided(service, case_id)
    service.act(withdrawn, "withdraw", actor="wang")
    service.act(terminated, "terminate", actor="li", args={"reason": "申请人死亡"})
    for actor, step in [("liu", "municipal"), ("zhao", "traffic")]:
        service.act(refused, "approve", actor=actor, args={"step": step})
    view = service.act(
        refused, "reject", actor="chen", args={"step": "decision", "reason": "不符合条件"}
    )
    service.act(refused, "confirm-negative", actor="li", args={"negative": view.negatives[0].id})
    assert service.load(refused).status.value == "rejected"

    listed = publications(service, supervision.catalogue)

    assert [p.case for p in listed] == [granted]


def test_the_listing_a_page_at_a_time_gives_each_decision_once_in_order(
    service: CaseService, supervision: Supervision, accepted: Callable[[], str]
) -> None:
    cases = [accepted() for _ in range(5)]
    for case_id in cases[:4]:
        decided(service, case_id)
    everything = publications(service, supervision.catalogue)
    assert [p.case for p in everything] == sorted(cases[:4])  # submitted at one moment: by id
    for limit in (1, 2, 3):
        listed, after = [], None
        while True:
            page = publications(service, supervision.catalogue, after=after, limit=limit + 1)
            listed += page[:limit]
            if len(page) <= limit:
                break
            last = page[limit - 1].case
            after = (last, sum(1 for p in listed if p.case == last))
        assert listed == everything
