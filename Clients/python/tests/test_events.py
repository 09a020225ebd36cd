"""The event parser on its own: every valid event becomes its dataclass, and no frame at all makes it raise."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

from incident_rooms import (
    Ack,
    Connected,
    Event,
    MalformedEvent,
    MessageDeleted,
    MessageEvent,
    NotificationEvent,
    ReactionsUpdated,
    SyncComplete,
    UnknownEvent,
    UnreadSync,
    parse_notification_event,
    parse_room_event,
)

MESSAGE: dict[str, Any] = {
    "message_id": "01a23859-e19c-7968-8854-eaf22ca82713", "room_id": "01a23859-e109-74ea-a1ca-e5e8f9dbe9de",
    "sequence_number": 2, "rev": 2, "sender_id": "alice@example.com", "sender_display_name": "Alice Anderson",
    "message_type": "incident_data", "content": {"temperature": 85}, "metadata": None, "mentions": [],
    "file": None, "client_id": "abc", "created_at": "2026-12-02T20:02:24.284Z", "edited_at": None,
    "deleted_at": None, "deleted_by": None, "reactions": [],
}
ROOM_EVENTS: list[dict[str, Any]] = [
    {"type": "connected", "room_id": "r", "user_id": "u", "role": "OWNER", "last_sequence_number": 2, "rev": 2,
     "online": [{"user_id": "u", "display_name": "U"}]},
    {"type": "message", "message": MESSAGE},
    {"type": "ack", "client_id": "abc", "message_id": "m", "sequence_number": 2, "created_at": "t"},
    {"type": "message_edited", "message": MESSAGE},
    {"type": "message_deleted", "message_id": "m", "deleted_at": "t", "deleted_by": "u", "rev": 3},
    {"type": "reactions_updated", "message_id": "m", "reactions": [{"emoji": "👍", "count": 1, "user_ids": ["u"]}],
     "user_id": "u", "emoji": "👍", "action": "added", "rev": 4},
    {"type": "typing", "user_id": "u", "display_name": "U", "is_typing": True},
    {"type": "system", "event": "user_joined", "user_id": "u", "display_name": "U", "timestamp": "t"},
    {"type": "sync_complete", "last_sequence_number": 2, "rev": 4, "truncated": True},
    {"type": "read_receipt", "user_id": "u", "display_name": "U", "last_read_sequence_number": 2, "read_at": "t"},
    {"type": "message_pinned", "message": MESSAGE, "rev": 5},
    {"type": "announcement", "announcement": {"announcement_id": "a", "message": "drill", "severity": "info",
                                              "created_by": "u", "created_at": "t"}},
    {"type": "error", "code": "rate_limited", "message": "slow down", "client_id": "abc"},
    {"type": "pong"},
]


def test_valid_events_become_their_dataclasses() -> None:
    parsed = [parse_room_event(json.dumps(event)) for event in ROOM_EVENTS]
    assert not [e for e in parsed if isinstance(e, (MalformedEvent, UnknownEvent))]
    assert isinstance(parsed[0], Connected) and parsed[0].online[0].display_name == "U"
    assert isinstance(parsed[1], MessageEvent) and parsed[1].message["content"] == {"temperature": 85}
    assert isinstance(parsed[2], Ack) and parsed[2].sequence_number == 2
    assert isinstance(parsed[4], MessageDeleted) and parsed[4].rev == 3
    assert isinstance(parsed[5], ReactionsUpdated) and parsed[5].action == "added"
    assert isinstance(parsed[8], SyncComplete) and parsed[8].truncated
    replayed = parse_room_event(json.dumps({"type": "reactions_updated", "message_id": "m", "reactions": [],
                                            "rev": 7}))
    assert isinstance(replayed, ReactionsUpdated) and replayed.user_id is None and replayed.action is None
    plain = parse_room_event('{"type": "sync_complete", "last_sequence_number": 0, "rev": 0}')
    assert isinstance(plain, SyncComplete) and not plain.truncated


def test_notification_events() -> None:
    note = {"id": "n", "type": "mention", "title": "t", "message": "m", "room_id": "r", "reference_type": "message",
            "reference_id": "x", "created_at": "t", "read_at": None}
    sync = parse_notification_event(json.dumps({"type": "unread_sync", "notifications": [note]}))
    assert isinstance(sync, UnreadSync) and sync.notifications[0]["id"] == "n"
    live = parse_notification_event(json.dumps({"type": "notification", "data": note}))
    assert isinstance(live, NotificationEvent)
    bad = parse_notification_event(json.dumps({"type": "unread_sync", "notifications": [{"id": 5}]}))
    assert isinstance(bad, MalformedEvent) and "notifications[0].id" in bad.reason


ODD_VALUES: list[Any] = [None, True, -1, 0, 2**70, 1.5, float("nan"), "", "x" * 3, [], [1], {}, {"a": None}]


def _mutate(event: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    mutated = copy.deepcopy(event)
    target = mutated
    # Sometimes reach into the embedded message.
    if "message" in mutated and isinstance(mutated["message"], dict) and rng.random() < 0.6:
        target = mutated["message"]
    keys = [k for k in target if k != "type"] or ["type"]
    key = rng.choice(keys)
    if rng.random() < 0.3:
        del target[key]
    else:
        target[key] = rng.choice(ODD_VALUES)
    return mutated


def test_no_frame_makes_the_parser_raise() -> None:
    rng = random.Random(18)
    frames: list[str | bytes] = ["", "null", "1", '"text"', "{", "[]", '{"type": null}', "\udcff", b"\xff\xfe"]
    for _ in range(3000):
        frames.append(json.dumps(_mutate(rng.choice(ROOM_EVENTS), rng)))
    outcomes: list[Event] = []
    for frame in frames:
        outcomes.append(parse_room_event(frame))
        outcomes.append(parse_notification_event(frame))
    assert all(isinstance(o, Event) for o in outcomes)
    malformed = [o for o in outcomes if isinstance(o, MalformedEvent)]
    assert len(malformed) > 1000 and all(o.reason for o in malformed)
    # A message with a number that is not a whole number never passes as a message.
    for outcome in outcomes:
        if isinstance(outcome, MessageEvent):
            number = outcome.message["sequence_number"]
            assert isinstance(number, int) and not isinstance(number, bool) and number >= 1
