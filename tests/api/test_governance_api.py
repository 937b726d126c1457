"""Keeping the record over HTTP: outages, holds, review, disposal, explanations, record classes,
transfers and verify, as a records manager (auditors read, staff ask when); every change a
ledger entry noted in the audit trail with who and from where; SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import tarfile
from io import BytesIO
from typing import Any

from commsgov import services as svc
from commsgov.accounts import Actor
from commsgov.jsonable import jsonable
from commsgov.services import audit

from .conftest import Api


def _ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


def test_a_records_manager_keeps_the_record_from_outage_to_archive(api: Api) -> None:
    rita = api.bearer("rita", "records-manager")
    ann = api.bearer("ann", "staff")
    auditor = api.bearer("otto", "auditor")
    outage = _ok(
        rita.post(
            "/api/v1/outages", json={"reason": "SCOTS down", "started_at": "2026-11-19T08:00"}
        ),
        201,
    )
    assert outage["declared_by"] == "rita" and outage["ended_at_utc"] is None
    made = _ok(ann.post("/api/v1/captures", data={
        "method": "whatsapp", "at": "2026-11-19T09:00", "summary": "agreed by WhatsApp",
    }), 201)  # fmt: skip
    assert made["outage_uid"] == outage["uid"] and made["policy_exception"] is None
    ended = _ok(rita.post(f"/api/v1/outages/{outage['uid']}/end",
                          json={"ended_at": "2026-11-19T12:00"}))  # fmt: skip
    assert ended["ended_by"] == "rita"
    assert [o["uid"] for o in _ok(ann.get("/api/v1/outages"))] == [outage["uid"]]

    other = _ok(ann.post("/api/v1/captures", data={
        "method": "sms", "at": "2026-11-19T10:00", "summary": "a text",
    }), 201)["uid"]  # fmt: skip
    hold = _ok(rita.post("/api/v1/holds", json={
        "name": "FOI 2026/0001", "mandate": "FOISA request", "records": [other],
    }), 201)  # fmt: skip
    assert hold["covers"] == [other]
    assert [h["uid"] for h in _ok(auditor.get("/api/v1/holds"))] == [hold["uid"]]
    reviewed = _ok(rita.post("/api/v1/retention/review", json={
        "records": [made["uid"]], "decision": "transfer", "reason": "historical value",
    }))  # fmt: skip
    assert reviewed[0]["status"] == "approved-transfer"
    held = rita.post("/api/v1/retention/review", json={
        "records": [other], "decision": "destroy", "reason": "no value",
    })  # fmt: skip
    assert held.status_code == 409  # (a held record cannot be approved)
    _ok(rita.post(f"/api/v1/holds/{hold['uid']}/lift", json={"reason": "request answered"}))
    _ok(rita.post("/api/v1/retention/review", json={
        "records": [other], "decision": "destroy", "reason": "no value",
    }))  # fmt: skip
    due = _ok(auditor.get("/api/v1/retention/due"))
    assert due["awaiting"] == {"approved-destroy": 1, "approved-transfer": 1}
    dry = _ok(rita.post("/api/v1/retention/dispose", json={"dry_run": True}))
    assert [d["uid"] for d in dry["destroyed"]] == [other] and dry["dry_run"]
    done = _ok(rita.post("/api/v1/retention/dispose", json={}))
    assert done["destroyed"][0]["certificate_sha256"]
    gone = _ok(auditor.get(f"/api/v1/retention/explain/{other}"))
    assert gone["status"] == "destroyed" and gone["certificate_sha256"]
    kept = _ok(rita.get(f"/api/v1/retention/explain/{made['uid']}"))
    assert kept == jsonable(svc.explain(api.store, made["uid"], actor=Actor.cli("t"),
                                        now=api.clock()))  # fmt: skip

    built = _ok(rita.post("/api/v1/transfers", json={"consignment": "CG-TEST-1"}), 201)
    assert built["records"] == [made["uid"]]
    package = auditor.get("/api/v1/transfers/CG-TEST-1/package")
    assert package.status_code == 200
    assert hashlib.sha256(package.content).hexdigest() == built["package_sha256"]
    with tarfile.open(fileobj=BytesIO(package.content)) as bag:
        assert any(name.endswith("manifest-sha256.txt") for name in bag.getnames())
    bad = rita.post("/api/v1/transfers", json={"consignment": "../../etc"})
    assert bad.status_code == 422 and bad.json()["field"] == "consignment"
    accession = _ok(rita.post("/api/v1/transfers/CG-TEST-1/confirm", json={"accession": "A-1"}))
    assert (accession["records"], accession["status"]) == ([made["uid"]], "accessioned")

    report = _ok(auditor.get("/api/v1/verify"))
    assert report["ok"] and report["audit_entries"] > 0
    # every change is a ledger entry noted in the trail, by whom and from where
    noted = audit.search(api.store, audit.AuditFilter(actor="rita"), actor=Actor.cli("t"),
                         limit=1000)  # fmt: skip
    kinds = {e.action for e in noted}
    assert {"outage-started", "outage-ended", "hold-placed", "hold-lifted", "review-decided",
            "record-disposed", "destruction-certified", "transfer-built",
            "transfer-confirmed", "transfer-certified"} <= kinds  # fmt: skip
    assert all(e.source == "http" for e in noted)


def test_anyone_signed_in_asks_when_a_channel_is_deleted(api: Api) -> None:
    for role in ("staff", "admin"):
        client = api.bearer(f"u-{role}", role)
        answer = _ok(client.get("/api/v1/retention/when",
                                params={"channel": "teams-chat", "created": "2026-11-24T10:00",
                                        "as_of": "2026-11-24"}))  # fmt: skip
        assert answer["record_class"] == "teams-chat" and answer["citations"]
        bad = client.get("/api/v1/retention/when",
                         params={"channel": "teams-chat", "created": "tomorrow"})  # fmt: skip
        assert (bad.status_code, bad.json()["field"]) == (422, "created")


def test_a_correction_and_a_record_class(api: Api) -> None:
    rita = api.bearer("rita", "records-manager")
    uid = _ok(rita.post("/api/v1/captures", data={
        "method": "sms", "at": "2026-11-19T10:00", "summary": "first words",
    }), 201)["uid"]  # fmt: skip
    fixed = _ok(rita.patch(f"/api/v1/records/{uid}", json={
        "reason": "typo", "summary": "second words", "participants": ["Ann <+447700900001>"],
    }))  # fmt: skip
    assert fixed["fields"] == ["participants", "summary"]
    shown = _ok(rita.get(f"/api/v1/records/{uid}"))
    assert shown["summary"] == "second words"
    assert shown["participants"][0]["number"] == "+447700900001"
    assert rita.patch(f"/api/v1/records/{uid}", json={"reason": "nothing"}).status_code == 422
    classified = _ok(rita.post("/api/v1/retention/classify", json={
        "records": [uid], "record_class": "teams-chat", "reason": "a chat",
    }))  # fmt: skip
    assert classified[0]["record_class"] == "teams-chat"
    unknown = rita.post("/api/v1/retention/classify", json={
        "records": [uid], "record_class": "no-such-class", "reason": "x",
    })  # fmt: skip
    assert unknown.status_code == 422
