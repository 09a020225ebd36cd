"""Three incidentd processes behind nginx on one PostgreSQL, tested through the Python client (scripts/gates/cluster.sh).

What a user would notice, through nginx (CLUSTER_URL) and, where a check needs one process, on that process's own
port (CLUSTER_PREFIX/processes: "index port pid" lines):
  1. members of one room spread over the processes all get every message, in the same gap-free order;
  2. resume across processes: dropped from one process, resumed on another, nothing lost, nothing twice;
  3. kill -9 of one process while 20 senders send: its clients reconnect through nginx and resume; every
     acknowledged message is stored once and delivered to everyone once; a retried client_id is stored once;
  4. presence: the online lists of all processes agree; the killed process's users leave within 30 s (+ slack);
  5. pg_terminate_backend of one process's LISTEN connection: it reconnects; its live clients miss nothing;
  6. logout on one process closes that token's sockets on the others within a second.
Prints the worst gap in delivery seen while the process died. Exits non-zero on the first failed check.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from typing import Any

import websockets

from incident_rooms import (
    ConnectionStopped,
    IncidentClient,
    MessageEvent,
    Presence,
    RoomConnection,
)
from incident_rooms.connection import Backoff

URL = os.environ["CLUSTER_URL"]
PREFIX = os.environ["CLUSTER_PREFIX"]
DATABASE_URL = os.environ["CLUSTER_DATABASE_URL"]
PRESENCE_EXPIRY = 30.0
PROCESSES = [
    (int(i), int(port), int(pid))
    for i, port, pid in (line.split() for line in open(os.path.join(PREFIX, "processes")) if line.strip())
]
FAST = Backoff(initial=0.2, maximum=1.0)


def check(condition: bool, what: str) -> None:
    if not condition:
        print(f"cluster: FAILED: {what}", flush=True)
        sys.exit(1)
    print(f"cluster: ok: {what}", flush=True)


def direct(index: int) -> str:
    return f"http://127.0.0.1:{PROCESSES[index - 1][1]}"


async def eventually(predicate: Any, timeout: float, what: str, interval: float = 0.1) -> float:
    """Waits for an async predicate; returns the seconds it took, fails the gate after `timeout`."""
    started = time.monotonic()
    while True:
        if await predicate():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            check(False, f"{what} (after {timeout:.0f} s)")
        await asyncio.sleep(interval)


class Member:
    """A member's live connection through nginx, recording every message event it is given."""

    def __init__(self, client: IncidentClient, room_id: str) -> None:
        self.client = client
        self.connection = RoomConnection(client, room_id, backoff=FAST)
        self.sequences: list[int] = []
        self.arrivals: list[float] = []
        self.sources: dict[int, str] = {}
        self.presence: list[Presence] = []
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.connection.__aenter__()
        await self.connection.wait_open(timeout=15)
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for event in self.connection:
                if isinstance(event, MessageEvent):
                    self.sequences.append(event.message["sequence_number"])
                    self.arrivals.append(time.monotonic())
                    self.sources[event.message["sequence_number"]] = event.source
                elif isinstance(event, Presence):
                    self.presence.append(event)
        except ConnectionStopped:
            pass

    async def stop(self) -> None:
        await self.connection.close()
        if self.task:
            self.task.cancel()


async def login(base: str, name: str) -> IncidentClient:
    client = IncidentClient(base)
    await client.login(name, "bench")
    return client


def gap_free(sequences: list[int]) -> bool:
    return all(b == a + 1 for a, b in zip(sequences, sequences[1:]))


async def sessions_on(index: int) -> int:
    async with IncidentClient(direct(index)) as client:
        text = await client.metrics()
    found = re.search(r"^incident_websocket_sessions\S*\s+([0-9.]+)", text, re.M)
    return int(float(found.group(1))) if found else 0


def psql(sql: str) -> str:
    return subprocess.run(
        ["psql", DATABASE_URL, "-XAtqc", sql], check=True, capture_output=True, text=True
    ).stdout.strip()


async def main() -> None:
    check(len(PROCESSES) == 3, "three processes behind nginx")
    owner = await login(URL, "bench1")
    room = await owner.create_room("Press 4 hydraulic leak", incident_type="equipment_failure", severity="high")
    room_id = room["room_id"]
    names = [f"bench{n}" for n in range(2, 36)]
    clients = {name: await login(URL, name) for name in names}
    for name in names:
        await owner.add_member(room_id, f"{name}@example.com", "EDITOR")

    # 1. Nine members through nginx (round robin: three on each process), 3 senders over REST.
    members = [Member(clients[f"bench{n}"], room_id) for n in range(2, 11)]
    for member in members:
        await member.start()
    counts = [await sessions_on(i) for i in (1, 2, 3)]
    check(all(c > 0 for c in counts), f"the members are spread over the processes (sockets {counts})")
    senders = [clients[f"bench{n}"] for n in (11, 12, 13)]
    sent = await asyncio.gather(
        *(s.send_message(room_id, f"step {k} from {i}") for i, s in enumerate(senders) for k in range(10))
    )
    top = max(m["sequence_number"] for m in sent)

    async def all_reached(target: int) -> bool:
        return all(m.sequences and m.sequences[-1] >= target for m in members)

    await eventually(lambda: all_reached(top), 20, "every member gets the 30 messages")
    first = members[0].sequences
    check(all(m.sequences == first for m in members), "every member got the same messages in the same order")
    check(all(gap_free(m.sequences) for m in members), "without gaps or repeats")

    # 2. Resume across processes: connected to process 1, dropped, resumed on process 3.
    async with IncidentClient(direct(1), token=clients["bench14"].token) as on_first:
        first_socket = RoomConnection(on_first, room_id, backoff=FAST)
        await first_socket.__aenter__()
        await first_socket.wait_open(timeout=10)
        await eventually(lambda: _true(first_socket.last_seq is not None), 10, "the socket on process 1 opened")
        resume_from = first_socket.last_seq
        await first_socket.close()
    more = [await senders[0].send_message(room_id, f"while away {k}") for k in range(5)]
    async with IncidentClient(direct(3), token=clients["bench14"].token) as on_third:
        resumed = RoomConnection(on_third, room_id, last_seq=resume_from, backoff=FAST)
        got: list[int] = []

        async def read_resumed() -> None:
            async for event in resumed:
                if isinstance(event, MessageEvent):
                    got.append(event.message["sequence_number"])

        await resumed.__aenter__()
        reader = asyncio.create_task(read_resumed())
        target = more[-1]["sequence_number"]
        await eventually(lambda: _true(bool(got) and got[-1] >= target), 10, "the resume on process 3 catches up")
        check(got == list(range(resume_from + 1, target + 1)), "resumed on another process: nothing lost, nothing twice")
        await resumed.close()
        reader.cancel()

    # 4a. Presence witnesses: two members connected straight to process 2 (no reconnect), then the lists agree.
    witnesses = []
    for name in ("bench30", "bench31"):
        ws = await websockets.connect(
            f"ws://127.0.0.1:{PROCESSES[1][1]}/ws/{room_id}?token={clients[name].token}", open_timeout=10
        )
        witnesses.append(ws)
    expected = {f"bench{n}@example.com" for n in range(2, 11)} | {"bench30@example.com", "bench31@example.com"}

    async def lists_agree() -> bool:
        lists = []
        for i in (1, 2, 3):
            async with IncidentClient(direct(i), token=owner.token) as c:
                lists.append({u["user_id"] for u in await c.online(room_id)})
        return all(s == lists[0] for s in lists) and expected <= lists[0]

    await eventually(lists_agree, 10, "the online lists of the three processes agree")

    # 3. Twenty senders on sockets through nginx; kill -9 of process 2 a second into it.
    sender_members = [Member(clients[f"bench{n}"], room_id) for n in range(11, 31) if n != 30]
    sender_members.append(Member(clients["bench32"], room_id))
    for s in sender_members:
        await s.start()
    check(len(sender_members) == 20, "twenty senders connected")
    outgoing = []
    killed_at = 0.0

    async def send_all(member: Member, index: int) -> None:
        for k in range(15):
            outgoing.append(member.connection.send(f"burst {index}.{k}"))
            await asyncio.sleep(0.1)

    async def kill_second() -> None:
        nonlocal killed_at
        await asyncio.sleep(1.0)
        os.kill(PROCESSES[1][2], signal.SIGKILL)
        killed_at = time.monotonic()

    await asyncio.gather(*(send_all(m, i) for i, m in enumerate(sender_members)), kill_second())
    for s in sender_members:
        await s.connection.flush(timeout=60)
    acks = [await entry for entry in outgoing]
    check(len(acks) == 300, "every one of the 300 messages was acknowledged")
    # A message retried by hand with the same client_id (as after a lost answer) is stored once.
    client_id = "retry-after-kill-1"
    once = await senders[1].send_message(room_id, "retried", client_id=client_id, retries=3)
    again = await senders[1].send_message(room_id, "retried", client_id=client_id, retries=3)
    check(once["message_id"] == again["message_id"], "a retried client_id is stored once")

    last = again["sequence_number"]
    everyone = members + sender_members
    await eventually(
        lambda: _true(all(m.sequences and m.sequences[-1] >= last for m in everyone)), 60,
        "every member reaches the last message after the kill",
    )
    stored: list[dict[str, Any]] = []
    async for message in owner.iter_messages(room_id):
        stored.append(message)
    ids = [m["client_id"] for m in stored if m.get("client_id")]
    check(len(ids) == len(set(ids)), f"every client_id is stored once ({len(ids)} with one)")
    stored_seqs = {m["sequence_number"] for m in stored}
    check({a.sequence_number for a in acks} <= stored_seqs, "every acknowledged message is stored")
    for m in everyone:
        tail = [s for s in m.sequences if s > top]
        if not (gap_free(m.sequences) and len(tail) == len(set(tail)) and {a.sequence_number for a in acks} <= set(tail)):
            check(False, f"a member got every acknowledged message exactly once (sequences {m.sequences[-5:]})")
    check(True, "every member got every acknowledged message exactly once, in order")
    worst = 0.0
    for m in everyone:
        times = [t for t in m.arrivals if t >= killed_at - 1.0]
        worst = max([worst] + [b - a for a, b in zip(times, times[1:])])
    print(f"cluster: worst gap in delivery around the kill: {worst * 1000:.0f} ms", flush=True)

    # 5. The LISTEN connection of process 1 is terminated; messages sent meanwhile from process 3 still arrive.
    listener_ports = set()
    ss = subprocess.run(["ss", "-tnpH"], capture_output=True, text=True).stdout
    for line in ss.splitlines():
        if f"pid={PROCESSES[0][2]}," in line:
            local = line.split()[3]
            listener_ports.add(int(local.rsplit(":", 1)[1]))
    ports = ",".join(str(p) for p in listener_ports) or "0"
    terminated = psql(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        f"WHERE application_name LIKE 'incidentd listen%' AND client_port IN ({ports})"
    )
    check(terminated == "1", "process 1's LISTEN connection was terminated")
    async with IncidentClient(direct(3), token=senders[2].token) as on_third:
        during = [await on_third.send_message(room_id, f"while relistening {k}") for k in range(10)]
    target = during[-1]["sequence_number"]
    await eventually(
        lambda: _true(all(m.sequences and m.sequences[-1] >= target for m in everyone)), 15,
        "after the LISTEN connection broke, every member got the messages sent meanwhile",
    )
    check(all(gap_free(m.sequences) for m in everyone), "still without gaps or repeats")
    during_seqs = [m["sequence_number"] for m in during]
    check(
        all(m.sources.get(seq) == "live" for m in everyone for seq in during_seqs),
        "every one of them arrived live (the process caught up itself; no client had to fill a gap)",
    )

    # 6. Logout on one process closes the token's sockets on the others within a second.
    victim = clients["bench33"]
    sockets = []
    for i in (1, 3):
        sockets.append(
            await websockets.connect(f"ws://127.0.0.1:{PROCESSES[i - 1][1]}/ws/{room_id}?token={victim.token}")
        )
    for ws in sockets:
        await asyncio.wait_for(_until_connected(ws), 10)
    started = time.monotonic()
    async with IncidentClient(direct(1), token=victim.token) as on_first:
        await on_first.logout()
    for ws in sockets:
        try:
            await asyncio.wait_for(_drain(ws), 1.5)
        except TimeoutError:
            check(False, "logout closed the sockets on every process within a second")
    took = time.monotonic() - started
    check(took < 1.0 + 0.3, f"logout closed the sockets on both processes in {took * 1000:.0f} ms")

    # 6b. Removing a member on process 1 closes their socket on process 3 within a second.
    removed = clients["bench34"]
    ws = await websockets.connect(f"ws://127.0.0.1:{PROCESSES[2][1]}/ws/{room_id}?token={removed.token}")
    await asyncio.wait_for(_until_connected(ws), 10)
    started = time.monotonic()
    async with IncidentClient(direct(1), token=owner.token) as on_first:
        await on_first.remove_member(room_id, "bench34@example.com")
    try:
        await asyncio.wait_for(_drain(ws), 1.5)
    except TimeoutError:
        check(False, "removing a member closed their socket on another process within a second")
    took = time.monotonic() - started
    check(took < 1.3, f"removing a member closed their socket on another process in {took * 1000:.0f} ms")

    # 4b. The killed process's own users (the witnesses) leave within the documented expiry.
    async def witnesses_gone() -> bool:
        for i in (1, 3):
            async with IncidentClient(direct(i), token=owner.token) as c:
                online = {u["user_id"] for u in await c.online(room_id)}
            if online & {"bench30@example.com", "bench31@example.com"}:
                return False
        return True

    await eventually(witnesses_gone, PRESENCE_EXPIRY + 8 - (time.monotonic() - killed_at), "the killed process's users leave")
    left_after = time.monotonic() - killed_at
    check(left_after <= PRESENCE_EXPIRY + 5, f"the killed process's users left {left_after:.1f} s after the kill")
    await eventually(
        lambda: _true(
            {p.user_id for p in members[0].presence if p.event == "user_left"}
            >= {"bench30@example.com", "bench31@example.com"}
        ),
        5, "and user_left was announced for them",
    )
    for m in everyone:
        await m.stop()
    print("cluster: all checks passed", flush=True)


async def _true(value: bool) -> bool:
    return value


async def _until_connected(ws: Any) -> None:
    while True:
        if json.loads(await ws.recv()).get("type") == "connected":
            return


async def _drain(ws: Any) -> None:
    try:
        while True:
            await ws.recv()
    except websockets.ConnectionClosed:
        return


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(), 200))
