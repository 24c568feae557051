"""The query code (查询码) an applicant uses for the status lookup: hard to guess, easy to read
from paper, and checked in one constant-time comparison."""

from __future__ import annotations

from engine.cases.query_code import ALPHABET, LENGTH, code_matches, new_query_code


def test_a_code_has_no_look_alike_characters_and_codes_differ() -> None:
    codes = {new_query_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == LENGTH and set(c) <= set(ALPHABET) for c in codes)
    assert not set("01OI") & set(ALPHABET)


def test_a_code_matches_as_the_applicant_types_it() -> None:
    assert code_matches("EWWFYJTL", " ewwf-yjtl ")
    assert not code_matches("EWWFYJTL", "EWWFYJTM")
    assert not code_matches("EWWFYJTL", "EWWFYJT")


def test_no_code_matches_a_case_without_one() -> None:
    assert not code_matches(None, "--------")
    assert not code_matches("", "")
    assert not code_matches("", "--------")
