"""Errors: every failure of a call is an :class:`ApiError`; a socket that gives up is a :class:`ConnectionStopped`."""

from __future__ import annotations

from typing import Any

__all__ = ["ApiError", "ConnectionStopped", "MessageRefused"]

_RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
_RETRYABLE_CODES = frozenset({"network_error", "timeout", "rate_limited", "unavailable", "storage_unavailable"})


class ApiError(Exception):
    """A failed call: an error answer of the service (API.md's error body), or no usable answer at all.

    ``status`` is the HTTP status, 0 when no answer came. ``code`` is API.md's snake_case code
    (``validation_failed``, ``rate_limited``, ...) or one of the client's own: ``network_error`` (the service could
    not be reached), ``timeout``, ``invalid_response`` (an answer the client cannot read). ``retry_after`` is the
    number of seconds a 429 or 503 asks to wait (``Retry-After``), or None.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details: dict[str, Any] = details or {}
        self.retry_after = retry_after

    @property
    def field(self) -> str | None:
        """The field a 422 ``validation_failed`` (or a socket ``invalid_message``) names, if any."""
        value = self.details.get("field")
        return value if isinstance(value, str) else None

    @property
    def retryable(self) -> bool:
        """True for failures worth trying again later with the same request: no answer, 429, 502, 503, 504."""
        return self.status in _RETRYABLE_STATUS or self.code in _RETRYABLE_CODES

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status else "no answer"
        return f"{self.message} ({self.code}, {where})"

    def __repr__(self) -> str:
        return f"ApiError(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class ConnectionStopped(ApiError):
    """A live connection gave up for good and will not reconnect by itself.

    Raised by the connection's event iterator and by the messages still waiting in its queue. It happens when the
    upgrade is refused with 401 (token missing, expired or revoked), 403 (not a member) or 404 (no such room), when
    the server closes with 1008 (``code`` ``unauthorized`` when the token expired, ``forbidden`` when the member was
    removed), or when the caller closed the connection (``code == "closed"``). ``close_code`` is the WebSocket close
    code, if the server sent one.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        close_code: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(status, code, message, details)
        self.close_code = close_code

    @property
    def token_lost(self) -> bool:
        """The token is no longer accepted: sign in again (``login``) before connecting anew."""
        return self.status == 401 or self.code == "unauthorized"

    def __str__(self) -> str:
        if self.close_code is not None:
            return f"{self.message} (closed with {self.close_code})"
        return super().__str__()


class MessageRefused(ApiError):
    """The service refused a message sent over a room socket (its ``error`` event naming the ``client_id``).

    ``code`` is one of the WebSocket section's codes (``insufficient_permissions``, ``message_too_large``,
    ``invalid_message``, ``room_archived``, ...); ``field`` names the bad field of an ``invalid_message``.
    """

    def __init__(self, code: str, message: str, client_id: str | None, field: str | None = None) -> None:
        super().__init__(0, code, message, {"field": field} if field else None)
        self.client_id = client_id
