"""One error hierarchy for SDA, each class with a stable machine-readable ``code``.

Parser errors say where (file, line or XML element, field), what was expected and
what was found, so a partner can fix a rejected file without guessing.
"""

from __future__ import annotations

__all__ = [
    "SDAError",
    "ParseError",
    "IngestError",
    "StoreError",
    "ProviderError",
    "RateLimitError",
]


class SDAError(Exception):
    """Base class of every error SDA raises on purpose."""

    code = "sda.error"


class ParseError(SDAError, ValueError):
    """A record could not be parsed.

    ``where`` is ``"line N"`` for line formats or an XML element path such as
    ``"<segment[1]/data/stateVector[3]/X>"``.
    """

    code = "sda.parse"

    def __init__(
        self,
        message: str = "",
        *,
        file: str | None = None,
        line: int | None = None,
        element: str | None = None,
        field: str | None = None,
        expected: str | None = None,
        found: str | None = None,
    ):
        self.file = file
        self.line = line
        self.element = element
        self.field = field
        self.expected = expected
        self.found = found
        self.detail = message
        super().__init__(self._render())

    def _render(self) -> str:
        parts = []
        where = self.file or "<input>"
        if self.line is not None:
            where += f", line {self.line}"
        if self.element:
            where += f", element {self.element}"
        parts.append(where)
        if self.field:
            parts.append(f"field {self.field}")
        text = ": ".join(parts)
        if self.detail:
            text += f": {self.detail}"
        if self.expected is not None:
            text += f": expected {self.expected}"
        if self.found is not None:
            text += f", found {self.found!r}" if self.expected is not None else f": found {self.found!r}"
        return text

    def located(self, *, file: str | None = None, line_offset: int = 0) -> "ParseError":
        """Return a copy with the file name filled in and the line shifted."""
        return ParseError(
            self.detail,
            file=file if self.file is None else self.file,
            line=None if self.line is None else self.line + line_offset,
            element=self.element,
            field=self.field,
            expected=self.expected,
            found=self.found,
        )

    def as_dict(self) -> dict:
        """Machine-readable form, used in rejects reports and ``--json`` output."""
        return {
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "element": self.element,
            "field": self.field,
            "expected": self.expected,
            "found": self.found,
            "message": str(self),
        }


class IngestError(SDAError):
    """A file was rejected as a whole; ``errors`` lists every record problem found and
    ``report`` (an :class:`~sda.ingest.pipeline.IngestReport`, when there is one) what was read."""

    code = "sda.ingest"

    def __init__(self, message: str, errors: list[ParseError] | None = None, report=None):
        self.errors = errors or []
        self.report = report
        super().__init__(message)


class StoreError(SDAError):
    """The catalog store could not be opened or written."""

    code = "sda.store"


class ProviderError(SDAError):
    """A data provider answered with an error or unusable content."""

    code = "sda.provider"


class RateLimitError(ProviderError):
    """A provider's published request limit would be exceeded.

    ``retry_after_s`` says how long to wait before the request would be allowed.
    """

    code = "sda.provider.rate_limit"

    def __init__(self, message: str, retry_after_s: float):
        self.retry_after_s = retry_after_s
        super().__init__(message)
