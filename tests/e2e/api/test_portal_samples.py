"""A portal sends an application as the samples in definitions/samples/ are written, with
their `workflow` key: taken as it is, and refused (422, saying both) when the query names
another workflow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.api import Api
from tests.fixtures.definitions import DEFINITIONS

SAMPLES = sorted((DEFINITIONS / "samples").glob("*.json"))


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_every_sample_file_is_submitted_as_it_is(api: Api, path: Path) -> None:
    sample = json.loads(path.read_text(encoding="utf-8"))
    with api.client("portal") as portal:
        named = portal.post("/api/v1/cases", params={"workflow": sample["workflow"]}, json=sample)
        bare = portal.post("/api/v1/cases", json=sample)  # the body's workflow is enough
    for answer in (named, bare):
        assert answer.status_code == 201, answer.text
        assert answer.json()["workflow"] == sample["workflow"]


def test_a_body_for_another_workflow_than_the_query_is_refused_422(api: Api) -> None:
    sample = json.loads((DEFINITIONS / "samples" / "ride-hailing-dual-licence.json").read_text())
    with api.client("portal") as portal:
        mismatch = portal.post(
            "/api/v1/cases", params={"workflow": "utility-external-works"}, json=sample
        )
        nameless = portal.post(
            "/api/v1/cases", json={k: v for k, v in sample.items() if k != "workflow"}
        )
    with api.client("ops") as operator:
        listed = operator.get("/api/v1/cases").json()
    assert mismatch.status_code == 422, mismatch.text
    detail = mismatch.json()["detail"]
    assert "ride-hailing-dual-licence" in detail and "utility-external-works" in detail
    assert nameless.status_code == 400 and "workflow" in nameless.json()["detail"]
    assert listed["items"] == []  # nothing was taken in
