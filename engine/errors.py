"""The one root of every error onething raises on purpose.

Domain errors carry their context (file and line for a definition, case and step for a
transition); only the CLI turns them into exit codes and only the HTTP layer into status codes
(`engine.api.problems`).
"""

from __future__ import annotations


class OnethingError(Exception):
    """Base of all expected errors: a user's mistake or an illegal action, never a bug."""


class InputError(OnethingError):
    """Bad input from a user: a date that does not parse, a negative count, an unknown id."""


class NotFound(InputError):
    """Something named that does not exist: a case, a user, an escalation, a workflow."""


class SourceError(InputError):
    """A problem at a place in a source file, reported as `file:line:col: message`."""

    def __init__(self, message: str, *, file: str, line: int | None = None, col: int | None = None):
        self.message = message
        self.file = file
        self.line = line
        self.col = col
        super().__init__(self.location() + ": " + message)

    def location(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)


class CalendarError(InputError):
    """A calendar question that cannot be answered: unknown calendar, date out of range."""


class UnknownCalendar(CalendarError, NotFound):
    """A calendar id no calendar file carries."""


class ServiceError(OnethingError):
    """A service a command needs cannot be started or reached: a port in use, a server that
    exits at start."""
