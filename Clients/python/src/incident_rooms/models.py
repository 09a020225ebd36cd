"""The shapes of API.md as TypedDicts: what the REST methods return, as the service sends them (plain JSON).

Fields of API revision 2 (read markers, pins) and this service's additions (``rev`` of a Room, ``client_id`` and
``deleted_by`` of a Message) are ``NotRequired``: a service without them still type-checks.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

__all__ = [
    "IncidentType",
    "Severity",
    "RoomStatus",
    "Role",
    "MessageType",
    "User",
    "LoginResult",
    "Room",
    "RoomPage",
    "Member",
    "Reaction",
    "File",
    "Message",
    "MessagePage",
    "SearchHit",
    "SearchPage",
    "RoomRef",
    "CrossRoomSearchHit",
    "CrossRoomSearchPage",
    "MentionPage",
    "EditRecord",
    "OnlineUser",
    "TypingUser",
    "Notification",
    "NotificationPage",
    "ReadMarker",
    "ReadReceipt",
    "Person",
    "Announcement",
    "Readings",
]

IncidentType = Literal["equipment_failure", "material_shortage", "quality_issue", "other"]
Severity = Literal["low", "medium", "high", "critical"]
RoomStatus = Literal["active", "resolved", "archived"]
Role = Literal["OWNER", "EDITOR", "VIEWER"]
MessageType = Literal["text", "image_ref", "file_ref", "system", "incident_data"]

#: The readings of an ``incident_data`` message: ``{"temperature": 85, "pressure": 120}``.
Readings = dict[str, Any]


class User(TypedDict):
    user_id: str
    display_name: str
    email: str
    is_admin: bool


class LoginResult(TypedDict):
    token: str
    token_type: str
    expires_at: str
    user: User


class Room(TypedDict):
    room_id: str
    title: str
    incident_type: IncidentType
    severity: Severity
    status: RoomStatus
    location: str
    description: str
    lots: list[str]
    created_by: str
    created_at: str
    updated_at: str
    resolved_at: str | None
    last_activity_at: str
    last_sequence_number: int
    member_count: int
    my_role: Role | None
    rev: NotRequired[int]
    # Revision 2: the caller's read marker and counts.
    last_read_sequence_number: NotRequired[int]
    unread_count: NotRequired[int]
    mention_count: NotRequired[int]


class RoomPage(TypedDict):
    rooms: list[Room]
    total: int
    limit: int
    offset: int


class Member(TypedDict):
    user_id: str
    display_name: str
    role: Role
    added_at: str


class Reaction(TypedDict):
    emoji: str
    count: int
    user_ids: list[str]


class File(TypedDict):
    file_id: str
    room_id: str
    filename: str
    content_type: str
    size: int
    file_type: Literal["image", "document", "log"]
    uploaded_by: str
    uploaded_at: str
    download_url: str


class Message(TypedDict):
    message_id: str
    room_id: str
    sequence_number: int
    rev: int
    sender_id: str
    sender_display_name: str
    message_type: MessageType
    #: A string, the readings of an ``incident_data`` message, or None once deleted.
    content: str | Readings | None
    metadata: dict[str, Any] | None
    mentions: list[str]
    file: File | None
    created_at: str
    edited_at: str | None
    deleted_at: str | None
    reactions: list[Reaction]
    client_id: NotRequired[str | None]
    deleted_by: NotRequired[str | None]
    # Revision 2: pins.
    pinned_at: NotRequired[str | None]
    pinned_by: NotRequired[str | None]


class MessagePage(TypedDict):
    """A page of history: newest first (``next_before_seq``), or oldest first after ``after_seq`` (``next_after_seq``)."""

    messages: list[Message]
    has_more: bool
    next_before_seq: NotRequired[int | None]
    next_after_seq: NotRequired[int | None]


class SearchHit(TypedDict):
    message: Message
    #: HTML-escaped text with the matches wrapped in ``<mark>...</mark>``.
    highlight: str


class SearchPage(TypedDict):
    results: list[SearchHit]
    total: int


class RoomRef(TypedDict):
    room_id: str
    title: str


class CrossRoomSearchHit(TypedDict):
    message: Message
    highlight: str
    room: RoomRef


class CrossRoomSearchPage(TypedDict):
    results: list[CrossRoomSearchHit]
    total: int


class MentionPage(TypedDict):
    messages: list[Message]
    has_more: bool
    #: An opaque cursor for the next page, None on the last one.
    next_before: str | None


class EditRecord(TypedDict):
    original_content: str | Readings | None
    edited_by: str
    edited_at: str


class OnlineUser(TypedDict):
    user_id: str
    display_name: str
    connected_at: NotRequired[str]


class TypingUser(TypedDict):
    user_id: str
    display_name: str


class Notification(TypedDict):
    id: str
    type: Literal["mention", "member_added", "status_changed"]
    title: str
    message: str
    room_id: str
    reference_type: Literal["message", "room"]
    reference_id: str
    created_at: str
    read_at: str | None


class NotificationPage(TypedDict):
    notifications: list[Notification]
    unread_count: int


class ReadMarker(TypedDict):
    room_id: str
    last_read_sequence_number: int


class ReadReceipt(TypedDict):
    user_id: str
    display_name: str
    last_read_sequence_number: int
    read_at: str | None


class Person(TypedDict):
    user_id: str
    display_name: str
    email: str


class Announcement(TypedDict):
    announcement_id: str
    message: str
    severity: Literal["info", "warning", "critical"]
    created_by: str
    created_at: str
