"""The selection (RFC 3797 style) and the conflict rules: properties over many pools, and the
fairness of 10,000 draws."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.draw.conflicts import Conflict, eligibility
from engine.draw.roster import Examiner, Inspection
from engine.draw.selection import NotEnoughEligible, list_hash, select

APPLICANT = "91450200MA5K8Q3L77"
TODAY = dt.date(2026, 12, 1)

ids = st.lists(st.from_regex(r"e[0-9]{1,3}", fullmatch=True), min_size=0, max_size=30, unique=True)


@st.composite
def pools(draw: st.DrawFn) -> tuple[Examiner, ...]:
    people = []
    for name in draw(ids):
        relation = draw(st.sampled_from(["none", "employer", "relative", "recent", "old"]))
        people.append(
            Examiner(
                id=name,
                name=name,
                department="bureau",
                employer=APPLICANT if relation == "employer" else None,
                relatives=(APPLICANT,) if relation == "relative" else (),
                inspected=(
                    (Inspection(APPLICANT, dt.date(2026, 3, 1)),)
                    if relation == "recent"
                    else (Inspection(APPLICANT, dt.date(2024, 1, 1)),)
                    if relation == "old"
                    else ()
                ),
            )
        )
    return tuple(people)


def _conflicted(examiner: Examiner) -> bool:
    return (
        examiner.employer == APPLICANT
        or APPLICANT in examiner.relatives
        or any(i.on.year == 2026 for i in examiner.inspected)
    )


@given(pool=pools(), seed=st.binary(min_size=1, max_size=64), count=st.integers(2, 6))
def test_a_conflicted_examiner_is_never_drawn_and_the_count_and_uniqueness_hold(
    pool: tuple[Examiner, ...], seed: bytes, count: int
) -> None:
    split = eligibility(
        pool,
        applicant_ids=frozenset({APPLICANT}),
        today=TODAY,
        recent_within_months=12,
        rules=frozenset(Conflict),
    )
    conflicted = {e.id for e in pool if _conflicted(e)}
    assert set(split.eligible) == {e.id for e in pool} - conflicted
    assert set(split.excluded) == conflicted
    if len(split.eligible) < count:
        with pytest.raises(NotEnoughEligible):
            select(seed, split.eligible, count)
        return
    drawn = select(seed, split.eligible, count)
    assert len(drawn) == count == len(set(drawn))
    assert not set(drawn) & conflicted
    assert drawn == select(seed, list(reversed(split.eligible)), count)  # order does not matter


@given(
    eligible=st.lists(
        st.from_regex(r"e[0-9]{1,3}", fullmatch=True), min_size=4, max_size=20, unique=True
    ),
    seed=st.binary(min_size=1, max_size=32),
    data=st.data(),
)
def test_no_two_of_the_last_draw_are_drawn_together_again(
    eligible: list[str], seed: bytes, data: st.DataObject
) -> None:
    last = frozenset(
        data.draw(st.lists(st.sampled_from(eligible), min_size=2, max_size=2, unique=True))
    )
    drawn = select(seed, eligible, 2, last_drawn=last)
    assert len(set(drawn) & last) <= 1


def test_too_few_outside_the_last_pair_is_not_enough() -> None:
    with pytest.raises(NotEnoughEligible, match="last pair"):
        select(b"seed", ["a", "b"], 2, last_drawn=frozenset({"a", "b"}))


def test_the_eligible_list_hash_ignores_order() -> None:
    assert list_hash(["b", "a"]) == list_hash(["a", "b"]) != list_hash(["a", "c"])


# χ² critical value for 9 degrees of freedom at significance 0.001 (upper tail).
CHI2_9_AT_0_001 = 27.877


def test_ten_thousand_draws_are_uniform_by_chi_square() -> None:
    """Each of 10 eligible examiners should be drawn 2,000 times in 10,000 draws of two; the
    seeds are fixed (SHA-256 of the draw's number), so the test cannot flake, and a biased
    selection (modulo bias, an off-by-one) fails it at significance 0.001."""
    pool = [f"examiner-{i}" for i in range(10)]
    counts: Counter[str] = Counter()
    for n in range(10_000):
        counts.update(select(hashlib.sha256(n.to_bytes(4, "big")).digest(), pool, 2))
    expected = 10_000 * 2 / len(pool)
    chi2 = sum((counts[p] - expected) ** 2 / expected for p in pool)
    assert sum(counts.values()) == 20_000
    assert chi2 < CHI2_9_AT_0_001, (chi2, counts)
