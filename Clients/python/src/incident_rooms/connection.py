"""Live connections that reconnect without loss: :class:`RoomConnection` (``/ws/{room_id}``) and
:class:`NotificationConnection` (``/ws/notifications``).

The rules (docs/CLIENTS.md tells them for users):

- After any drop the connection opens again after 1, 2, 4, 8, 16, 30, 30 ... s (each step drawn from 3/4 to all of
  it, so that a plant's clients do not all come back in the same instant); a connection that got as far as the
  service's first event starts again from 1 s. A 429 or 503 with ``Retry-After`` waits at least that long.
- A room connection keeps the highest ``sequence_number`` and ``rev`` it has seen and resumes with ``last_seq`` and
  ``last_rev``. A message whose number is not the last + 1 is a gap: the missing ones are loaded over REST
  (``after_seq``) before it is delivered. A ``sync_complete`` with ``truncated`` loads the rest of the history over
  REST as well. Every message reaches the caller once, in sequence order.
- Messages sent with :meth:`RoomConnection.send` go into a queue: one at a time, each with its ``client_id``, after
  the resume's replay is complete; a message stays in the queue until its ``ack`` (or its own copy in the stream)
  arrives, and goes out again after a reconnect with the same ``client_id``, which the service stores only once.
- 401, 403 or 404 on the upgrade, or close code 1008, stop the connection: its iterator raises
  :class:`ConnectionStopped` and the messages still queued fail with it. It never loops on a refused token.
- A frame the client cannot read becomes a :class:`MalformedEvent`; the connection goes on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Literal

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from .client import IncidentClient, _segment, message_body, new_client_id
from .errors import ApiError, ConnectionStopped, MessageRefused
from .events import (
    Ack,
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
    NotificationRead,
    Ping,
    ReactionsUpdated,
    ServerError,
    SyncComplete,
    UnreadSync,
    Malformed,
    parse_notification_event,
    parse_room_event,
    validate_message,
)
from .models import Message, MessageType, Readings

__all__ = ["Backoff", "OutgoingMessage", "RoomConnection", "NotificationConnection"]

log = logging.getLogger("incident_rooms")

#: Frames larger than this from the service close the socket (a replayed message with 100 KB of readings fits).
_MAX_FRAME = 16 * 1024 * 1024
#: The service closes a socket on a client frame over 1 MiB; the queue refuses such a message up front.
_MAX_OUTGOING = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Backoff:
    """The waits between attempts: ``initial`` doubled per failed attempt up to ``maximum``, each drawn from
    ``(1 - jitter)`` to all of the step."""

    initial: float = 1.0
    maximum: float = 30.0
    jitter: float = 0.25

    def step(self, attempt: int) -> float:
        """The undrawn wait before attempt ``attempt + 1`` (0 -> 1 s, 1 -> 2 s, ... capped at ``maximum``)."""
        return min(self.maximum, self.initial * 2.0 ** min(attempt, 60))

    def delay(self, attempt: int) -> float:
        step = self.step(attempt)
        return step * random.uniform(1.0 - self.jitter, 1.0)


class _Stop:
    """The end of the event stream: ``error`` is raised by the iterator, None ends it quietly."""

    def __init__(self, error: ConnectionStopped | None) -> None:
        self.error = error


class _StopConnecting(Exception):
    def __init__(self, error: ConnectionStopped) -> None:
        super().__init__(str(error))
        self.error = error


def _consume(future: asyncio.Future[Any]) -> None:
    """Marks a future's exception as seen, so an OutgoingMessage nobody awaits logs no warning."""
    if not future.cancelled():
        future.exception()


class OutgoingMessage:
    """A message in a room connection's queue. ``await`` it for its :class:`Ack` (raises :class:`MessageRefused`
    when the service refused it, :class:`ConnectionStopped` when the connection gave up first)."""

    def __init__(self, client_id: str, body: dict[str, Any]) -> None:
        self.client_id = client_id
        self.body = body
        self.state: Literal["queued", "sent", "acked", "refused", "failed"] = "queued"
        #: How often it was written to a socket (more than once after a drop: the service stores it once).
        self.attempts = 0
        self.future: asyncio.Future[Ack] = asyncio.get_running_loop().create_future()
        self.future.add_done_callback(_consume)
        self._answered = asyncio.Event()
        self._retry_at = 0.0

    @property
    def done(self) -> bool:
        return self.future.done()

    def __await__(self) -> Generator[Any, None, Ack]:
        return asyncio.shield(self.future).__await__()

    def _settle(self, state: Literal["acked", "refused", "failed"], ack: Ack | None, error: Exception | None) -> None:
        if self.future.done():
            return
        self.state = state
        if ack is not None:
            self.future.set_result(ack)
        elif error is not None:
            self.future.set_exception(error)
        self._answered.set()

    def __repr__(self) -> str:
        return f"OutgoingMessage(client_id={self.client_id!r}, state={self.state!r}, attempts={self.attempts})"


class _ReconnectingSocket:
    """What both sockets share: the attempt loop, its stop rules, and the event buffer."""

    def __init__(
        self,
        client: IncidentClient,
        *,
        backoff: Backoff | None,
        open_timeout: float,
        ping_interval: float | None,
        max_buffered_events: int,
    ) -> None:
        self.client = client
        self.backoff = backoff or Backoff()
        self.open_timeout = open_timeout
        self.ping_interval = ping_interval
        self.max_buffered_events = max_buffered_events
        #: Events dropped because nobody read them and the buffer was full.
        self.dropped_events = 0
        #: Frames that could not be read (each also delivered as a MalformedEvent).
        self.malformed_events = 0
        #: Sockets opened so far (1 after the first connect, more after reconnects).
        self.connections = 0
        self.stopped: ConnectionStopped | None = None
        self._queue: deque[Event | _Stop] = deque()
        self._queue_changed = asyncio.Event()
        self._iteration_ended = False
        self._task: asyncio.Task[None] | None = None
        self._ws: ClientConnection | None = None
        self._closing = False
        self._background: set[asyncio.Task[Any]] = set()
        self._open = asyncio.Event()
        self._got_event = False

    # MARK: Life cycle

    async def __aenter__(self) -> _ReconnectingSocket:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def start(self) -> None:
        """Starts connecting in the background (``async with`` does it)."""
        if self._task is None and not self._closing:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"{type(self).__name__}")

    @property
    def is_open(self) -> bool:
        """A socket is open and in sync (a resume's replay is complete)."""
        return self._open.is_set()

    async def wait_open(self, timeout: float | None = None) -> None:
        """Waits until a socket is open and in sync; raises :class:`ConnectionStopped` if the connection stopped."""
        async def wait() -> None:
            while not self._open.is_set():
                if self.stopped is not None:
                    raise self.stopped
                waiter = asyncio.ensure_future(self._open.wait())
                try:
                    await asyncio.wait({waiter}, timeout=0.2)
                finally:
                    waiter.cancel()

        await asyncio.wait_for(wait(), timeout)

    async def close(self) -> None:
        """Closes the socket for good; the iterator ends after the events already received."""
        if self._closing:
            return
        self._closing = True
        ws = self._ws
        if ws is not None:
            try:
                await asyncio.wait_for(ws.close(1000, "closed by the client"), 5)
            except Exception:  # noqa: BLE001 - the socket may already be gone
                pass
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except BaseException:  # noqa: BLE001 - cancelled or already failed: either way it is over
                pass
        for task in list(self._background):
            task.cancel()
        self._closed(ConnectionStopped(0, "closed", "the connection was closed by the caller"))
        self._push(_Stop(None))

    # MARK: Events

    def __aiter__(self) -> _ReconnectingSocket:
        return self

    async def __anext__(self) -> Event:
        while True:
            if self._queue:
                item = self._queue.popleft()
                if isinstance(item, _Stop):
                    self._iteration_ended = True
                    self._queue.appendleft(item)
                    if item.error is not None:
                        raise item.error
                    raise StopAsyncIteration
                return item
            self._queue_changed.clear()
            await self._queue_changed.wait()

    async def next_event(self, timeout: float | None = None) -> Event:
        """The next event, waiting at most ``timeout`` seconds (``TimeoutError``)."""
        return await asyncio.wait_for(self.__anext__(), timeout)

    def _push(self, item: Event | _Stop) -> None:
        if isinstance(item, MalformedEvent):
            self.malformed_events += 1
            log.warning("incident_rooms: skipped an event that could not be read: %s", item.reason)
        if self._queue and isinstance(self._queue[-1], _Stop):
            return
        if not isinstance(item, _Stop) and len(self._queue) >= self.max_buffered_events:
            self._queue.popleft()
            self.dropped_events += 1
            if self.dropped_events == 1:
                log.warning("incident_rooms: events are not being read; dropping the oldest")
        self._queue.append(item)
        self._queue_changed.set()

    # MARK: The attempt loop

    def _url(self) -> str:
        raise NotImplementedError

    async def _session(self, ws: ClientConnection) -> None:
        raise NotImplementedError

    def _closed(self, error: ConnectionStopped) -> None:
        """The connection stopped for good (subclasses fail what waits)."""

    def _spawn(self, coroutine: Any) -> None:
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _run(self) -> None:
        attempt = 0
        try:
            while not self._closing:
                try:
                    reason, close_code, retry_after, established = await self._attempt()
                except (_StopConnecting, asyncio.CancelledError):
                    raise
                except Exception as error:  # noqa: BLE001 - a bug here must not end the connection silently
                    log.exception("incident_rooms: unexpected error in the connection")
                    reason, close_code, retry_after, established = f"internal error: {error!r}", None, None, False
                if self._closing:
                    return
                if established:
                    attempt = 0
                delay = max(self.backoff.delay(attempt), retry_after or 0.0)
                attempt += 1
                log.info("incident_rooms: %s; reconnecting in %.1f s", reason, delay)
                self._push(Disconnected(reason, close_code, round(delay, 3), attempt))
                await asyncio.sleep(delay)
        except _StopConnecting as stop:
            self.stopped = stop.error
            log.warning("incident_rooms: connection stopped: %s", stop.error)
            self._closed(stop.error)
            self._push(_Stop(stop.error))

    async def _attempt(self) -> tuple[str, int | None, float | None, bool]:
        """One socket: (why it ended, close code, Retry-After, whether it got as far as the first event)."""
        url = self._url()
        try:
            ws = await connect(
                url,
                additional_headers=self.client.auth_headers(),
                open_timeout=self.open_timeout,
                ping_interval=self.ping_interval,
                ping_timeout=self.ping_interval,
                close_timeout=5,
                compression=None,
                max_size=_MAX_FRAME,
                user_agent_header="incident-rooms-python/1.0",
            )
        except InvalidStatus as refused:
            status = refused.response.status_code
            code, message = _error_body(refused.response.body)
            if status in (401, 403, 404):
                raise _StopConnecting(ConnectionStopped(status, code or f"http_{status}", message or "upgrade refused"))
            retry = _seconds(refused.response.headers.get("Retry-After"))
            return f"upgrade refused with {status} {code or ''}".strip(), None, retry, False
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as error:
            return f"cannot connect: {error or type(error).__name__}", None, None, False
        self._ws = ws
        self.connections += 1
        self._got_event = False
        close_code: int | None = None
        reason = "connection lost"
        try:
            await self._session(ws)
            reason = "session ended"
        except ConnectionClosed as closed:
            frame = closed.rcvd
            close_code = frame.code if frame is not None else None
            text = frame.reason if frame is not None else ""
            reason = f"closed by the service ({close_code}{': ' + text if text else ''})" if close_code else "connection lost"
            if close_code == 1008:
                # 1008: the token expired or was revoked (logout), or the member was removed from the room.
                removed = "removed" in text.lower() or "member" in text.lower()
                code = "forbidden" if removed else "unauthorized"
                raise _StopConnecting(
                    ConnectionStopped(0, code, text or "the service ended the session (1008)", close_code=1008)
                ) from None
        except ApiError as error:
            # A REST call of the session (a gap fill) failed: open again and resume from where we are.
            reason = f"REST call failed: {error}"
        finally:
            self._ws = None
            self._open.clear()
            try:
                await asyncio.wait_for(ws.close(), 5)
            except Exception:  # noqa: BLE001
                pass
        return reason, close_code, None, self._got_event


def _error_body(body: bytes | bytearray | None) -> tuple[str | None, str | None]:
    try:
        data = json.loads(bytes(body or b"{}"))
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict):
            code, message = error.get("code"), error.get("message")
            return (code if isinstance(code, str) else None, message if isinstance(message, str) else None)
    except ValueError:
        pass
    return None, None


def _seconds(header: str | None) -> float | None:
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None


class RoomConnection(_ReconnectingSocket):
    """A room's live events, with resume, gap filling and an offline queue.

    ``async with RoomConnection(client, room_id) as room:`` connects in the background; ``async for event in
    room`` yields the events (``MessageEvent``, ``MessageEdited``, ..., and the client's own ``Disconnected``,
    ``GapFilled``, ``MalformedEvent``). Without ``last_seq`` the first socket starts at the room's current end (load
    earlier history over REST); with it, the first socket already resumes from there.

    Events that nobody reads are buffered up to ``max_buffered_events`` (the oldest are dropped beyond that).
    """

    def __init__(
        self,
        client: IncidentClient,
        room_id: str,
        *,
        last_seq: int | None = None,
        last_rev: int | None = None,
        backoff: Backoff | None = None,
        open_timeout: float = 10.0,
        ping_interval: float | None = 20.0,
        ack_timeout: float = 30.0,
        typing_interval: float = 2.0,
        max_buffered_events: int = 10_000,
    ) -> None:
        super().__init__(
            client,
            backoff=backoff,
            open_timeout=open_timeout,
            ping_interval=ping_interval,
            max_buffered_events=max_buffered_events,
        )
        self.room_id = room_id
        self._last_seq = last_seq
        self._last_rev = last_rev
        self.ack_timeout = ack_timeout
        self.typing_interval = typing_interval
        #: From the service's ``connected`` event.
        self.user_id: str | None = None
        self.role: str | None = None
        self._outbox: list[OutgoingMessage] = []
        #: Messages that were still waiting when the connection stopped (or was closed): ``requeue`` them on a new
        #: connection after signing in again.
        self.unsent: list[OutgoingMessage] = []
        self._wakeup = asyncio.Event()
        self._read_wanted = 0
        self._read_sent = 0
        self._typing_sent_at: float | None = None

    async def __aenter__(self) -> RoomConnection:
        self.start()
        return self

    def __aiter__(self) -> RoomConnection:
        return self

    @property
    def last_seq(self) -> int | None:
        """The highest sequence number delivered (None before the first connect)."""
        return self._last_seq

    @property
    def last_rev(self) -> int | None:
        """The room revision this connection is in sync with (None before the first connect)."""
        return self._last_rev

    @property
    def pending(self) -> list[OutgoingMessage]:
        """The messages not yet acknowledged, in order."""
        return [entry for entry in self._outbox if not entry.done]

    # MARK: Sending

    def send(
        self,
        content: str | Readings,
        *,
        message_type: MessageType | None = None,
        metadata: dict[str, Any] | None = None,
        mentions: list[str] | None = None,
        file_id: str | None = None,
        client_id: str | None = None,
    ) -> OutgoingMessage:
        """Queues a message (sent now when connected, else after the reconnect); ``await`` the result for its ack.

        ``content`` is text, or a dict of readings for ``incident_data``. Raises ``ValueError`` for a message the
        service could never accept on a socket (over 1 MiB) and :class:`ConnectionStopped` after the connection
        stopped.
        """
        if self.stopped is not None:
            raise self.stopped
        if self._closing:
            raise ConnectionStopped(0, "closed", "the connection was closed by the caller")
        client_id = client_id or new_client_id()
        body = message_body(content, message_type, metadata, mentions, file_id, client_id)
        if len(json.dumps({"type": "message", **body}, ensure_ascii=False).encode()) > _MAX_OUTGOING:
            raise ValueError("the message is over 1 MiB, the largest frame the service accepts")
        entry = OutgoingMessage(client_id, body)
        self._outbox.append(entry)
        if self._typing_sent_at is not None:
            self.stop_typing()
        self._wakeup.set()
        return entry

    async def flush(self, timeout: float | None = None) -> None:
        """Waits until every queued message is acknowledged or refused (``TimeoutError`` after ``timeout``)."""
        futures = [entry.future for entry in self.pending]
        if futures:
            await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), timeout)

    def typing(self) -> None:
        """Call on every keystroke: tells the room at most once every ``typing_interval`` s (the service clears
        the state 3 s after the last one). Nothing is sent while disconnected."""
        now = time.monotonic()
        if self._typing_sent_at is not None and now - self._typing_sent_at < self.typing_interval:
            return
        if self._send_now({"type": "typing", "is_typing": True}):
            self._typing_sent_at = now

    def stop_typing(self) -> None:
        """Tells the room at once that the user stopped typing (if they were)."""
        if self._typing_sent_at is None:
            return
        self._typing_sent_at = None
        self._send_now({"type": "typing", "is_typing": False})

    def mark_read(self, sequence_number: int) -> None:
        """Moves the read marker (API revision 2); sent now, or after the reconnect. Markers only move forward."""
        if sequence_number > self._read_wanted:
            self._read_wanted = sequence_number
            self._wakeup.set()

    def ping(self) -> None:
        """An application ping; the ``Pong`` event answers it."""
        self._send_now({"type": "ping"})

    def _send_now(self, event: dict[str, Any]) -> bool:
        ws = self._ws
        if ws is None or not self._open.is_set():
            return False

        async def write() -> None:
            try:
                await ws.send(json.dumps(event))
            except ConnectionClosed:
                pass

        self._spawn(write())
        return True

    def requeue(self, entries: list[OutgoingMessage]) -> list[OutgoingMessage]:
        """Queues messages of a stopped connection (its :attr:`unsent`) again, with their ``client_id``: after a
        new login, a new connection delivers them, and one that was stored already is not stored twice."""
        queued = []
        for old in entries:
            if self.stopped is not None:
                raise self.stopped
            entry = OutgoingMessage(old.client_id, dict(old.body))
            self._outbox.append(entry)
            queued.append(entry)
        self._wakeup.set()
        return queued

    def _closed(self, error: ConnectionStopped) -> None:
        for entry in self._outbox:
            if not entry.done:
                self.unsent.append(entry)
            entry._settle("failed", None, error)
        self._outbox = [entry for entry in self._outbox if not entry.done]

    # MARK: The session

    def _url(self) -> str:
        query: dict[str, object] = {}
        if self._last_seq is not None:
            query["last_seq"] = self._last_seq
            if self._last_rev is not None:
                query["last_rev"] = self._last_rev
        return self.client.websocket_url(f"/ws/{_segment(self.room_id)}", query)

    async def _session(self, ws: ClientConnection) -> None:
        resuming = self._last_seq is not None
        in_sync = asyncio.Event()
        loop = asyncio.get_running_loop()
        reader = loop.create_task(self._read_loop(ws, resuming, in_sync))
        sender = loop.create_task(self._send_loop(ws, in_sync))
        try:
            done, _ = await asyncio.wait({reader, sender}, return_when=asyncio.FIRST_COMPLETED)
            if reader not in done:
                if sender.exception() is not None:
                    sender.result()
                await reader  # the sender closed the socket (no ack): the reader ends with the close
            reader.result()
        finally:
            reader.cancel()
            sender.cancel()
            for entry in self._outbox:
                if entry.state == "sent" and not entry.done:
                    entry.state = "queued"
                    entry._answered.set()
            self._typing_sent_at = None

    async def _read_loop(self, ws: ClientConnection, resuming: bool, in_sync: asyncio.Event) -> None:
        while True:
            raw = await ws.recv()
            self._got_event = True
            event = parse_room_event(raw)
            try:
                await self._handle(ws, event, resuming, in_sync)
            except (ConnectionClosed, ApiError, _StopConnecting):
                raise
            except Exception as error:  # noqa: BLE001 - an event the client cannot handle is reported, not fatal
                log.exception("incident_rooms: could not handle an event")
                text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
                self._push(MalformedEvent(text[:500], f"could not handle it: {error!r}"))

    async def _handle(self, ws: ClientConnection, event: Event, resuming: bool, in_sync: asyncio.Event) -> None:
        synced = in_sync.is_set()
        if isinstance(event, Connected):
            self.user_id, self.role = event.user_id, event.role
            if not resuming:
                self._last_seq = event.last_sequence_number
                self._last_rev = event.rev
            self._push(Connected(event.room_id, event.user_id, event.role, event.last_sequence_number, event.rev,
                                 event.online, resumed=resuming))
            if not resuming:
                self._synced(in_sync)
        elif isinstance(event, MessageEvent):
            await self._message(event.message, "live" if synced else "replay")
        elif isinstance(event, Ack):
            self._settle_ack(event)
            self._push(event)
        elif isinstance(event, (MessageEdited, MessagePinned, MessageUnpinned)):
            if synced:
                self._raise_rev(event.message["rev"])
            self._push(event)
        elif isinstance(event, (MessageDeleted, ReactionsUpdated)):
            if synced and event.rev is not None:
                self._raise_rev(event.rev)
            self._push(event)
        elif isinstance(event, SyncComplete):
            last = self._last_seq or 0
            complete = True
            if event.last_sequence_number > last:
                # The replay ends further than the messages that reached us: a frame was lost on the way.
                complete = await self._fill(last, event.last_sequence_number)
            if complete:
                self._last_rev = max(self._last_rev or 0, event.rev)
            else:
                self._push(MalformedEvent(
                    json.dumps({"type": "sync_complete", "last_sequence_number": event.last_sequence_number}),
                    f"sync_complete claims message {event.last_sequence_number}; the history ends at {self._last_seq}",
                ))
            if event.truncated:
                # The replay stopped at the service's bound: the rest of the history comes over REST.
                await self._fill(self._last_seq or 0, None)
            self._push(event)
            self._synced(in_sync)
        elif isinstance(event, Ping):
            await ws.send(json.dumps({"type": "pong"}))
        elif isinstance(event, ServerError):
            self._refused(event)
            self._push(event)
        else:
            self._push(event)

    def _synced(self, in_sync: asyncio.Event) -> None:
        in_sync.set()
        self._open.set()
        self._wakeup.set()

    def _raise_rev(self, rev: int) -> None:
        self._last_rev = max(self._last_rev or 0, rev)

    async def _message(self, message: Message, source: Literal["live", "replay", "rest"]) -> None:
        seq = message["sequence_number"]
        last = self._last_seq or 0
        if seq <= last:
            self._match_own(message)
            return
        if seq > last + 1 and self._last_seq is not None:
            known = await self._fill(last, seq - 1, confirm=True)
            if not known:
                # Not a stored message (the history ends before it): trusting its number would drop every real
                # message after it as a duplicate.
                self._push(MalformedEvent(
                    json.dumps(message, ensure_ascii=False)[:500],
                    f"message {seq} is not in the room's history, which ends at {self._last_seq}",
                ))
                return
        self._deliver(message, source)
        if source == "live":
            self._raise_rev(message["rev"])

    def _deliver(self, message: Message, source: Literal["live", "replay", "rest"]) -> None:
        self._last_seq = message["sequence_number"]
        self._match_own(message)
        self._push(MessageEvent(message, source))

    async def _fill(self, after: int, through: int | None, confirm: bool = False) -> bool:
        """Loads messages ``after + 1 .. through`` (or to the end) over REST and delivers them in order.

        Returns whether the history has them all (with ``confirm``: also message ``through + 1``). Numbers the
        history skips are reported in ``GapFilled.missing``; the position never moves past the history's end.
        """
        filled = 0
        seen: set[int] = set()
        beyond = False
        cursor = after
        stop = None if through is None else through + (1 if confirm else 0)
        while stop is None or cursor < stop:
            page = await self.client.messages(self.room_id, after_seq=cursor, limit=200)
            batch = page["messages"]
            for raw in batch:
                try:
                    message = validate_message(raw)
                except Malformed as error:
                    self._push(MalformedEvent(json.dumps(raw)[:500], f"REST message: {error}"))
                    continue
                seq = message["sequence_number"]
                if through is not None and seq > through:
                    beyond = True
                    break
                seen.add(seq)
                if seq > (self._last_seq or 0):
                    self._deliver(message, "rest")
                    filled += 1
            if beyond or not page["has_more"] or not batch:
                break
            next_cursor = batch[-1].get("sequence_number")
            if not isinstance(next_cursor, int) or next_cursor <= cursor:
                break
            cursor = next_cursor
        highest = max(seen, default=after)
        end = highest if through is None else min(through, highest if not beyond else through)
        span = range(after + 1, end + 1)
        missing = tuple(n for n in span[:10_000] if n not in seen)
        if end > (self._last_seq or 0):
            self._last_seq = end  # holes the history itself does not have cannot be filled
        if missing:
            log.warning("incident_rooms: messages %s of room %s could not be loaded", missing[:20], self.room_id)
        if filled or missing:
            self._push(GapFilled(after, end, filled, missing))
        complete = through is None or end >= through
        return complete and (beyond or not confirm)

    # MARK: The queue

    def _match_own(self, message: Message) -> None:
        client_id = message.get("client_id")
        if not client_id or message.get("sender_id") != self.user_id:
            return
        for entry in self._outbox:
            if entry.client_id == client_id and not entry.done:
                ack = Ack(client_id, message["message_id"], message["sequence_number"], message["created_at"])
                entry._settle("acked", ack, None)
        self._outbox = [entry for entry in self._outbox if not entry.done]

    def _settle_ack(self, ack: Ack) -> None:
        for entry in self._outbox:
            if entry.client_id == ack.client_id and not entry.done:
                entry._settle("acked", ack, None)
        self._outbox = [entry for entry in self._outbox if not entry.done]

    def _refused(self, error: ServerError) -> None:
        if error.client_id is None:
            return
        for entry in self._outbox:
            if entry.client_id != error.client_id or entry.done:
                continue
            if error.code == "rate_limited":
                # Kept at the head of the queue and sent again in a second: the order stays.
                entry.state = "queued"
                entry._retry_at = time.monotonic() + 1.0
                entry._answered.set()
            else:
                entry._settle("refused", None, MessageRefused(error.code, error.message, error.client_id, error.field))
        self._outbox = [entry for entry in self._outbox if not entry.done]

    async def _send_loop(self, ws: ClientConnection, in_sync: asyncio.Event) -> None:
        """Writes the queue one message at a time once the socket is in sync, waiting for each answer."""
        await in_sync.wait()
        while True:
            self._wakeup.clear()
            if self._read_wanted > self._read_sent:
                wanted = self._read_wanted
                await ws.send(json.dumps({"type": "read", "sequence_number": wanted}))
                self._read_sent = wanted
                continue
            entry = next((e for e in self._outbox if not e.done), None)
            if entry is None:
                await self._wakeup.wait()
                continue
            wait = entry._retry_at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            entry._answered.clear()
            entry.state = "sent"
            entry.attempts += 1
            await ws.send(json.dumps({"type": "message", **entry.body}, ensure_ascii=False))
            try:
                await asyncio.wait_for(entry._answered.wait(), self.ack_timeout)
            except TimeoutError:
                log.warning("incident_rooms: no ack for %s in %.0f s; reconnecting", entry.client_id, self.ack_timeout)
                entry.state = "queued"
                await ws.close(1011, "no ack")
                return


class NotificationConnection(_ReconnectingSocket):
    """The caller's notifications (``/ws/notifications``): ``UnreadSync`` on every (re)connect, then
    ``NotificationEvent`` as they happen, ``AnnouncementEvent`` for plant-wide notices. Same reconnect and stop
    rules as :class:`RoomConnection`; :meth:`mark_read` calls wait for the socket when it is down."""

    def __init__(
        self,
        client: IncidentClient,
        *,
        backoff: Backoff | None = None,
        open_timeout: float = 10.0,
        ping_interval: float | None = 20.0,
        max_buffered_events: int = 10_000,
    ) -> None:
        super().__init__(
            client,
            backoff=backoff,
            open_timeout=open_timeout,
            ping_interval=ping_interval,
            max_buffered_events=max_buffered_events,
        )
        self._marks: dict[str, bool] = {}
        self._wakeup = asyncio.Event()

    async def __aenter__(self) -> NotificationConnection:
        self.start()
        return self

    def __aiter__(self) -> NotificationConnection:
        return self

    def mark_read(self, notification_id: str) -> None:
        """Marks a notification read (answered by a ``NotificationRead`` event)."""
        self._marks.setdefault(notification_id, False)
        self._wakeup.set()

    def _url(self) -> str:
        return self.client.websocket_url("/ws/notifications")

    async def _session(self, ws: ClientConnection) -> None:
        for notification_id in self._marks:
            self._marks[notification_id] = False
        sender = asyncio.get_running_loop().create_task(self._send_loop(ws))
        try:
            while True:
                raw = await ws.recv()
                self._got_event = True
                event = parse_notification_event(raw)
                if isinstance(event, UnreadSync):
                    self._open.set()
                    self._wakeup.set()
                elif isinstance(event, NotificationRead):
                    self._marks.pop(event.notification_id, None)
                elif isinstance(event, Ping):
                    await ws.send(json.dumps({"type": "pong"}))
                    continue
                self._push(event)
        finally:
            sender.cancel()

    async def _send_loop(self, ws: ClientConnection) -> None:
        while True:
            self._wakeup.clear()
            if self._open.is_set():
                for notification_id, sent in list(self._marks.items()):
                    if not sent:
                        await ws.send(json.dumps({"type": "mark_read", "notification_id": notification_id}))
                        self._marks[notification_id] = True
            await self._wakeup.wait()

