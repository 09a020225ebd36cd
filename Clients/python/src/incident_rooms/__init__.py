"""incident_rooms: the Python client of incidentd (incident rooms for factory floors).

- :class:`IncidentClient`: every REST route of the API as an ``async`` method.
- :class:`RoomConnection`: a room's live events, resuming after drops without loss or duplicates, filling gaps over
  REST, and an offline queue of messages matched to their acks by ``client_id``.
- :class:`NotificationConnection`: the caller's notifications and announcements.
- :class:`ApiError`: every failure of a call (``status``, ``code``, ``message``, ``details``, ``retry_after``).

Usage, reconnect rules and the error handling pattern: docs/CLIENTS.md.
"""

from .client import DEFAULT_URL, IncidentClient, new_client_id
from .connection import Backoff, NotificationConnection, OutgoingMessage, RoomConnection
from .errors import ApiError, ConnectionStopped, MessageRefused
from .events import (
    Ack,
    AnnouncementEvent,
    Connected,
    Disconnected,
    Event,
    GapFilled,
    MalformedEvent,
    MessageDeleted,
    MessageEdited,
    MessageEvent,
    MessagePinned,
    MessageUnpinned,
    NotificationEvent,
    NotificationRead,
    OnlineMember,
    Ping,
    Pong,
    Presence,
    ReactionsUpdated,
    ReadReceiptEvent,
    ServerError,
    SyncComplete,
    Typing,
    UnknownEvent,
    UnreadSync,
    parse_notification_event,
    parse_room_event,
)
from .models import (
    Announcement,
    File,
    Member,
    Message,
    MessagePage,
    Notification,
    Person,
    ReadReceipt,
    Room,
    RoomPage,
    User,
)

__version__ = "1.0.0"

__all__ = [
    "DEFAULT_URL",
    "IncidentClient",
    "new_client_id",
    "Backoff",
    "NotificationConnection",
    "OutgoingMessage",
    "RoomConnection",
    "ApiError",
    "ConnectionStopped",
    "MessageRefused",
    "Ack",
    "AnnouncementEvent",
    "Connected",
    "Disconnected",
    "Event",
    "GapFilled",
    "MalformedEvent",
    "MessageDeleted",
    "MessageEdited",
    "MessageEvent",
    "MessagePinned",
    "MessageUnpinned",
    "NotificationEvent",
    "NotificationRead",
    "OnlineMember",
    "Ping",
    "Pong",
    "Presence",
    "ReactionsUpdated",
    "ReadReceiptEvent",
    "ServerError",
    "SyncComplete",
    "Typing",
    "UnknownEvent",
    "UnreadSync",
    "parse_notification_event",
    "parse_room_event",
    "Announcement",
    "File",
    "Member",
    "Message",
    "MessagePage",
    "Notification",
    "Person",
    "ReadReceipt",
    "Room",
    "RoomPage",
    "User",
]
