"""Errors raised by the policy core; see :mod:`commsgov.errors` for the tree shells map."""

from __future__ import annotations

from dataclasses import dataclass

from commsgov.errors import CommsgovError, ConfigurationError, InvalidInput


@dataclass(frozen=True)
class PackProblem:
    """One problem in a policy pack file: where it is and what is wrong."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class PolicyError(CommsgovError):
    """Base class of every error the policy core raises."""


class PackError(PolicyError, ConfigurationError):
    """A policy pack could not be read or is invalid."""

    def __init__(self, problems: list[PackProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def describe(self) -> str:
        """Every problem, one per line, under a heading."""
        return f"invalid policy pack\n{self}"


class UnknownIdError(PolicyError, InvalidInput):
    """An id (scenario, channel, role, ...) is not in the pack."""

    code = "unknown-id"

    def __init__(self, kind: str, value: str, suggestions: list[str]) -> None:
        self.kind = kind
        self.value = value
        self.suggestions = suggestions
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown {kind} {value!r}.{hint}", field=kind)


class InvalidAdviceInput(PolicyError, InvalidInput):
    """A value the engine cannot take (e.g. a device that is neither corporate nor personal)."""
