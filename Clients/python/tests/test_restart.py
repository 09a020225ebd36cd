"""The service restarted under live connections (PostgreSQL store): nothing lost, nothing twice, the same order as
the stored history, and the offline queue carried across."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from incident_rooms import Event, IncidentClient, MessageEvent, RoomConnection
from support import IN_CI, Server, postgres_environment
from test_rest import PNG


@pytest.fixture(scope="module")
def pg_server() -> Iterator[Server]:
    prepared = postgres_environment()
    if isinstance(prepared, str):
        if IN_CI:
            pytest.fail(f"the PostgreSQL store is needed under CI: {prepared}")
        pytest.skip(prepared)
    env, drop = prepared
    instance = Server(store="postgres", env=env)
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()
        drop()


@pytest_asyncio.fixture
async def pg_clients(pg_server: Server) -> AsyncIterator[tuple[IncidentClient, IncidentClient]]:
    async with IncidentClient(pg_server.url, pg_server.login("alice")) as alice, IncidentClient(
        pg_server.url, pg_server.login("bob")
    ) as bob:
        yield alice, bob


async def test_restarts_lose_nothing_and_store_nothing_twice(
    pg_server: Server, pg_clients: tuple[IncidentClient, IncidentClient]
) -> None:
    alice, bob = pg_clients
    room = await alice.create_room("Press 2 hydraulic leak", incident_type="equipment_failure", severity="critical")
    room_id = room["room_id"]
    await alice.add_member(room_id, "bob@example.com", "EDITOR")

    seen: list[Event] = []
    # The default backoff (1, 2, 4 ... s): what a real client does.
    async with RoomConnection(alice, room_id) as sender, RoomConnection(bob, room_id) as watcher:
        await sender.wait_open(10)
        await watcher.wait_open(10)
        start_seq = watcher.last_seq or 0

        async def watch() -> None:
            async for event in watcher:
                seen.append(event)

        watching = asyncio.create_task(watch())
        entries = []
        offline = 0
        restarts: list[asyncio.Task[None]] = []
        for i in range(40):
            if i == 12:
                restarts.append(asyncio.create_task(asyncio.to_thread(pg_server.restart, signal.SIGTERM, 0.5)))
            if i == 28:
                await restarts[-1]
                restarts.append(asyncio.create_task(asyncio.to_thread(pg_server.restart, signal.SIGKILL, 0.5)))
            if not sender.is_open:
                offline += 1
            entries.append(sender.send(f"reading round {i}" if i % 2 else {"round": i, "pressure": 180 - i}))
            await asyncio.sleep(0.1)
        for restart in restarts:
            await restart
        await sender.flush(60)
        acks = [await entry for entry in entries]
        last = max(ack.sequence_number for ack in acks)
        for _ in range(600):
            if watcher.last_seq is not None and watcher.last_seq >= last:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        watching.cancel()
        assert sender.connections >= 3 and watcher.connections >= 3, "both restarts were noticed"
        assert offline > 0, "some messages were sent while the service was down"

    history = [m async for m in alice.iter_messages(room_id)]
    mine = [m for m in history if m.get("client_id") in {e.client_id for e in entries}]
    assert [m["client_id"] for m in mine] == [e.client_id for e in entries], "each message once, in send order"
    assert [m["message_id"] for m in mine] == [a.message_id for a in acks]
    assert [m["sequence_number"] for m in history] == list(range(1, len(history) + 1))

    delivered = [e.message for e in seen if isinstance(e, MessageEvent)]
    expected = [m for m in history if m["sequence_number"] > start_seq]
    assert [m["message_id"] for m in delivered] == [m["message_id"] for m in expected], (
        "the watcher saw every message once, in the stored order"
    )
    assert {e.source for e in seen if isinstance(e, MessageEvent)} >= {"live", "replay"}


async def test_upload_and_download_through_s3(pg_clients: tuple[IncidentClient, IncidentClient]) -> None:
    alice, _ = pg_clients
    room = await alice.create_room("Label printer", incident_type="quality_issue", severity="low")
    uploaded = await alice.upload_file(room["room_id"], PNG, filename="label.png")
    fetched = await alice.get_file(room["room_id"], uploaded["file_id"])
    assert await alice.download(fetched) == PNG
