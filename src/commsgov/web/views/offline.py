"""The capture page without a network: its service worker, and the route a browser sends its
queue of captures to when the service is back (issue 17).

The service worker (``/sw.js``, ``static/sw.js`` with the page's asset URLs written in) keeps
the capture page and its assets in the browser's cache, so that the page opens on a phone that
has lost the service. ``static/offline-capture.js`` keeps a capture saved there in a queue in the
browser, stamped with the device's time and time zone, and sends each to ``POST
/capture/queued`` when the network is back: the same form as ``POST /capture`` plus ``made_at``
and ``made_zone``, kept in the record's source beside the time the server received it (its
``captured_at``). A queued item at fault is refused (400, the field and why, as JSON) so that the
page shows it beside the item and keeps it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from commsgov.api.deps import Caller, ClockDep, PackDep, SettingsDep, StoreDep, allowed
from commsgov.api.routes.captures import capture_draft, read_upload, with_upload
from commsgov.api.uploads import Received
from commsgov.records.errors import InvalidFieldError
from commsgov.records.models import Source
from commsgov.records.timestamps import resolve_zone
from commsgov.services import captures

from ..render import STATIC, _static, _version

router = APIRouter(include_in_schema=False)

#: what the capture page needs to open with no network: its styles, scripts and icons (as the
#: page asks for them: versioned, except the module ``app.js`` imports by a relative path)
ASSETS = (
    "vendor/sgds/design-system.min.css", "app.css", "vendor/htmx/htmx.min.js", "app.js",
    "offline-capture.js", "vendor/sgds/icons.stack.svg",
)  # fmt: skip
UNVERSIONED = ("/static/vendor/sgds/design-system.js",)


@router.get("/sw.js", name="web.service-worker")
def service_worker(caller: Annotated[Caller, allowed("web.service-worker")]) -> Response:
    """The service worker, served from the root so that it may control the capture page."""
    assets = [_static(name) for name in ASSETS] + list(UNVERSIONED)
    head = f"const VERSION = {json.dumps(_version())};\nconst ASSETS = {json.dumps(assets)};\n"
    body = head + (STATIC / "sw.js").read_text(encoding="utf-8")
    headers = {"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"}
    return Response(body, media_type="text/javascript", headers=headers)


#: the key a device gives a queued item (a UUID): letters, digits and dashes only
MADE_ID = re.compile(r"[0-9A-Za-z-]{8,64}")


def device_time(received: Received) -> Source:
    """The source of a queued capture: when the device saved it, its zone and the item's key,
    as sent; an :class:`InvalidFieldError` names ``made_at``, ``made_zone`` or ``made_id`` if
    one is missing or unreadable (the device's clock is kept as it said, even if wrong)."""
    made_at = received.text("made_at")
    made_zone = received.text("made_zone")
    made_id = received.text("made_id")
    if made_at is None:
        raise InvalidFieldError("made_at", "when the device saved it is required")
    if made_zone is None:
        raise InvalidFieldError("made_zone", "the device's time zone is required")
    try:
        when = dt.datetime.fromisoformat(made_at[:64])
    except ValueError:
        raise InvalidFieldError("made_at", f"{made_at[:64]!r} is not an ISO 8601 time") from None
    if when.utcoffset() is None:
        raise InvalidFieldError("made_at", "the device's time needs its offset from UTC")
    resolve_zone(made_zone[:64], field="made_zone")
    if made_id is None or MADE_ID.fullmatch(made_id) is None:
        raise InvalidFieldError("made_id", "the item's key: 8 to 64 letters, digits or dashes")
    return Source(made_at=when.isoformat(), made_zone=made_zone[:64], made_id=made_id)


@router.post("/capture/queued", name="web.capture-queued")
async def capture_queued(
    request: Request, caller: Annotated[Caller, allowed("web.capture-queued", upload=True)],
    store: StoreDep, pack: PackDep, settings: SettingsDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Capture one item of a browser's offline queue: 201 with its uid and receipt (200 if it
    was already stored: the same item sent again after its answer was lost), or 400 naming the
    field at fault (the page keeps the item and shows why beside it)."""
    received = await read_upload(request, settings, max_file=settings.ingest_max_member_bytes)

    def work() -> captures.QueuedCapture:
        draft, attach = capture_draft(received, zone=settings.timezone)
        draft = dataclasses.replace(draft, source=device_time(received))
        return captures.capture_queued(store, draft, actor=caller.actor, attach=attach,
                                       pack=pack, now=clock())  # fmt: skip

    try:
        done = await with_upload(received, work)
    except InvalidFieldError as exc:
        return JSONResponse({"field": exc.field, "reason": exc.message}, status_code=400)
    uid = done.result.uid
    receipt = request.app.url_path_for("web.receipt", ref=uid)
    answer = {"uid": uid, "receipt": f"{receipt}?captured=1", "again": done.again}
    return JSONResponse(answer, status_code=200 if done.again else 201)
