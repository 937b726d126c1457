"""API tokens: list, create (shown once), revoke (admins)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime, BaseModel, Field

from commsgov.accounts.roles import Role
from commsgov.services import tokens
from commsgov.services.tokens import NewToken, TokenInfo

from ..deps import Caller, ClockDep, StoreDep, allowed

router = APIRouter(prefix="/tokens", tags=["tokens"])


class TokenIn(BaseModel):
    """A token for ``username`` (default: me) with ``roles`` (default: all the user's)."""

    name: str = Field(max_length=200, description="What the token is for.")
    username: str | None = Field(default=None, max_length=64)
    roles: list[Role] | None = None
    expires_at: AwareDatetime | None = None


@router.get("", name="tokens.list", response_model=list[TokenInfo])
def list_tokens(
    store: StoreDep, caller: Annotated[Caller, allowed("tokens.list")],
    username: Annotated[str | None, Query(max_length=64)] = None,
) -> list[TokenInfo]:  # fmt: skip
    """Tokens, newest first (never their secrets)."""
    return tokens.list_tokens(store, username=username)


@router.post("", name="tokens.create", response_model=NewToken, status_code=201)
def create_token(
    body: TokenIn, store: StoreDep, caller: Annotated[Caller, allowed("tokens.create")],
    clock: ClockDep,
) -> NewToken:  # fmt: skip
    """Make a token: ``token`` is in this answer only (send it as ``Authorization: Bearer``)."""
    expires: dt.datetime | None = body.expires_at
    return tokens.create_token(
        store, username=body.username or caller.user.username, name=body.name,
        roles=body.roles, expires_at=expires, actor=caller.actor, now=clock(),
    )  # fmt: skip


@router.delete("/{token_id}", name="tokens.revoke", response_model=TokenInfo)
def revoke_token(
    token_id: Annotated[str, Path(max_length=16)], store: StoreDep,
    caller: Annotated[Caller, allowed("tokens.revoke")], clock: ClockDep,
) -> TokenInfo:  # fmt: skip
    """Stop a token for good."""
    return tokens.revoke_token(store, token_id, actor=caller.actor, now=clock())
