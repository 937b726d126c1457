"""Users: list, add, show, change, roles, disable and enable, reset a password (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from commsgov.accounts.roles import Role
from commsgov.services import users
from commsgov.services.users import NewUser, User

from ..deps import Caller, ClockDep, StoreDep, allowed

router = APIRouter(prefix="/users", tags=["users"])

Username = Annotated[str, Path(max_length=64, description="The username.")]


class UserIn(BaseModel):
    """A new user. Without ``password`` a one-time password is made and returned once."""

    username: str = Field(max_length=64)
    display_name: str | None = Field(default=None, max_length=200)
    roles: list[Role] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list, max_length=20)
    phones: list[str] = Field(default_factory=list, max_length=20)
    password: str | None = Field(default=None, max_length=1024)


class UserChange(BaseModel):
    """What to change (fields left out stay as they are)."""

    display_name: str | None = Field(default=None, max_length=200)
    emails: list[str] | None = Field(default=None, max_length=20)
    phones: list[str] | None = Field(default=None, max_length=20)


class Roles(BaseModel):
    """Exactly the roles the user is to hold."""

    roles: list[Role]


class PasswordIn(BaseModel):
    """A new password to give (omit it for a one-time password, returned once)."""

    password: str | None = Field(default=None, max_length=1024)


@router.get("", name="users.list", response_model=list[User])
def list_users(store: StoreDep, caller: Annotated[Caller, allowed("users.list")]) -> list[User]:
    """Every user, by username."""
    return users.list_users(store)


@router.post("", name="users.create", response_model=NewUser, status_code=201)
def create_user(
    body: UserIn, store: StoreDep, caller: Annotated[Caller, allowed("users.create")],
    clock: ClockDep,
) -> NewUser:  # fmt: skip
    """Add a user (the one-time password, if one was made, is in this answer only)."""
    return users.add_user(
        store, username=body.username, display_name=body.display_name, roles=body.roles,
        emails=body.emails, phones=body.phones, password=body.password, actor=caller.actor,
        now=clock(),
    )  # fmt: skip


@router.get("/{username}", name="users.show", response_model=User)
def show_user(
    username: Username, store: StoreDep, caller: Annotated[Caller, allowed("users.show")]
) -> User:
    """One user."""
    return users.get_user(store, username)


@router.patch("/{username}", name="users.update", response_model=User)
def update_user(
    username: Username, body: UserChange, store: StoreDep,
    caller: Annotated[Caller, allowed("users.update")], clock: ClockDep,
) -> User:  # fmt: skip
    """Change a user's display name, email addresses or phone numbers."""
    return users.update_user(
        store, username, display_name=body.display_name, emails=body.emails, phones=body.phones,
        actor=caller.actor, now=clock(),
    )  # fmt: skip


@router.put("/{username}/roles", name="users.set-roles", response_model=User)
def set_roles(
    username: Username, body: Roles, store: StoreDep,
    caller: Annotated[Caller, allowed("users.set-roles")], clock: ClockDep,
) -> User:  # fmt: skip
    """Give a user exactly these roles; their sessions end at once."""
    return users.set_roles(store, username, body.roles, actor=caller.actor, now=clock())


@router.post("/{username}/disable", name="users.disable", response_model=User)
def disable(
    username: Username, store: StoreDep, caller: Annotated[Caller, allowed("users.disable")],
    clock: ClockDep,
) -> User:  # fmt: skip
    """Disable a user: their sessions end at once and their tokens stop working."""
    return users.set_disabled(store, username, True, actor=caller.actor, now=clock())


@router.post("/{username}/enable", name="users.enable", response_model=User)
def enable(
    username: Username, store: StoreDep, caller: Annotated[Caller, allowed("users.enable")],
    clock: ClockDep,
) -> User:  # fmt: skip
    """Let a disabled user sign in again."""
    return users.set_disabled(store, username, False, actor=caller.actor, now=clock())


@router.post("/{username}/password", name="users.reset-password", response_model=NewUser)
def reset_password(
    username: Username, body: PasswordIn, store: StoreDep,
    caller: Annotated[Caller, allowed("users.reset-password")], clock: ClockDep,
) -> NewUser:  # fmt: skip
    """Give a user a new password to change at their next sign-in; their sessions end."""
    return users.reset_password(
        store, username, password=body.password, actor=caller.actor, now=clock()
    )
