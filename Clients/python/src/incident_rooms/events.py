"""The events of the two sockets as frozen dataclasses, and the strict parser that makes them.

A frame that is not JSON, not an object, has no ``type`` or has a field of the wrong type becomes a
:class:`MalformedEvent` (reported, never raised); a well-formed event of a type this client does not know becomes an
:class:`UnknownEvent`, so a newer service does not break an older client.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, cast

from .models import Announcement, Message, Notification, Reaction

__all__ = [
    "Event",
    "Connected",
    "OnlineMember",
    "MessageEvent",
    "Ack",
    "MessageEdited",
    "MessageDeleted",
    "ReactionsUpdated",
    "MessagePinned",
    "MessageUnpinned",
    "Typing",
    "Presence",
    "ReadReceiptEvent",
    "SyncComplete",
    "Pong",
    "Ping",
    "ServerError",
    "AnnouncementEvent",
    "UnreadSync",
    "NotificationEvent",
    "NotificationRead",
    "Disconnected",
    "GapFilled",
    "MalformedEvent",
    "UnknownEvent",
    "parse_room_event",
    "parse_notification_event",
    "validate_message",
    "Malformed",
]


class Malformed(ValueError):
    """A field the client relies on is missing or of the wrong type (the reason names it)."""


@dataclass(frozen=True, slots=True)
class Event:
    """Every event; ``type`` is the server's event type (or the client's own, for the client-side events)."""

    type: ClassVar[str] = ""


# MARK: - Room socket


@dataclass(frozen=True, slots=True)
class OnlineMember:
    user_id: str
    display_name: str


@dataclass(frozen=True, slots=True)
class Connected(Event):
    """The upgrade succeeded. On a resume, the replay (``message`` events, then changes) and ``sync_complete`` follow."""

    type: ClassVar[str] = "connected"
    room_id: str
    user_id: str
    role: str
    last_sequence_number: int
    rev: int
    online: tuple[OnlineMember, ...]
    #: True when the connection resumed with ``last_seq`` (a reconnect, or a first connect given a position).
    resumed: bool = False


@dataclass(frozen=True, slots=True)
class MessageEvent(Event):
    """A new message (system messages included), delivered once each, in sequence order.

    ``source`` says how it came: ``live``, ``replay`` (the resume after a reconnect) or ``rest`` (a gap or a
    truncated replay filled over REST).
    """

    type: ClassVar[str] = "message"
    message: Message
    source: Literal["live", "replay", "rest"] = "live"


@dataclass(frozen=True, slots=True)
class Ack(Event):
    """Our message was committed (the connection's queue matches it by ``client_id``)."""

    type: ClassVar[str] = "ack"
    client_id: str | None
    message_id: str
    sequence_number: int
    created_at: str


@dataclass(frozen=True, slots=True)
class MessageEdited(Event):
    type: ClassVar[str] = "message_edited"
    message: Message


@dataclass(frozen=True, slots=True)
class MessageDeleted(Event):
    type: ClassVar[str] = "message_deleted"
    message_id: str
    deleted_at: str | None
    deleted_by: str | None
    rev: int | None


@dataclass(frozen=True, slots=True)
class ReactionsUpdated(Event):
    """The reactions of a message; a replayed one has no ``user_id``, ``emoji`` or ``action``."""

    type: ClassVar[str] = "reactions_updated"
    message_id: str
    reactions: list[Reaction]
    rev: int | None
    user_id: str | None = None
    emoji: str | None = None
    action: Literal["added", "removed"] | None = None


@dataclass(frozen=True, slots=True)
class MessagePinned(Event):
    type: ClassVar[str] = "message_pinned"
    message: Message
    rev: int | None


@dataclass(frozen=True, slots=True)
class MessageUnpinned(Event):
    type: ClassVar[str] = "message_unpinned"
    message: Message
    rev: int | None


@dataclass(frozen=True, slots=True)
class Typing(Event):
    type: ClassVar[str] = "typing"
    user_id: str
    display_name: str
    is_typing: bool


@dataclass(frozen=True, slots=True)
class Presence(Event):
    """``{"type": "system", "event": "user_joined" | "user_left"}``: someone's first socket opened, or last closed."""

    type: ClassVar[str] = "system"
    event: str
    user_id: str
    display_name: str
    timestamp: str | None


@dataclass(frozen=True, slots=True)
class ReadReceiptEvent(Event):
    type: ClassVar[str] = "read_receipt"
    user_id: str
    display_name: str
    last_read_sequence_number: int
    read_at: str | None


@dataclass(frozen=True, slots=True)
class SyncComplete(Event):
    """The end of a resume's replay. ``truncated``: the replay stopped at the service's bound; the connection has
    loaded the missing messages over REST, but edits and reactions of older messages may be stale: reload what you
    show (``IncidentClient.messages``)."""

    type: ClassVar[str] = "sync_complete"
    last_sequence_number: int
    rev: int
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class Pong(Event):
    type: ClassVar[str] = "pong"


@dataclass(frozen=True, slots=True)
class Ping(Event):
    """The service's application ping; the connection answers it with ``pong`` itself."""

    type: ClassVar[str] = "ping"


@dataclass(frozen=True, slots=True)
class ServerError(Event):
    """A refused event; the connection stays open. A refused message also fails its ``OutgoingMessage``."""

    type: ClassVar[str] = "error"
    code: str
    message: str
    client_id: str | None = None
    field: str | None = None


@dataclass(frozen=True, slots=True)
class AnnouncementEvent(Event):
    """A plant-wide notice (API revision 2), on both sockets."""

    type: ClassVar[str] = "announcement"
    announcement: Announcement


# MARK: - Notifications socket


@dataclass(frozen=True, slots=True)
class UnreadSync(Event):
    type: ClassVar[str] = "unread_sync"
    notifications: list[Notification]


@dataclass(frozen=True, slots=True)
class NotificationEvent(Event):
    type: ClassVar[str] = "notification"
    notification: Notification


@dataclass(frozen=True, slots=True)
class NotificationRead(Event):
    """The answer to ``mark_read``."""

    type: ClassVar[str] = "mark_read"
    notification_id: str


# MARK: - The client's own events


@dataclass(frozen=True, slots=True)
class Disconnected(Event):
    """The socket dropped (or could not be opened); the connection tries again in ``retry_in`` seconds."""

    type: ClassVar[str] = "disconnected"
    reason: str
    close_code: int | None
    retry_in: float
    attempt: int


@dataclass(frozen=True, slots=True)
class GapFilled(Event):
    """Messages ``after_seq + 1 .. through_seq`` were missing from the stream and came over REST (as
    ``MessageEvent(source="rest")`` just before this event). ``missing`` lists those the service did not have."""

    type: ClassVar[str] = "gap_filled"
    after_seq: int
    through_seq: int
    filled: int
    missing: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class MalformedEvent(Event):
    """A frame the client could not read; it was skipped (the connection goes on)."""

    type: ClassVar[str] = "malformed"
    raw: str
    reason: str


@dataclass(frozen=True, slots=True)
class UnknownEvent(Event):
    """A well-formed event of a type this client does not know (from a newer service)."""

    type: ClassVar[str] = "unknown"
    event_type: str
    data: dict[str, Any] = field(default_factory=dict)


# MARK: - Parsing


#: The largest counter a client accepts (2^53 - 1, as JavaScript): a larger one is not a real sequence or rev.
MAX_COUNTER = 2**53 - 1


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value <= MAX_COUNTER


class _Fields:
    """Typed access to an event's fields; a wrong one raises :class:`Malformed` naming it."""

    def __init__(self, data: dict[str, Any], where: str = "") -> None:
        self.data = data
        self.where = where

    def _name(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def text(self, name: str) -> str:
        value = self.data.get(name)
        if not isinstance(value, str):
            raise Malformed(f"{self._name(name)} must be a string")
        return value

    def opt_text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is not None and not isinstance(value, str):
            raise Malformed(f"{self._name(name)} must be a string or null")
        return value

    def count(self, name: str, minimum: int = 0) -> int:
        value = self.data.get(name)
        if not _is_int(value) or cast(int, value) < minimum:
            raise Malformed(f"{self._name(name)} must be a whole number >= {minimum}")
        return cast(int, value)

    def opt_count(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not _is_int(value) or value < 0:
            raise Malformed(f"{self._name(name)} must be a whole number >= 0 or null")
        return cast(int, value)

    def flag(self, name: str, default: bool | None = None) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            raise Malformed(f"{self._name(name)} must be true or false")
        return value

    def array(self, name: str) -> list[Any]:
        value = self.data.get(name)
        if not isinstance(value, list):
            raise Malformed(f"{self._name(name)} must be a list")
        return value

    def mapping(self, name: str) -> dict[str, Any]:
        value = self.data.get(name)
        if not isinstance(value, dict):
            raise Malformed(f"{self._name(name)} must be an object")
        return value


def validate_message(data: object, where: str = "message") -> Message:
    """Checks the fields of a Message that a client relies on; raises :class:`Malformed` naming a bad one."""
    if not isinstance(data, dict):
        raise Malformed(f"{where} must be an object")
    f = _Fields(data, where)
    f.text("message_id")
    f.text("room_id")
    f.count("sequence_number", minimum=1)
    f.count("rev")
    f.text("sender_id")
    f.text("message_type")
    f.text("created_at")
    content = data.get("content")
    if content is not None and not isinstance(content, (str, dict)):
        raise Malformed(f"{where}.content must be a string, an object or null")
    for name in ("sender_display_name", "edited_at", "deleted_at", "client_id"):
        f.opt_text(name)
    for name in ("mentions", "reactions"):
        if name in data:
            f.array(name)
    for name in ("metadata", "file"):
        if data.get(name) is not None:
            f.mapping(name)
    return cast(Message, data)


def _reactions(f: _Fields) -> list[Reaction]:
    reactions = f.array("reactions")
    for index, reaction in enumerate(reactions):
        if not isinstance(reaction, dict) or not isinstance(reaction.get("emoji"), str):
            raise Malformed(f"reactions[{index}] must be an object with an emoji")
    return cast(list[Reaction], reactions)


def _online(f: _Fields) -> tuple[OnlineMember, ...]:
    members = []
    for index, entry in enumerate(f.array("online")):
        if not isinstance(entry, dict):
            raise Malformed(f"online[{index}] must be an object")
        member = _Fields(entry, f"online[{index}]")
        members.append(OnlineMember(member.text("user_id"), member.opt_text("display_name") or member.text("user_id")))
    return tuple(members)


def _notification(data: object, where: str) -> Notification:
    if not isinstance(data, dict):
        raise Malformed(f"{where} must be an object")
    f = _Fields(data, where)
    f.text("id")
    f.text("type")
    f.opt_text("read_at")
    return cast(Notification, data)


def _decode(raw: str | bytes) -> tuple[str, dict[str, Any]] | MalformedEvent:
    text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
    shown = text if len(text) <= 500 else text[:500] + "..."
    if isinstance(raw, bytes):
        return MalformedEvent(shown, "a binary frame (the service sends text)")
    try:
        data = json.loads(text)
    except ValueError as error:
        return MalformedEvent(shown, f"not JSON: {error}")
    if not isinstance(data, dict):
        return MalformedEvent(shown, "not a JSON object")
    kind = data.get("type")
    if not isinstance(kind, str):
        return MalformedEvent(shown, "no string field type")
    return kind, data


def _common(kind: str, f: _Fields) -> Event | None:
    if kind == "pong":
        return Pong()
    if kind == "ping":
        return Ping()
    if kind == "error":
        return ServerError(
            f.opt_text("code") or "unknown_error",
            f.opt_text("message") or "",
            f.opt_text("client_id"),
            f.opt_text("field"),
        )
    if kind == "announcement":
        announcement = f.mapping("announcement")
        _Fields(announcement, "announcement").text("message")
        return AnnouncementEvent(cast(Announcement, announcement))
    return None


def parse_room_event(raw: str | bytes) -> Event:
    """One frame of a room socket as an event; never raises."""
    decoded = _decode(raw)
    if isinstance(decoded, MalformedEvent):
        return decoded
    kind, data = decoded
    f = _Fields(data)
    try:
        return _room_event(kind, f, data)
    except Malformed as error:
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        return MalformedEvent(text[:500], f"{kind}: {error}")


def _room_event(kind: str, f: _Fields, data: dict[str, Any]) -> Event:
    common = _common(kind, f)
    if common is not None:
        return common
    match kind:
        case "connected":
            return Connected(
                f.text("room_id"), f.text("user_id"), f.text("role"), f.count("last_sequence_number"), f.count("rev"),
                _online(f),
            )
        case "message":
            return MessageEvent(validate_message(data.get("message")))
        case "ack":
            return Ack(f.opt_text("client_id"), f.text("message_id"), f.count("sequence_number", 1), f.text("created_at"))
        case "message_edited":
            return MessageEdited(validate_message(data.get("message")))
        case "message_deleted":
            return MessageDeleted(f.text("message_id"), f.opt_text("deleted_at"), f.opt_text("deleted_by"), f.opt_count("rev"))
        case "reactions_updated":
            action = f.opt_text("action")
            if action not in (None, "added", "removed"):
                raise Malformed("action must be added or removed")
            return ReactionsUpdated(
                f.text("message_id"), _reactions(f), f.opt_count("rev"), f.opt_text("user_id"), f.opt_text("emoji"),
                cast(Literal["added", "removed"] | None, action),
            )
        case "message_pinned":
            return MessagePinned(validate_message(data.get("message")), f.opt_count("rev"))
        case "message_unpinned":
            return MessageUnpinned(validate_message(data.get("message")), f.opt_count("rev"))
        case "typing":
            return Typing(f.text("user_id"), f.opt_text("display_name") or f.text("user_id"), f.flag("is_typing"))
        case "system":
            return Presence(f.text("event"), f.text("user_id"), f.opt_text("display_name") or f.text("user_id"),
                            f.opt_text("timestamp"))
        case "read_receipt":
            return ReadReceiptEvent(
                f.text("user_id"), f.opt_text("display_name") or f.text("user_id"), f.count("last_read_sequence_number"),
                f.opt_text("read_at"),
            )
        case "sync_complete":
            return SyncComplete(f.count("last_sequence_number"), f.count("rev"), f.flag("truncated", False))
        case _:
            return UnknownEvent(kind, data)


def parse_notification_event(raw: str | bytes) -> Event:
    """One frame of the notifications socket as an event; never raises."""
    decoded = _decode(raw)
    if isinstance(decoded, MalformedEvent):
        return decoded
    kind, data = decoded
    f = _Fields(data)
    try:
        common = _common(kind, f)
        if common is not None:
            return common
        match kind:
            case "unread_sync":
                notes = [_notification(n, f"notifications[{i}]") for i, n in enumerate(f.array("notifications"))]
                return UnreadSync(notes)
            case "notification":
                return NotificationEvent(_notification(data.get("data"), "data"))
            case "mark_read":
                return NotificationRead(f.text("notification_id"))
            case _:
                return UnknownEvent(kind, data)
    except Malformed as error:
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        return MalformedEvent(text[:500], f"{kind}: {error}")
