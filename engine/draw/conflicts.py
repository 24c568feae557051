"""回避: who of a pool may not be drawn for an applicant, and why. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from engine.draw.roster import Examiner


class Conflict(StrEnum):
    RELATED = "related"  # employer or a relative's company is the applicant
    RECENT = "recent"  # inspected the same applicant within the look-back
    REPEAT_PAIR = "repeat-pair"  # no two examiners drawn together twice in a row


@dataclass(frozen=True)
class Eligibility:
    """The eligible examiners (sorted ids: the list whose hash is logged) and the excluded,
    each with the reason."""

    eligible: tuple[str, ...]
    excluded: dict[str, str]


def _months(day: dt.date) -> int:
    return day.year * 12 + day.month


def eligibility(
    pool: tuple[Examiner, ...],
    *,
    applicant_ids: frozenset[str],
    today: dt.date,
    recent_within_months: int,
    rules: frozenset[Conflict],
    unavailable: frozenset[str] = frozenset(),
) -> Eligibility:
    """Split `pool` into eligible and excluded for an applicant known by `applicant_ids`
    (credit code, id number); `unavailable`: declined or already drawn for this step."""
    eligible, excluded = [], {}
    for examiner in pool:
        if examiner.id in unavailable:
            excluded[examiner.id] = "已抽取或已回避"
        elif Conflict.RELATED in rules and examiner.related_to(applicant_ids):
            excluded[examiner.id] = "与申请人存在关联关系（任职或近亲属企业）"
        elif Conflict.RECENT in rules and any(
            i.applicant in applicant_ids
            and 0 <= _months(today) - _months(i.on) <= recent_within_months
            for i in examiner.inspected
        ):
            excluded[examiner.id] = f"{recent_within_months}个月内曾核查同一申请人"
        else:
            eligible.append(examiner.id)
    return Eligibility(tuple(sorted(eligible)), excluded)
