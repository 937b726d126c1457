"""What a person asks the record for, as they asked it, and the store's filter it becomes.

Every shell passes a :class:`RecordQuery` as the user typed it (words, dates, a channel name);
the rules that turn it into the store's filter live here, once: a bare date is a whole day
(:func:`commsgov.records.timestamps.range_start` and ``range_end``), times without an offset are
read in the configured zone, and a channel is found by id, alias or name in the pack, as at
capture.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from commsgov.records.errors import InvalidFieldError
from commsgov.records.timestamps import range_end, range_start, utc_text
from commsgov.services._support import resolve_pack
from commsgov.store.repo import RecordFilter, Visibility

if TYPE_CHECKING:
    from commsgov.policy.compiled import CompiledPack

__all__ = ["RecordQuery", "record_filter"]


@dataclass(frozen=True, slots=True)
class RecordQuery:
    """Which records: ``terms`` (every word, ``word*`` for a prefix; none: all records) from
    ``since`` until ``until`` (a date is the whole day, in ``zone``: default the configured
    one), over ``method`` (a channel id, alias or name), with a participant whose name,
    number or organisation contains ``participant``, under ``outage`` (an outage id); with
    ``exceptions``, only captures flagged as policy exceptions."""

    terms: str | None = None
    since: dt.date | dt.datetime | None = None
    until: dt.date | dt.datetime | None = None
    method: str | None = None
    participant: str | None = None
    outage: str | None = None
    zone: str | None = None
    exceptions: bool = False

    def describe(self) -> str:
        """The query in words, as an export's ledger entry keeps it (``terms=... since=...``).

        >>> RecordQuery(terms="budget", since=dt.date(2026, 11, 1)).describe()
        'terms=budget since=2026-11-01'
        """
        parts = (
            ("terms", self.terms),
            ("since", self.since.isoformat() if self.since else None),
            ("until", self.until.isoformat() if self.until else None),
            ("method", self.method),
            ("participant", self.participant),
            ("outage", self.outage),
            ("exceptions", "only" if self.exceptions else None),
        )
        return " ".join(f"{k}={v}" for k, v in parts if v)


def record_filter(
    query: RecordQuery,
    *,
    pack: CompiledPack | None = None,
    exceptions_only: bool = False,
    visible_to: Visibility | None = None,
) -> RecordFilter:
    """The store's filter for ``query`` (within what ``visible_to`` may see: see
    :func:`commsgov.services.read_gate.scope`); an unknown channel is an error naming
    ``method``."""
    zone = query.zone
    if zone is None and (query.since is not None or query.until is not None):
        from commsgov.config import core_settings

        zone = core_settings().timezone
    method = None
    if query.method is not None:
        from commsgov.policy.errors import UnknownIdError

        try:
            method = resolve_pack(pack).channel(query.method).id
        except UnknownIdError as exc:
            raise InvalidFieldError("method", str(exc)) from exc
    return RecordFilter(
        since_utc=utc_text(range_start(query.since, zone=zone or "UTC")) if query.since else None,
        until_utc=utc_text(range_end(query.until, zone=zone or "UTC")) if query.until else None,
        method=method,
        participant=query.participant,
        outage_uid=query.outage,
        exceptions_only=exceptions_only or query.exceptions,
        visible_to=visible_to,
    )
