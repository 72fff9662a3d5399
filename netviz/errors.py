"""User-facing errors: one line, a location, exit status 2, no traceback."""

from __future__ import annotations

EXIT_USAGE = 2


class NetvizError(Exception):
    """An error caused by the user's input; the CLI prints ``str(err)`` and exits 2."""

    exit_code = EXIT_USAGE


class SpecError(NetvizError):
    """A spec problem located at ``file:line: field.path: message``."""

    def __init__(self, file: str, line: int | None, field: str, message: str) -> None:
        self.file, self.line, self.field, self.message = file, line, field, message
        where = f"{file}:{line}" if line else file
        text = f"{where}: {field}: {message}" if field else f"{where}: {message}"
        super().__init__(" ".join(text.split()))


class DataError(NetvizError):
    """Missing or corrupt data files."""


class DataConfigError(DataError):
    """A data set entry that cannot work; ``field`` is the key of the entry to blame, or a path of keys
    below it (``("extra_tests", "moved")``) when the problem sits deeper."""

    def __init__(self, field: str | tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.field = field

    @property
    def loc(self) -> tuple[str, ...]:
        """The keys below the data set's entry, as a path."""
        return (self.field,) if isinstance(self.field, str) else tuple(self.field)
