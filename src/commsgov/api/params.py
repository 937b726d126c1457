"""Parsing what callers send, as the command line parses what people type: dates and times as
ISO 8601 text (a bare date kept a date: the services say what a whole day means), read in the
configured time zone when they carry no offset; the record filters as a
:class:`~commsgov.services.query.RecordQuery`. No rule lives here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Query

from commsgov.records.timestamps import read_instant, read_moment
from commsgov.services.query import RecordQuery

from .deps import SettingsDep

__all__ = ["Filters", "instant", "moment", "record_query"]

#: a date or date and time as text (ISO 8601)
When = Annotated[str | None, Query(max_length=40, description="ISO 8601 date or date-time.")]


def moment(text: str | None, *, field: str, zone: str) -> dt.date | dt.datetime | None:
    """A date (kept a date) or a date and time in ``zone``, as the command line reads one
    (:func:`commsgov.records.timestamps.read_moment`); ``None`` when not given."""
    if text is None or not text.strip():
        return None
    return read_moment(text, zone=zone, field=field)


def instant(text: str | None, *, field: str, zone: str) -> dt.datetime | None:
    """A date and time in ``zone`` (a bare date is its midnight there); ``None`` when not
    given."""
    if text is None or not text.strip():
        return None
    return read_instant(text, zone=zone, field=field)


def record_query(
    settings: SettingsDep,
    since: When = None,
    until: Annotated[
        str | None,
        Query(max_length=40, description="Up to this date or date-time (a date: the whole day)."),
    ] = None,
    method: Annotated[
        str | None, Query(max_length=200, description="Only this channel (id or name).")
    ] = None,
    participant: Annotated[
        str | None,
        Query(max_length=200, description="Only records with a participant matching this."),
    ] = None,
    outage: Annotated[
        str | None, Query(max_length=64, description="Only records under this outage id.")
    ] = None,
) -> RecordQuery:
    """The record filters of a request (its words, for a search, are added by the route)."""
    zone = settings.timezone
    return RecordQuery(
        since=moment(since, field="since", zone=zone),
        until=moment(until, field="until", zone=zone),
        method=method,
        participant=participant,
        outage=outage,
        zone=zone,
    )


Filters = Annotated[RecordQuery, Depends(record_query)]
