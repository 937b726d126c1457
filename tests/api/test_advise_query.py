"""``/advise`` reads its query in one pass (:func:`policy._situation`) instead of FastAPI's
per-field extraction: for any query the two give the same situation, or the same problem
naming the same fields."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from commsgov.api import problems
from commsgov.api.routes import policy
from commsgov.api.routes.policy import AdviseQuery


def _client(mine: bool) -> TestClient:
    app = FastAPI()
    problems.install(app)
    if mine:

        @app.get("/a")
        async def ours(s: Annotated[AdviseQuery, Depends(policy._situation)]) -> dict[str, Any]:
            return s.model_dump(mode="json")

    else:

        @app.get("/a")
        async def theirs(s: Annotated[AdviseQuery, Query()]) -> dict[str, Any]:
            return s.model_dump(mode="json")

    return TestClient(app)


OURS, THEIRS = _client(True), _client(False)

KEYS = [*(f.alias or n for n, f in AdviseQuery.model_fields.items()), "with_", "zzz", "Outage"]
VALUES = ["", "logistics", "true", "false", "1", "no", "maybe", "personal", "secure",
          "at-risk", "2026-07-01", "2026-13-01", "a" * 201, "x@example.org"]  # fmt: skip


def _same(params: list[tuple[str, str]]) -> None:
    ours, theirs = OURS.get("/a", params=params), THEIRS.get("/a", params=params)
    assert (ours.status_code, ours.json()) == (theirs.status_code, theirs.json()), params


def test_the_same_situations_and_problems_as_fastapi_for_chosen_queries() -> None:
    for params in [
        [("scenario", "logistics")],
        [],
        [("scenario", "a"), ("scenario", "b"), ("outage", "yes")],  # the last of repeated ones
        [("scenario", "s"), ("outage", "maybe"), ("device", "laptop"), ("as_of", "soon")],
        [("scenario", "s"), ("with", "x@example.org"), ("with_", "y@example.org")],
        [("scenario", "s"), ("with_", "y@example.org"), ("unknown", "1")],
        [("scenario", "a" * 201), ("channel", "")],
    ]:
        _same(params)
    problem = OURS.get("/a", params={"scenario": "s", "outage": "maybe"}).json()
    assert problem["field"] == "query.outage"
    assert OURS.get("/a").json()["field"] == "query.scenario"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(VALUES)), max_size=8))
def test_the_same_as_fastapi_for_any_query(params: list[tuple[str, str]]) -> None:
    _same(params)
