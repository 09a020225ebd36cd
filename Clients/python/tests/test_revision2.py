"""API revision 2 through the client: read markers and receipts, mentions, search across rooms, people, pins,
announcements and the OpenAPI document.

They wait (skip) only while GET /api/openapi.json answers 404, i.e. until the `api` work is merged; under CI=true a
half-present revision 2 fails instead (conftest.revision_two_state)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from incident_rooms import (
    AnnouncementEvent,
    Backoff,
    ApiError,
    IncidentClient,
    MessagePinned,
    MessageUnpinned,
    NotificationConnection,
    ReadReceiptEvent,
    Room,
    RoomConnection,
    UnreadSync,
)
from conftest import eventually, wait_for
from support import FrameProxy

pytestmark = pytest.mark.usefixtures("revision_two")


async def test_read_markers_and_unread_counts(
    alice: IncidentClient, connect: Callable[..., IncidentClient], room: Room
) -> None:
    bob = connect("bob")
    room_id = room["room_id"]
    await alice.send_message(room_id, "first")
    mention = await alice.send_message(room_id, "@Bob Brown second")
    seen = await bob.get_room(room_id)
    assert seen["unread_count"] >= 2 and seen["mention_count"] == 1
    assert seen["last_read_sequence_number"] == 0
    assert room_id in [r["room_id"] for r in (await bob.list_rooms(unread=True, limit=200))["rooms"]]

    marker = await bob.mark_read(room_id, mention["sequence_number"])
    assert marker == {"room_id": room_id, "last_read_sequence_number": mention["sequence_number"]}
    after = await bob.get_room(room_id)
    assert after["unread_count"] == 0 and after["mention_count"] == 0
    assert room_id not in [r["room_id"] for r in (await bob.list_rooms(unread=True, limit=200))["rooms"]]
    # Markers never move back, and never past the room's last message.
    assert (await bob.mark_read(room_id, 1))["last_read_sequence_number"] == mention["sequence_number"]
    assert (await bob.mark_read(room_id, 10_000))["last_read_sequence_number"] == mention["sequence_number"]
    with pytest.raises(ApiError) as negative:
        await bob.mark_read(room_id, -1)
    assert (negative.value.status, negative.value.code) == (422, "validation_failed")

    receipts = {r["user_id"]: r for r in await alice.read_receipts(room_id)}
    assert receipts["bob@example.com"]["last_read_sequence_number"] == mention["sequence_number"]
    assert receipts["carol@example.com"]["last_read_sequence_number"] == 0
    assert receipts["carol@example.com"]["read_at"] is None

    by_activity = await bob.list_rooms(sort="activity", limit=200)
    stamps = [r["last_activity_at"] for r in by_activity["rooms"]]
    assert stamps == sorted(stamps, reverse=True)


async def test_read_over_the_socket_sends_a_receipt(connect: Callable[..., IncidentClient], room: Room) -> None:
    room_id = room["room_id"]
    last = (await connect("alice").send_message(room_id, "read me"))["sequence_number"]
    async with RoomConnection(connect("alice"), room_id) as alice, RoomConnection(connect("bob"), room_id) as bob:
        await alice.wait_open(5)
        await bob.wait_open(5)
        bob.mark_read(last)
        receipt = await wait_for(alice, ReadReceiptEvent, timeout=5)
    assert (receipt.user_id, receipt.last_read_sequence_number) == ("bob@example.com", last)
    assert receipt.display_name == "Bob Brown" and receipt.read_at


async def test_a_read_marker_set_while_offline_is_sent_on_reconnect(
    connect: Callable[..., IncidentClient], room: Room, proxy: FrameProxy
) -> None:
    room_id = room["room_id"]
    last = (await connect("alice").send_message(room_id, "read me later"))["sequence_number"]
    async with RoomConnection(connect("bob", url=proxy.url), room_id, backoff=Backoff(0.2, 1.0)) as bob:
        await bob.wait_open(5)
        proxy.refusing = True
        proxy.cut()
        await eventually(lambda: not bob.is_open, 5)
        bob.mark_read(last)
        proxy.refusing = False
        await bob.wait_open(10)

        async def moved() -> bool:
            return (await connect("bob").get_room(room_id))["last_read_sequence_number"] == last

        await eventually(moved, 10)


async def test_mentions(alice: IncidentClient, connect: Callable[..., IncidentClient], room: Room) -> None:
    bob = connect("bob")
    room_id = room["room_id"]
    plain = await alice.send_message(room_id, "no mention here")
    named = [await alice.send_message(room_id, f"@Bob Brown check valve {i}") for i in range(3)]
    filtered = await bob.messages(room_id, mentions="me")
    assert [m["message_id"] for m in filtered["messages"]] == [m["message_id"] for m in reversed(named)]
    assert plain["message_id"] not in [m["message_id"] for m in filtered["messages"]]
    by_id = await alice.messages(room_id, mentions="bob@example.com")
    assert len(by_id["messages"]) == 3

    first = await bob.mentions(limit=2)
    assert [m["message_id"] for m in first["messages"]] == [named[2]["message_id"], named[1]["message_id"]]
    assert first["has_more"] and isinstance(first["next_before"], str)
    second = await bob.mentions(limit=2, before=first["next_before"])
    assert second["messages"][0]["message_id"] == named[0]["message_id"]


async def test_search_across_rooms(alice: IncidentClient, room: Room) -> None:
    other = await alice.create_room("Second line", incident_type="other", severity="low")
    token = f"valve{abs(hash(room['room_id'])) % 100000}"
    one = await alice.send_message(room["room_id"], f"{token} in hall B")
    two = await alice.send_message(other["room_id"], f"{token} in hall C")
    found = await alice.search(token)
    assert found["total"] == 2
    assert [hit["message"]["message_id"] for hit in found["results"]] == [two["message_id"], one["message_id"]]
    assert {hit["room"]["room_id"] for hit in found["results"]} == {room["room_id"], other["room_id"]}
    assert "<mark>" in found["results"][0]["highlight"]


async def test_people(alice: IncidentClient) -> None:
    people = await alice.users("bob")
    assert "bob@example.com" in [p["user_id"] for p in people]
    assert {p["display_name"] for p in await alice.users("林小")} == {"林小明"}
    with pytest.raises(ApiError) as short:
        await alice.users("b")
    assert (short.value.status, short.value.code) == (400, "invalid_request")


async def test_pins(alice: IncidentClient, connect: Callable[..., IncidentClient], room: Room) -> None:
    room_id = room["room_id"]
    key = await alice.send_message(room_id, "Motor replaced, line restarted")
    async with RoomConnection(connect("bob"), room_id) as bob:
        await bob.wait_open(5)
        pinned = await alice.pin_message(key["message_id"])
        assert pinned["pinned_by"] == "alice@example.com" and pinned["pinned_at"]
        event = await wait_for(bob, MessagePinned, timeout=5)
        assert event.message["message_id"] == key["message_id"] and event.rev == pinned["rev"]
        assert bob.last_rev == pinned["rev"]
        assert [m["message_id"] for m in await alice.pins(room_id)] == [key["message_id"]]
        assert "Key events" in await alice.report(room_id)
        await alice.unpin_message(key["message_id"])
        unpinned = await wait_for(bob, MessageUnpinned, timeout=5)
        assert unpinned.message["pinned_at"] is None
    assert await alice.pins(room_id) == []
    with pytest.raises(ApiError) as viewer:
        await connect("lin").pin_message(key["message_id"])
    assert (viewer.value.status, viewer.value.code) == (403, "insufficient_permissions")


async def test_a_pin_made_while_away_is_replayed(
    alice: IncidentClient, connect: Callable[..., IncidentClient], room: Room
) -> None:
    room_id = room["room_id"]
    key = await alice.send_message(room_id, "root cause: worn bearing")
    async with RoomConnection(connect("bob"), room_id) as bob:
        await bob.wait_open(5)
        position = (bob.last_seq, bob.last_rev)
    await alice.pin_message(key["message_id"])
    async with RoomConnection(connect("bob"), room_id, last_seq=position[0], last_rev=position[1]) as bob:
        replayed = await wait_for(bob, MessagePinned, timeout=5)
    assert replayed.message["message_id"] == key["message_id"] and replayed.message["pinned_at"]


async def test_announcements(alice: IncidentClient, connect: Callable[..., IncidentClient], room: Room) -> None:
    bob = connect("bob")
    async with RoomConnection(bob, room["room_id"]) as live, NotificationConnection(bob) as notes:
        await live.wait_open(5)
        await wait_for(notes, UnreadSync, timeout=5)
        made = await alice.create_announcement("Fire drill at 14:00", "warning")
        assert made["severity"] == "warning" and made["created_by"] == "alice@example.com"
        in_room = await wait_for(live, AnnouncementEvent, timeout=5)
        in_notes = await wait_for(notes, AnnouncementEvent, timeout=5)
    assert in_room.announcement["announcement_id"] == in_notes.announcement["announcement_id"] == made["announcement_id"]
    assert made["announcement_id"] in [a["announcement_id"] for a in await bob.announcements()]
    with pytest.raises(ApiError) as refused:
        await bob.create_announcement("not an admin")
    assert (refused.value.status, refused.value.code) == (403, "insufficient_permissions")
    # A notifications socket opened later gets the announcement after unread_sync.
    async with NotificationConnection(connect("carol")) as late:
        await wait_for(late, UnreadSync, timeout=5)
        again = await wait_for(late, AnnouncementEvent, lambda e: e.announcement["announcement_id"]
                               == made["announcement_id"], timeout=5)
    assert again.announcement["message"] == "Fire drill at 14:00"


#: Every operation of the service and the client method that calls it.
CLIENT_METHODS = {
    ("post", "/api/auth/login"): "login",
    ("post", "/api/auth/logout"): "logout",
    ("get", "/api/auth/me"): "me",
    ("post", "/api/rooms"): "create_room",
    ("get", "/api/rooms"): "list_rooms",
    ("get", "/api/rooms/{}"): "get_room",
    ("patch", "/api/rooms/{}"): "update_room",
    ("get", "/api/rooms/{}/members"): "members",
    ("post", "/api/rooms/{}/members"): "add_member",
    ("patch", "/api/rooms/{}/members/{}"): "update_member",
    ("delete", "/api/rooms/{}/members/{}"): "remove_member",
    ("get", "/api/rooms/{}/online"): "online",
    ("get", "/api/rooms/{}/typing"): "typing_users",
    ("get", "/api/rooms/{}/report"): "report",
    ("get", "/api/rooms/{}/messages"): "messages",
    ("post", "/api/rooms/{}/messages"): "send_message",
    ("get", "/api/rooms/{}/messages/search"): "search_messages",
    ("get", "/api/rooms/{}/messages/{}"): "get_message",
    ("get", "/api/rooms/{}/readings"): "readings",
    ("patch", "/api/messages/{}"): "edit_message",
    ("delete", "/api/messages/{}"): "delete_message",
    ("get", "/api/messages/{}/history"): "message_history",
    ("post", "/api/messages/{}/reactions"): "add_reaction",
    ("delete", "/api/messages/{}/reactions/{}"): "remove_reaction",
    ("post", "/api/rooms/{}/files"): "upload_file",
    ("get", "/api/rooms/{}/files"): "files",
    ("get", "/api/rooms/{}/files/{}"): "get_file",
    ("delete", "/api/rooms/{}/files/{}"): "delete_file",
    ("get", "/api/notifications"): "notifications",
    ("post", "/api/notifications/{}/read"): "mark_notification_read",
    ("post", "/api/notifications/read-all"): "mark_all_notifications_read",
    ("post", "/api/rooms/{}/read"): "mark_read",
    ("get", "/api/rooms/{}/read-receipts"): "read_receipts",
    ("get", "/api/mentions"): "mentions",
    ("get", "/api/search"): "search",
    ("get", "/api/users"): "users",
    ("post", "/api/messages/{}/pin"): "pin_message",
    ("delete", "/api/messages/{}/pin"): "unpin_message",
    ("get", "/api/rooms/{}/pins"): "pins",
    ("post", "/api/announcements"): "create_announcement",
    ("get", "/api/announcements"): "announcements",
    ("get", "/api/openapi.json"): "openapi",
    ("get", "/api/config"): "config",
    ("get", "/healthz"): "healthz",
    ("get", "/readyz"): "readyz",
    ("get", "/metrics"): "metrics",
}


async def test_every_route_of_the_openapi_document_has_a_method(alice: IncidentClient) -> None:
    document = await alice.openapi()
    assert str(document["openapi"]).startswith("3.1")
    operations = {
        (method.lower(), re.sub(r"\{[^}]+\}", "{}", path))
        for path, item in document["paths"].items()
        for method in item
        if method.lower() in ("get", "post", "put", "patch", "delete")
    }
    missing = sorted(op for op in operations if op not in CLIENT_METHODS)
    assert not missing, f"routes without a client method: {missing}"
    for name in set(CLIENT_METHODS.values()):
        assert callable(getattr(alice, name)), name
    for schema in ("Room", "Message", "File", "Notification", "User", "Error"):
        assert schema in document["components"]["schemas"]


async def test_service_settings_and_metrics(alice: IncidentClient) -> None:
    assert "incident_websocket_sessions" in await alice.metrics()
    if "/api/config" in (await alice.openapi())["paths"]:
        config = await alice.config()
        assert config["max_text_bytes"] == 10_240
