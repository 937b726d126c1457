"""OpenID Connect sign-in against a provider the test serves itself on loopback (discovery,
JWKS and token endpoints), signing ID tokens with an RSA key generated for the test."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from commsgov.accounts import Actor
from commsgov.api.app import create_app
from commsgov.config import Settings
from commsgov.services import audit, users

from .conftest import T0, Api

#: the provider's signing key, and a key nobody should trust (generated once: it takes time)
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})


@dataclass
class Provider:
    """The provider's state: the code it issued, and what the ID token will say."""

    base: str = ""
    key: RSAKey = field(default_factory=lambda: KEY)
    signing_key: RSAKey | None = None
    code: str = "the-code"
    challenge: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/.well-known/openid-configuration":
                self._json(200, {
                    "issuer": provider.base,
                    "authorization_endpoint": f"{provider.base}/authorize",
                    "token_endpoint": f"{provider.base}/token",
                    "jwks_uri": f"{provider.base}/jwks",
                })  # fmt: skip
            elif self.path == "/jwks":
                self._json(200, {"keys": [provider.key.as_dict(private=False)]})
            else:
                self._json(404, {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if form.get("code") != provider.code or challenge != provider.challenge:
                self._json(400, {"error": "invalid_grant"})
                return
            key = provider.signing_key or provider.key
            id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, provider.claims, key)
            self._json(200, {"access_token": "a", "token_type": "Bearer", "id_token": id_token})

    return Handler


@pytest.fixture
def provider() -> Iterator[Provider]:
    state = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _app(api: Api, provider: Provider) -> Any:
    settings = Settings(
        database_url=api.settings.database_url,
        oidc_discovery_url=f"{provider.base}/.well-known/openid-configuration",
        oidc_client_id="commsgov",
        oidc_client_secret="s3cret",
        oidc_roles_claim="groups",
        oidc_role_map={"g-records": "records-manager", "g-staff": "staff"},
    )
    return create_app(settings, store=api.store, clock=api.clock)


def _sign_in(
    client: Any, provider: Provider, *, code: str | None = None, html: bool = False, **claims: Any
) -> Any:
    start = client.get("/api/v1/auth/oidc/login", follow_redirects=False)
    assert start.status_code == 303, start.text
    query = {k: v[0] for k, v in parse_qs(urlparse(start.headers["location"]).query).items()}
    assert query["client_id"] == "commsgov" and query["code_challenge_method"] == "S256"
    provider.challenge = query["code_challenge"]
    provider.claims = {
        "iss": provider.base, "aud": "commsgov", "sub": "entra-123", "nonce": query["nonce"],
        "iat": int(T0.timestamp()), "exp": int(T0.timestamp()) + 300,
        "preferred_username": "Ann.Smith@gov.scot", "name": "Ann Smith",
        "email": "ann.smith@gov.scot", "groups": ["g-staff", "unrelated"], **claims,
    }  # fmt: skip
    params = {"code": code or provider.code, "state": query["state"]}
    headers = {"Accept": "text/html,application/xhtml+xml"} if html else {}
    answer = client.get(
        "/api/v1/auth/oidc/callback", params=params, headers=headers, follow_redirects=not html
    )
    answer.callback_params = params
    return answer


def test_sign_in_creates_the_user_with_mapped_roles(api: Api, provider: Provider) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(_app(api, provider))
    signed = _sign_in(client, provider)
    assert signed.status_code == 200, signed.text
    assert (signed.json()["username"], signed.json()["roles"]) == ("ann.smith@gov.scot", ["staff"])
    assert "HttpOnly" in signed.headers["set-cookie"]
    assert client.get("/api/v1/scenarios").status_code == 200
    user = users.get_user(api.store, "ann.smith@gov.scot")
    assert user.oidc and user.emails == ("ann.smith@gov.scot",) and user.display_name == "Ann Smith"
    # the provider's groups decide the roles at every sign-in
    again = _sign_in(TestClient(_app(api, provider)), provider, groups=["g-records"])
    assert again.json()["roles"] == ["records-manager"]
    entries = audit.search(api.store, audit.AuditFilter(action="signed-in"), actor=Actor.cli("t"))
    assert [json.loads(e.details)["method"] for e in entries] == ["oidc", "oidc"]


@pytest.mark.parametrize(
    "change",
    ["wrong-key", "nonce", "audience", "issuer", "expired", "replayed-state", "bad-code"],
)
def test_anything_off_is_refused_and_recorded(api: Api, provider: Provider, change: str) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(_app(api, provider))
    claims: dict[str, Any] = {}
    if change == "wrong-key":
        provider.signing_key = OTHER_KEY
    elif change == "nonce":
        claims["nonce"] = "another"
    elif change == "audience":
        claims["aud"] = "someone-else"
    elif change == "issuer":
        claims["iss"] = "http://127.0.0.1:1"
    elif change == "expired":
        claims["exp"] = int(T0.timestamp()) - 3600
    if change == "replayed-state":  # a state is good for one sign-in only
        first = _sign_in(client, provider)
        assert first.status_code == 200
        answer = client.get("/api/v1/auth/oidc/callback", params=first.callback_params)
    else:
        answer = _sign_in(client, provider, code="wrong" if change == "bad-code" else None,
                          **claims)  # fmt: skip
    assert answer.status_code == 401, answer.text
    assert answer.json()["detail"] == "invalid username or password"
    failed = audit.search(
        api.store, audit.AuditFilter(action="sign-in-failed"), actor=Actor.cli("t")
    )
    assert json.loads(failed[0].details)["reason"] == "oidc"


def test_a_browser_is_sent_on_to_the_web_app(api: Api, provider: Provider) -> None:
    """The provider's redirect comes back in a browser: it lands on the advisor, signed in, or
    on the sign-in page saying that it failed."""
    from fastapi.testclient import TestClient

    client = TestClient(_app(api, provider))
    signed = _sign_in(client, provider, html=True)
    assert (signed.status_code, signed.headers["location"]) == (303, "/")
    assert "HttpOnly" in signed.headers["set-cookie"]
    assert "Which channel may I use?" in client.get("/").text
    other = TestClient(_app(api, provider))
    refused = _sign_in(other, provider, html=True, nonce="another")
    assert (refused.status_code, refused.headers["location"]) == (303, "/sign-in?failed=oidc")
    assert "did not work" in other.get(refused.headers["location"]).text
    assert other.get("/", follow_redirects=False).status_code == 303  # not signed in


def test_off_unless_configured(api: Api) -> None:
    assert api.client().get("/api/v1/auth/oidc/login").status_code == 404
