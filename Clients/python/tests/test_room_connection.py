"""RoomConnection and NotificationConnection against a real incidentd, with a proxy in between where the network
has to misbehave: drops, refused connections, lost frames, malformed frames."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import pytest

from incident_rooms import (
    Ack,
    ApiError,
    Backoff,
    Connected,
    ConnectionStopped,
    Disconnected,
    Event,
    GapFilled,
    IncidentClient,
    MalformedEvent,
    MessageEdited,
    MessageEvent,
    MessageRefused,
    NotificationConnection,
    NotificationEvent,
    NotificationRead,
    Pong,
    Presence,
    Room,
    RoomConnection,
    ServerError,
    SyncComplete,
    Typing,
    UnknownEvent,
    UnreadSync,
)
from conftest import eventually, wait_for
from support import FrameProxy, Server, event_type, frame_json

FAST = Backoff(initial=0.2, maximum=1.0)


def messages_of(events: list[Event]) -> list[int]:
    return [e.message["sequence_number"] for e in events if isinstance(e, MessageEvent)]


async def collect_until(conn: RoomConnection, seen: list[Event], last_seq: int, timeout: float = 15.0) -> None:
    """Reads events into `seen` until message `last_seq` was delivered."""
    if any(isinstance(e, MessageEvent) and e.message["sequence_number"] >= last_seq for e in seen):
        return
    await wait_for(conn, MessageEvent, lambda e: e.message["sequence_number"] >= last_seq, timeout, seen)


async def test_send_and_receive(connect: Callable[..., IncidentClient], room: Room) -> None:
    room_id = room["room_id"]
    async with RoomConnection(connect("alice"), room_id) as alice, RoomConnection(connect("bob"), room_id) as bob:
        first = await wait_for(alice, Connected)
        assert first.user_id == "alice@example.com" and first.role == "OWNER" and not first.resumed
        assert first.last_sequence_number == room["last_sequence_number"]
        await wait_for(bob, Connected)
        await alice.wait_open(5)
        await bob.wait_open(5)
        sent = [alice.send(f"step {i}") for i in range(15)]
        sent.append(alice.send({"temperature": 85, "pressure": 120}))
        acks = [await entry for entry in sent]
        assert all(isinstance(ack, Ack) for ack in acks)
        assert [a.sequence_number for a in acks] == list(range(room["last_sequence_number"] + 1,
                                                                room["last_sequence_number"] + 17))
        assert [a.client_id for a in acks] == [e.client_id for e in sent]
        assert alice.pending == []

        seen: list[Event] = []
        await collect_until(bob, seen, acks[-1].sequence_number)
        received = [e.message for e in seen if isinstance(e, MessageEvent)]
        assert [m["message_id"] for m in received] == [a.message_id for a in acks]
        assert [m["content"] for m in received][:2] == ["step 0", "step 1"]
        assert received[-1]["message_type"] == "incident_data"
        assert {e.source for e in seen if isinstance(e, MessageEvent)} == {"live"}
        assert bob.last_seq == acks[-1].sequence_number
        assert bob.last_rev is not None and bob.last_rev >= received[-1]["rev"]


async def test_typing_is_debounced_and_ping_answered(connect: Callable[..., IncidentClient], room: Room) -> None:
    room_id = room["room_id"]
    async with RoomConnection(connect("alice"), room_id) as alice, RoomConnection(connect("bob"), room_id) as bob:
        await alice.wait_open(5)
        await bob.wait_open(5)
        for _ in range(20):
            alice.typing()
            await asyncio.sleep(0.02)
        typing = await wait_for(bob, Typing, timeout=5)
        assert typing.user_id == "alice@example.com" and typing.is_typing
        alice.stop_typing()
        stopped = await wait_for(bob, Typing, timeout=5)
        assert stopped.is_typing is False
        # Twenty keystrokes in 0.4 s were one typing event (and one stop).
        with pytest.raises(TimeoutError):
            await wait_for(bob, Typing, lambda t: t.is_typing, timeout=0.5)
        alice.ping()
        await wait_for(alice, Pong, timeout=5)


async def test_answers_the_service_ping(connect: Callable[..., IncidentClient], room: Room, proxy: FrameProxy) -> None:
    # The service's own application ping is rare; the proxy plays it and keeps the answer from the service.
    proxy.client_filter = lambda text: None if event_type(text) == "pong" else text
    async with RoomConnection(connect("bob", url=proxy.url), room["room_id"]) as bob:
        await bob.wait_open(5)
        assert proxy.inject(json.dumps({"type": "ping"})) == 1
        await eventually(lambda: any(event_type(f) == "pong" for f in proxy.client_frames), 5)


async def test_resume_after_a_drop_replays_what_was_missed(
    connect: Callable[..., IncidentClient], room: Room, proxy: FrameProxy
) -> None:
    room_id = room["room_id"]
    alice = connect("alice")
    seen: list[Event] = []
    async with RoomConnection(connect("bob", url=proxy.url), room_id, backoff=FAST) as bob:
        await bob.wait_open(5)
        before = [await alice.send_message(room_id, f"before {i}") for i in range(3)]
        await collect_until(bob, seen, before[-1]["sequence_number"])

        proxy.refusing = True
        proxy.cut()
        await wait_for(bob, Disconnected, timeout=5, seen=seen)
        during = [await alice.send_message(room_id, f"during {i}") for i in range(4)]
        edited = await alice.edit_message(before[0]["message_id"], "before 0, corrected")
        proxy.refusing = False

        connected = await wait_for(bob, Connected, timeout=10, seen=seen)
        assert connected.resumed
        sync = await wait_for(bob, SyncComplete, timeout=10, seen=seen)
        assert not sync.truncated and sync.rev >= edited["rev"]
        after = await alice.send_message(room_id, "after")
        await collect_until(bob, seen, after["sequence_number"])

    numbers = messages_of(seen)
    assert numbers == list(range(numbers[0], after["sequence_number"] + 1)), "each message once, in order"
    replayed = [e.message["message_id"] for e in seen if isinstance(e, MessageEvent) and e.source == "replay"]
    assert replayed == [m["message_id"] for m in during]
    edits = [e.message for e in seen if isinstance(e, MessageEdited)]
    assert [m["content"] for m in edits] == ["before 0, corrected"]
    assert bob.connections == 2


async def test_offline_queue_waits_and_goes_out_in_order_once(
    connect: Callable[..., IncidentClient], room: Room, proxy: FrameProxy
) -> None:
    room_id = room["room_id"]
    async with RoomConnection(connect("alice", url=proxy.url), room_id, backoff=FAST) as alice:
        await alice.wait_open(5)
        proxy.refusing = True
        proxy.cut()
        await eventually(lambda: not alice.is_open, 5)
        queued = [alice.send(f"offline {i}") for i in range(6)]
        await asyncio.sleep(0.5)
        assert [e.state for e in alice.pending] == ["queued"] * 6
        proxy.refusing = False
        acks = [await asyncio.wait_for(entry, 15) for entry in queued]
    assert [a.sequence_number for a in acks] == sorted(a.sequence_number for a in acks)
    stored = [m async for m in connect("alice").iter_messages(room_id) if m["sender_id"] == "alice@example.com"
              and m["message_type"] == "text"]
    assert [m["content"] for m in stored] == [f"offline {i}" for i in range(6)]
    assert [m["client_id"] for m in stored] == [e.client_id for e in queued]


async def test_a_message_whose_ack_was_lost_is_not_stored_twice(
    connect: Callable[..., IncidentClient], room: Room, proxy: FrameProxy
) -> None:
    room_id = room["room_id"]
    lost: list[str] = []

    def lose_answers(text: str) -> str | None:
        # The first socket never sees the answer to its message: neither the ack nor its own broadcast.
        data = frame_json(text)
        if proxy.upgrades == 1 and (
            data.get("type") == "ack" or data.get("type") == "message" and data["message"].get("content") == "lost ack"
        ):
            lost.append(text)
            return None
        return text

    proxy.server_filter = lose_answers
    async with RoomConnection(connect("alice", url=proxy.url), room_id, backoff=FAST, ack_timeout=1.5) as alice:
        await alice.wait_open(5)
        entry = alice.send("lost ack")
        # No ack within ack_timeout: the connection reconnects, resumes and finds its message already stored.
        ack = await asyncio.wait_for(entry, 15)
        assert lost and alice.connections == 2
        # The same client_id sent again on purpose is answered with the first ack and stores nothing.
        again = await alice.send("lost ack", client_id=entry.client_id)
        assert again.message_id == ack.message_id
    stored = [m async for m in connect("alice").iter_messages(room_id) if m.get("client_id") == entry.client_id]
    assert len(stored) == 1 and stored[0]["message_id"] == ack.message_id


async def test_a_gap_is_filled_over_rest(connect: Callable[..., IncidentClient], room: Room, proxy: FrameProxy) -> None:
    room_id = room["room_id"]
    alice = connect("alice")
    dropped: list[int] = []

    def drop_one(text: str) -> str | None:
        data = frame_json(text)
        if data.get("type") == "message" and data["message"].get("content") == "gap 2" and not dropped:
            dropped.append(data["message"]["sequence_number"])
            return None
        return text

    proxy.server_filter = drop_one
    seen: list[Event] = []
    async with RoomConnection(connect("bob", url=proxy.url), room_id) as bob:
        await bob.wait_open(5)
        sent = [await alice.send_message(room_id, f"gap {i}") for i in range(5)]
        await collect_until(bob, seen, sent[-1]["sequence_number"])
        filled = await wait_for(bob, GapFilled, timeout=1, seen=seen) if not any(
            isinstance(e, GapFilled) for e in seen) else next(e for e in seen if isinstance(e, GapFilled))
    assert dropped == [sent[2]["sequence_number"]]
    assert (filled.after_seq, filled.through_seq, filled.filled, filled.missing) == (
        sent[1]["sequence_number"], sent[2]["sequence_number"], 1, ())
    delivered = [e for e in seen if isinstance(e, MessageEvent)]
    assert [e.message["message_id"] for e in delivered] == [m["message_id"] for m in sent]
    assert [e.source for e in delivered] == ["live", "live", "rest", "live", "live"]


async def test_a_lost_replay_frame_is_filled_before_sync_complete(
    connect: Callable[..., IncidentClient], room: Room, proxy: FrameProxy
) -> None:
    room_id = room["room_id"]
    alice = connect("alice")

    def drop_replayed_last(text: str) -> str | None:
        data = frame_json(text)
        if proxy.upgrades == 2 and data.get("type") == "message" and data["message"].get("content") == "missed 2":
            return None
        return text

    seen: list[Event] = []
    async with RoomConnection(connect("bob", url=proxy.url), room_id, backoff=FAST) as bob:
        await bob.wait_open(5)
        proxy.refusing = True
        proxy.cut()
        await eventually(lambda: not bob.is_open, 5)
        missed = [await alice.send_message(room_id, f"missed {i}") for i in range(3)]
        proxy.server_filter = drop_replayed_last
        proxy.refusing = False
        await wait_for(bob, SyncComplete, timeout=10, seen=seen)
    delivered = [e.message["message_id"] for e in seen if isinstance(e, MessageEvent)]
    assert delivered == [m["message_id"] for m in missed]
    assert [e.source for e in seen if isinstance(e, MessageEvent)] == ["replay", "replay", "rest"]


async def test_a_truncated_replay_loads_the_rest_over_rest(
    server: Server, connect: Callable[..., IncidentClient], room: Room
) -> None:
    """More than the service replays (3 MiB): five senders post 320 messages of 10 KB while bob is away."""
    room_id = room["room_id"]
    alice = connect("alice")
    start = (await alice.get_room(room_id))["last_sequence_number"]
    senders = []
    for n in range(1, 6):
        await alice.add_member(room_id, f"bench{n}@example.com", "EDITOR")
        senders.append(IncidentClient(server.url, server.login(f"bench{n}", "bench")))
    body = "x" * 10_000

    async def post(client: IncidentClient, count: int) -> None:
        for i in range(count):
            await client.send_message(room_id, f"{i} {body}", retries=10)

    try:
        await asyncio.gather(*(post(client, 64) for client in senders))
    finally:
        for client in senders:
            await client.aclose()
    end = (await alice.get_room(room_id))["last_sequence_number"]
    assert end - start >= 320

    seen: list[Event] = []
    async with RoomConnection(connect("bob"), room_id, last_seq=start, last_rev=None) as bob:
        sync = await wait_for(bob, SyncComplete, timeout=30, seen=seen)
        assert sync.truncated, "the service replays at most 3 MiB"
        numbers = messages_of(seen)
        assert numbers == list(range(start + 1, end + 1)), "every message once, in order"
        sources = [e.source for e in seen if isinstance(e, MessageEvent)]
        assert sources[0] == "replay" and sources[-1] == "rest"
        assert any(isinstance(e, GapFilled) and e.through_seq == end for e in seen)
        assert bob.last_seq == end


async def test_401_stops_without_looping(server: Server, room: Room) -> None:
    async with IncidentClient(server.url, "not-a-token") as client:
        conn = RoomConnection(client, room["room_id"])
        started = time.monotonic()
        async with conn:
            with pytest.raises(ConnectionStopped) as stopped:
                async for _ in conn:
                    pass
        assert time.monotonic() - started < 5
    assert (stopped.value.status, stopped.value.code) == (401, "unauthorized")
    assert stopped.value.token_lost
    assert conn.connections == 0 and conn.stopped is stopped.value
    with pytest.raises(ConnectionStopped):
        conn.send("too late")


async def test_logout_closes_with_1008(server: Server, room: Room) -> None:
    client = IncidentClient(server.url, server.login("carol"))
    async with client, RoomConnection(client, room["room_id"]) as conn:
        await conn.wait_open(5)
        await client.logout()
        with pytest.raises(ConnectionStopped) as stopped:
            while True:
                await conn.next_event(10)
        assert stopped.value.close_code == 1008 and stopped.value.token_lost
        connections = conn.connections
        await asyncio.sleep(1.5)
        assert conn.connections == connections == 1, "no further attempts"


async def test_a_token_revoked_while_away_stops_at_401_and_fails_the_queue(
    server: Server, room: Room, proxy: FrameProxy
) -> None:
    client = IncidentClient(proxy.url, server.login("carol"))
    async with client, RoomConnection(client, room["room_id"], backoff=FAST) as conn:
        await conn.wait_open(5)
        proxy.refusing = True
        proxy.cut()
        await eventually(lambda: not conn.is_open, 5)
        waiting = conn.send("queued before the logout")
        async with IncidentClient(server.url, client.token) as direct:
            await direct.logout()
        proxy.refusing = False
        seen: list[Event] = []
        with pytest.raises(ConnectionStopped) as stopped:
            await wait_for(conn, Event, lambda _: False, timeout=10, seen=seen)
        assert stopped.value.status == 401 and stopped.value.token_lost
        assert [type(e) for e in seen][0] is Connected and Disconnected in map(type, seen)
        with pytest.raises(ConnectionStopped):
            await waiting
        assert conn.pending == [] and conn.unsent == [waiting]
        connections = conn.connections
        await asyncio.sleep(1.5)
        assert conn.connections == connections, "no further attempts"

    # Signed in again, a new connection resumes where the old one stopped and delivers what was left, once.
    async with IncidentClient(server.url, server.login("carol")) as again:
        async with RoomConnection(again, room["room_id"], last_seq=conn.last_seq, last_rev=conn.last_rev) as fresh:
            [resent] = fresh.requeue(conn.unsent)
            fresh.requeue(conn.unsent)  # twice on purpose: the client_id keeps it to one message
            ack = await asyncio.wait_for(resent, 10)
            await fresh.flush(10)
        stored = [m async for m in again.iter_messages(room["room_id"]) if m.get("client_id") == waiting.client_id]
    assert [m["message_id"] for m in stored] == [ack.message_id]


async def test_removal_from_the_room_closes_with_1008(
    connect: Callable[..., IncidentClient], room: Room
) -> None:
    async with RoomConnection(connect("carol"), room["room_id"]) as conn:
        await conn.wait_open(5)
        await connect("alice").remove_member(room["room_id"], "carol@example.com")
        with pytest.raises(ConnectionStopped) as stopped:
            while True:
                await conn.next_event(10)
    assert stopped.value.close_code == 1008 and stopped.value.code == "forbidden"
    assert not stopped.value.token_lost


async def test_403_and_404_stop(server: Server, connect: Callable[..., IncidentClient], alice: IncidentClient) -> None:
    private = await alice.create_room("alice only", incident_type="other", severity="low")
    async with RoomConnection(connect("bob"), private["room_id"]) as conn:
        with pytest.raises(ConnectionStopped) as forbidden:
            await conn.next_event(10)
    assert forbidden.value.status == 403
    async with RoomConnection(connect("bob"), "00000000-0000-4000-8000-000000000000") as conn:
        with pytest.raises(ConnectionStopped) as missing:
            await conn.next_event(10)
    assert missing.value.status == 404


async def test_malformed_events_are_reported_not_fatal(
    connect: Callable[..., IncidentClient], room: Room, proxy: FrameProxy
) -> None:
    seen: list[Event] = []
    async with RoomConnection(connect("bob", url=proxy.url), room["room_id"]) as bob:
        await bob.wait_open(5)
        frames = [
            "not json at all",
            "[1, 2, 3]",
            '{"no": "type"}',
            '{"type": 7}',
            '{"type": "message", "message": {"message_id": "m", "room_id": "r", "sequence_number": "twelve", '
            '"rev": 1, "sender_id": "s", "message_type": "text", "created_at": "t"}}',
            '{"type": "message", "message": null}',
            '{"type": "ack", "client_id": "x", "message_id": 5, "sequence_number": 1, "created_at": "t"}',
            '{"type": "connected"}',
            '{"type": "typing", "user_id": "x", "is_typing": "yes"}',
            '{"type": "sync_complete", "last_sequence_number": -1, "rev": 0}',
            '{"type": "reactions_updated", "message_id": "m", "reactions": [{"count": 1}], "rev": 1}',
            '{"type": "message", "message": {"message_id": "m", "room_id": "r", "sequence_number": 99999, '
            '"rev": 1.5, "sender_id": "s", "message_type": "text", "created_at": "t"}}',
            '{"type": "error"}',
            # Well-formed, but no such message: trusting the number would swallow every later message.
            '{"type": "message", "message": {"message_id": "m", "room_id": "r", "sequence_number": 1000000000000, '
            '"rev": 1, "sender_id": "s", "message_type": "text", "created_at": "t"}}',
            '{"type": "sync_complete", "last_sequence_number": 1152921504606846976, "rev": 0}',
        ]
        for frame in frames:
            proxy.inject(frame)
        proxy.inject(b"\x00\x01binary", opcode=2)
        proxy.inject('{"type": "brand_new_event", "x": 1}')
        await asyncio.sleep(0.3)
        message = await connect("alice").send_message(room["room_id"], "still working")
        received = await wait_for(bob, MessageEvent, timeout=5, seen=seen)
        assert received.message["message_id"] == message["message_id"]
        assert received.source == "live"
    malformed = [e for e in seen if isinstance(e, MalformedEvent)]
    # Every frame of the list but the bare error (a ServerError with defaults), plus the binary one.
    assert len(malformed) == len(frames)
    assert any("sequence_number" in e.reason for e in malformed)
    assert any("not in the room's history" in e.reason for e in malformed)
    assert [e.event_type for e in seen if isinstance(e, UnknownEvent)] == ["brand_new_event"]
    assert [e for e in seen if isinstance(e, ServerError)][0].code == "unknown_error"
    assert bob.connections == 1 and bob.malformed_events == len(malformed)
    assert bob.last_seq == message["sequence_number"]


async def test_a_refused_message_fails_its_entry_and_the_queue_goes_on(
    connect: Callable[..., IncidentClient], room: Room
) -> None:
    async with RoomConnection(connect("alice"), room["room_id"]) as alice:
        await alice.wait_open(5)
        too_big = alice.send("x" * 10_241)
        fine = alice.send("fine")
        with pytest.raises(MessageRefused) as refused:
            await too_big
        assert refused.value.code == "message_too_large" and refused.value.client_id == too_big.client_id
        assert isinstance(refused.value, ApiError)
        assert (await fine).sequence_number > 0
    async with RoomConnection(connect("lin"), room["room_id"]) as viewer:
        await viewer.wait_open(5)
        with pytest.raises(MessageRefused) as viewer_refused:
            await viewer.send("viewers only read")
        assert viewer_refused.value.code == "insufficient_permissions"


async def test_presence(connect: Callable[..., IncidentClient], room: Room) -> None:
    async with RoomConnection(connect("alice"), room["room_id"]) as alice:
        await alice.wait_open(5)
        async with RoomConnection(connect("bob"), room["room_id"]) as bob:
            joined = await wait_for(alice, Presence, timeout=5)
            assert (joined.event, joined.user_id) == ("user_joined", "bob@example.com")
            connected = await wait_for(bob, Connected, timeout=5)
            assert {m.user_id for m in connected.online} == {"alice@example.com", "bob@example.com"}
        left = await wait_for(alice, Presence, timeout=5)
        assert (left.event, left.user_id) == ("user_left", "bob@example.com")


def test_backoff_schedule() -> None:
    backoff = Backoff()
    assert [backoff.step(n) for n in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]
    for attempt in range(10):
        for _ in range(50):
            delay = backoff.delay(attempt)
            assert 0.75 * backoff.step(attempt) <= delay <= backoff.step(attempt)


async def test_reconnect_backs_off_1_2_4(
    connect: Callable[..., IncidentClient], room: Room, proxy: FrameProxy
) -> None:
    async with RoomConnection(connect("bob", url=proxy.url), room["room_id"]) as bob:
        await bob.wait_open(5)
        proxy.refusing = True
        proxy.cut()
        waits = [await wait_for(bob, Disconnected, timeout=10) for _ in range(3)]
        proxy.refusing = False
        resumed = await wait_for(bob, Connected, timeout=10)
    assert [w.attempt for w in waits] == [1, 2, 3]
    for wait, step in zip(waits, (1, 2, 4)):
        assert 0.75 * step <= wait.retry_in <= step
    assert waits[0].close_code is None and "cannot connect" in waits[1].reason
    assert resumed.resumed


async def test_notifications_connection(
    connect: Callable[..., IncidentClient], room: Room, proxy: FrameProxy
) -> None:
    bob = connect("bob", url=proxy.url)
    await bob.mark_all_notifications_read()
    async with NotificationConnection(bob, backoff=FAST) as notes:
        first = await wait_for(notes, UnreadSync, timeout=5)
        assert first.notifications == []
        await connect("alice").send_message(room["room_id"], "@Bob Brown the line is back")
        note = await wait_for(notes, NotificationEvent, timeout=5)
        assert note.notification["type"] == "mention" and note.notification["room_id"] == room["room_id"]
        proxy.cut()
        again = await wait_for(notes, UnreadSync, timeout=10)
        assert [n["id"] for n in again.notifications] == [note.notification["id"]]
        notes.mark_read(note.notification["id"])
        answer = await wait_for(notes, NotificationRead, timeout=5)
        assert answer.notification_id == note.notification["id"]
    assert (await bob.notifications(unread=True))["unread_count"] == 0


async def test_notifications_connection_stops_on_401(server: Server) -> None:
    async with IncidentClient(server.url, "expired") as client, NotificationConnection(client) as notes:
        with pytest.raises(ConnectionStopped) as stopped:
            await notes.next_event(10)
    assert stopped.value.status == 401
