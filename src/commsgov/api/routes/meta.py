"""Is the service up?"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from ..deps import allowed

router = APIRouter(tags=["meta"])


class Health(BaseModel):
    """The service answers."""

    status: str


@router.get(
    "/health", name="meta.health", response_model=Health, dependencies=[allowed("meta.health")]
)
def health() -> Health:
    """Answers ``ok`` while the service runs."""
    return Health(status="ok")
