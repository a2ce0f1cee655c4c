"""Exception types that carry what a person needs to fix their input."""

from __future__ import annotations


class ZonemapError(Exception):
    """Base class for errors zonemap reports to users (the CLI prints them as one line)."""


class InputError(ZonemapError, ValueError):
    """A file, row or object the user handed over cannot be used.

    Examples
    --------
    >>> str(InputError("no coordinates", source="events.csv", row=7))
    'events.csv: row 7: no coordinates'
    """

    def __init__(self, reason: str, *, source: object = None, row: int | None = None):
        self.reason = reason
        self.source = source
        self.row = row
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = [str(self.source)] if self.source is not None else []
        if self.row is not None:
            parts.append(f"row {self.row}")
        parts.append(self.reason)
        return ": ".join(parts)


class ArgumentError(ZonemapError, ValueError):
    """An option or parameter value is out of range or inconsistent (e.g. a negative width)."""


class OutputError(ZonemapError, OSError):
    """An output could not be written (disk full, file too large, …); the previous file is unchanged."""


class ZonemapWarning(UserWarning):
    """Input was usable after a repair zonemap made (e.g. repeated points removed); says what it did."""
