"""The seam's contract: every service that reads or writes the record names its actor."""

from __future__ import annotations

import inspect

import pytest

from commsgov import services
from commsgov.records import InvalidFieldError
from commsgov.services.actor import Actor

#: public services that take a store but neither read nor write the record's content
NO_ACTOR = {"open_store"}


def _store_services() -> list[str]:
    names = []
    for name in services.__all__:
        obj = getattr(services, name)
        if inspect.isfunction(obj) and name not in NO_ACTOR:
            params = inspect.signature(obj).parameters
            if "store" in params or "conn" in params:
                names.append(name)
    return names


def test_the_seam_has_store_services() -> None:
    assert {"capture", "get_record", "verify", "dispose", "ingest_file"} <= set(_store_services())


@pytest.mark.parametrize("name", _store_services())
def test_every_store_service_requires_an_actor(name: str) -> None:
    params = inspect.signature(getattr(services, name)).parameters
    assert "actor" in params, f"{name} takes no actor"
    actor = params["actor"]
    assert actor.kind is inspect.Parameter.KEYWORD_ONLY, name
    assert actor.default is inspect.Parameter.empty, f"{name}: the actor must not default"
    assert actor.annotation in ("Actor", Actor), name


def test_an_actor_names_someone_and_where_from() -> None:
    assert Actor.cli("ann").via == "cli"
    assert Actor("ann", via="192.0.2.7").via == "192.0.2.7"
    for bad in (("", "cli"), ("ann", " ")):
        with pytest.raises(InvalidFieldError) as info:
            Actor(*bad)
        assert info.value.field == "actor"
