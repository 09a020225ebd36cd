"""The REST client: every route of API.md (revision 2 included) as an ``async`` method of :class:`IncidentClient`."""

from __future__ import annotations

import asyncio
import email.utils
import json
import mimetypes
import os
import random
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import IO, Any, Literal, cast
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import httpx

from .errors import ApiError
from .models import (
    Announcement,
    CrossRoomSearchPage,
    EditRecord,
    File,
    IncidentType,
    LoginResult,
    Member,
    MentionPage,
    Message,
    MessagePage,
    MessageType,
    NotificationPage,
    OnlineUser,
    Person,
    ReadMarker,
    ReadReceipt,
    Readings,
    Role,
    Room,
    RoomPage,
    RoomStatus,
    SearchPage,
    Severity,
    TypingUser,
    User,
)

__all__ = ["IncidentClient", "new_client_id", "DEFAULT_URL"]

DEFAULT_URL = "http://127.0.0.1:8000"
_USER_AGENT = "incident-rooms-python/1.0"


def new_client_id() -> str:
    """A fresh ``client_id`` for a message: the service stores a message once per (user, room, client_id)."""
    return str(uuid.uuid4())


def _segment(value: str) -> str:
    """One path segment, escaped (ids are UUIDs, emoji and user ids are not)."""
    return quote(str(value), safe="")


def _retry_after(response: httpx.Response, details: Mapping[str, Any]) -> float | None:
    header = response.headers.get("Retry-After")
    if header:
        header = header.strip()
        try:
            return max(0.0, float(header))
        except ValueError:
            when = email.utils.parsedate_to_datetime(header) if header else None
            if when is not None:
                return max(0.0, when.timestamp() - time.time())
    value = details.get("retry_after")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return max(0.0, float(value))
    return None


def error_from_response(response: httpx.Response) -> ApiError:
    """API.md's error body as an :class:`ApiError`; an answer without one (a proxy's page) keeps its status."""
    code, message, details = f"http_{response.status_code}", response.reason_phrase or "request failed", {}
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        if isinstance(error.get("code"), str):
            code = error["code"]
        if isinstance(error.get("message"), str):
            message = error["message"]
        if isinstance(error.get("details"), dict):
            details = error["details"]
    elif response.text.strip():
        message = f"{message}: {response.text.strip()[:200]}"
    return ApiError(response.status_code, code, message, details, _retry_after(response, details))


def _object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(response.status_code, "invalid_response", f"the answer is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise ApiError(response.status_code, "invalid_response", "the answer is not a JSON object")
    return body


def _list(body: dict[str, Any], key: str, status: int = 200) -> list[Any]:
    value = body.get(key)
    if not isinstance(value, list):
        raise ApiError(status, "invalid_response", f"the answer has no list {key!r}")
    return value


def _params(**values: object) -> dict[str, str]:
    """Query parameters, leaving out None; booleans as true/false."""
    out: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        out[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return out


class IncidentClient:
    """The REST API of one incidentd.

    ``base_url`` is the service's address (``http://host:8000``); ``token`` a token from :meth:`login` (or from
    ``incident-rooms login``). Use it as an ``async with`` block, or call :meth:`aclose` when done. Every method
    raises :class:`ApiError` on failure: an error answer of the service, ``network_error`` when it cannot be
    reached, ``timeout``, or ``invalid_response``.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
        self.token = token
        #: The signed-in user, once :meth:`login` or :meth:`me` answered.
        self.user: User | None = None
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": _USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,
        )

    async def __aenter__(self) -> IncidentClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # MARK: - Plumbing

    def websocket_url(self, path: str, query: Mapping[str, object] | None = None) -> str:
        """The ``ws://`` (or ``wss://``) URL of a socket path of this service."""
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        params = _params(**dict(query or {}))
        return urlunsplit((scheme, parts.netloc, parts.path + path, urlencode(params), ""))

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        files: Mapping[str, Any] | None = None,
        auth: bool = True,
        expect: tuple[int, ...] = (200,),
    ) -> httpx.Response:
        """One call; an answer with another status than ``expect`` becomes an :class:`ApiError`."""
        headers = self.auth_headers() if auth else {}
        content: bytes | None = None
        if json_body is not None:
            content = json.dumps(json_body, ensure_ascii=False, allow_nan=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            response = await self._http.request(
                method, path, params=params, content=content, files=files, headers=headers
            )
        except httpx.TimeoutException as error:
            raise ApiError(0, "timeout", f"{method} {path}: no answer in time ({type(error).__name__})") from error
        except httpx.TransportError as error:
            raise ApiError(0, "network_error", f"cannot reach {self.base_url}: {error or type(error).__name__}") from error
        if response.status_code not in expect:
            raise error_from_response(response)
        return response

    async def _get(self, path: str, **params: object) -> dict[str, Any]:
        return _object(await self.request("GET", path, params=_params(**params)))

    # MARK: - Authentication

    async def login(self, username: str, password: str) -> LoginResult:
        """Signs in (account name or e-mail); keeps the token for every later call."""
        response = await self.request(
            "POST", "/api/auth/login", json_body={"username": username, "password": password}, auth=False
        )
        body = _object(response)
        if not isinstance(body.get("token"), str):
            raise ApiError(response.status_code, "invalid_response", "the login answer has no token")
        self.token = body["token"]
        if isinstance(body.get("user"), dict):
            self.user = cast(User, body["user"])
        return cast(LoginResult, body)

    async def logout(self) -> None:
        """Revokes the token at once (REST and new sockets answer 401 from now on)."""
        await self.request("POST", "/api/auth/logout", expect=(204,))

    async def me(self) -> User:
        user = cast(User, await self._get("/api/auth/me"))
        self.user = user
        return user

    # MARK: - Rooms

    async def create_room(
        self,
        title: str,
        *,
        incident_type: IncidentType,
        severity: Severity,
        location: str | None = None,
        description: str | None = None,
        lots: list[str] | None = None,
    ) -> Room:
        """Opens an incident room; the caller becomes its OWNER."""
        body: dict[str, Any] = {"title": title, "incident_type": incident_type, "severity": severity}
        for name, value in (("location", location), ("description", description), ("lots", lots)):
            if value is not None:
                body[name] = value
        return cast(Room, _object(await self.request("POST", "/api/rooms", json_body=body, expect=(201,))))

    async def list_rooms(
        self,
        *,
        status: RoomStatus | None = None,
        incident_type: IncidentType | None = None,
        severity: Severity | None = None,
        q: str | None = None,
        unread: bool | None = None,
        sort: Literal["activity"] | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> RoomPage:
        """The rooms the caller is a member of (an admin: all). ``unread`` and ``sort`` are API revision 2."""
        body = await self._get(
            "/api/rooms",
            status=status,
            incident_type=incident_type,
            severity=severity,
            q=q,
            unread=True if unread else None,
            sort=sort,
            limit=limit,
            offset=offset,
        )
        _list(body, "rooms")
        return cast(RoomPage, body)

    async def iter_rooms(self, **filters: Any) -> AsyncIterator[Room]:
        """Every room matching the filters of :meth:`list_rooms`, page after page."""
        offset = 0
        while True:
            page = await self.list_rooms(limit=200, offset=offset, **filters)
            for room in page["rooms"]:
                yield room
            offset += len(page["rooms"])
            if not page["rooms"] or offset >= int(page.get("total", 0)):
                return

    async def get_room(self, room_id: str) -> Room:
        return cast(Room, await self._get(f"/api/rooms/{_segment(room_id)}"))

    async def update_room(
        self,
        room_id: str,
        *,
        title: str | None = None,
        severity: Severity | None = None,
        status: RoomStatus | None = None,
        location: str | None = None,
        description: str | None = None,
        lots: list[str] | None = None,
    ) -> Room:
        """Changes fields or the status (OWNER or admin); each change is posted to the room as a system message."""
        body = {
            name: value
            for name, value in (
                ("title", title),
                ("severity", severity),
                ("status", status),
                ("location", location),
                ("description", description),
                ("lots", lots),
            )
            if value is not None
        }
        response = await self.request("PATCH", f"/api/rooms/{_segment(room_id)}", json_body=body)
        return cast(Room, _object(response))

    async def resolve_room(self, room_id: str) -> Room:
        return await self.update_room(room_id, status="resolved")

    async def members(self, room_id: str) -> list[Member]:
        body = await self._get(f"/api/rooms/{_segment(room_id)}/members")
        return cast(list[Member], _list(body, "members"))

    async def add_member(self, room_id: str, user_id: str, role: Role = "EDITOR") -> Member:
        response = await self.request(
            "POST",
            f"/api/rooms/{_segment(room_id)}/members",
            json_body={"user_id": user_id, "role": role},
            expect=(200, 201),
        )
        return cast(Member, _object(response))

    async def update_member(self, room_id: str, user_id: str, role: Role) -> Member:
        response = await self.request(
            "PATCH", f"/api/rooms/{_segment(room_id)}/members/{_segment(user_id)}", json_body={"role": role}
        )
        return cast(Member, _object(response))

    async def remove_member(self, room_id: str, user_id: str) -> None:
        await self.request(
            "DELETE", f"/api/rooms/{_segment(room_id)}/members/{_segment(user_id)}", expect=(204,)
        )

    async def online(self, room_id: str) -> list[OnlineUser]:
        body = await self._get(f"/api/rooms/{_segment(room_id)}/online")
        return cast(list[OnlineUser], _list(body, "users"))

    async def typing_users(self, room_id: str) -> list[TypingUser]:
        body = await self._get(f"/api/rooms/{_segment(room_id)}/typing")
        return cast(list[TypingUser], _list(body, "users"))

    async def report(self, room_id: str) -> str:
        """The incident report as Markdown."""
        response = await self.request(
            "GET", f"/api/rooms/{_segment(room_id)}/report"
        )
        return response.text

    # MARK: - Messages

    async def messages(
        self,
        room_id: str,
        *,
        limit: int = 50,
        before: str | None = None,
        before_seq: int | None = None,
        after_seq: int | None = None,
        message_type: MessageType | None = None,
        mentions: str | None = None,
    ) -> MessagePage:
        """One page of history: newest first, or oldest first after ``after_seq`` (catch-up).

        ``mentions`` (``"me"`` or a user id, API revision 2) keeps the messages that mention that user.
        """
        body = await self._get(
            f"/api/rooms/{_segment(room_id)}/messages",
            limit=limit,
            before=before,
            before_seq=before_seq,
            after_seq=after_seq,
            message_type=message_type,
            mentions=mentions,
        )
        messages = _list(body, "messages")
        if not all(isinstance(m, dict) and isinstance(m.get("sequence_number"), int) for m in messages):
            raise ApiError(200, "invalid_response", "a message of the page has no sequence_number")
        if not isinstance(body.get("has_more"), bool):
            raise ApiError(200, "invalid_response", "the page has no has_more")
        return cast(MessagePage, body)

    async def iter_messages(
        self,
        room_id: str,
        *,
        after_seq: int = 0,
        message_type: MessageType | None = None,
        page_size: int = 200,
    ) -> AsyncIterator[Message]:
        """Every message after ``after_seq`` (all of them by default), oldest first, page after page."""
        after = after_seq
        while True:
            page = await self.messages(room_id, after_seq=after, limit=page_size, message_type=message_type)
            for message in page["messages"]:
                yield message
            if not page["has_more"] or not page["messages"]:
                return
            after = page["messages"][-1]["sequence_number"]

    async def get_message(self, room_id: str, message_id: str) -> Message:
        return cast(Message, await self._get(f"/api/rooms/{_segment(room_id)}/messages/{_segment(message_id)}"))

    async def send_message(
        self,
        room_id: str,
        content: str | Readings,
        *,
        message_type: MessageType | None = None,
        metadata: dict[str, Any] | None = None,
        mentions: list[str] | None = None,
        file_id: str | None = None,
        client_id: str | None = None,
        retries: int = 0,
    ) -> Message:
        """Posts a message (``incident_data`` when ``content`` is a dict of readings, else ``text``).

        Every call carries a ``client_id`` (a new one unless given), so it is stored once however often it is sent.
        With ``retries`` a retryable failure (no answer, 429, 503) is tried again that many times, waiting
        ``retry_after`` or 1, 2, 4 ... s, with the same ``client_id``.
        """
        body = message_body(content, message_type, metadata, mentions, file_id, client_id or new_client_id())
        attempt = 0
        while True:
            try:
                response = await self.request(
                    "POST", f"/api/rooms/{_segment(room_id)}/messages", json_body=body, expect=(200, 201)
                )
                return cast(Message, _object(response))
            except ApiError as error:
                if attempt >= retries or not error.retryable:
                    raise
                delay = error.retry_after if error.retry_after is not None else min(30.0, 2.0**attempt)
                attempt += 1
                await asyncio.sleep(delay * random.uniform(1.0, 1.25))

    async def send_readings(self, room_id: str, readings: Readings, **options: Any) -> Message:
        """An ``incident_data`` message: ``{"temperature": 85, "pressure": 120}``."""
        return await self.send_message(room_id, readings, message_type="incident_data", **options)

    async def edit_message(self, message_id: str, content: str | Readings) -> Message:
        """Only the sender, within 15 minutes; the previous content goes to the edit history."""
        response = await self.request(
            "PATCH", f"/api/messages/{_segment(message_id)}", json_body={"content": content}
        )
        return cast(Message, _object(response))

    async def message_history(self, message_id: str) -> list[EditRecord]:
        body = await self._get(f"/api/messages/{_segment(message_id)}/history")
        return cast(list[EditRecord], _list(body, "edits"))

    async def delete_message(self, message_id: str) -> None:
        await self.request("DELETE", f"/api/messages/{_segment(message_id)}", expect=(204,))

    async def add_reaction(self, message_id: str, emoji: str) -> None:
        await self.request(
            "POST", f"/api/messages/{_segment(message_id)}/reactions", json_body={"emoji": emoji}, expect=(200, 201)
        )

    async def remove_reaction(self, message_id: str, emoji: str) -> None:
        await self.request(
            "DELETE", f"/api/messages/{_segment(message_id)}/reactions/{_segment(emoji)}", expect=(204,)
        )

    async def search_messages(self, room_id: str, q: str, *, limit: int = 20, offset: int = 0) -> SearchPage:
        """Search one room (at least 2 characters; English words and Chinese text), newest first."""
        body = await self._get(f"/api/rooms/{_segment(room_id)}/messages/search", q=q, limit=limit, offset=offset)
        _list(body, "results")
        return cast(SearchPage, body)

    async def readings(
        self,
        room_id: str,
        name: str,
        *,
        min: float | None = None,
        max: float | None = None,
        limit: int = 50,
    ) -> list[Message]:
        """The service's readings filter: up to ``limit`` (1..200) incident_data messages carrying ``name``,
        optionally within ``min``..``max``, oldest first. For every reading of a room use :meth:`iter_readings`."""
        body = await self._get(f"/api/rooms/{_segment(room_id)}/readings", name=name, min=min, max=max, limit=limit)
        return cast(list[Message], _list(body, "messages"))

    async def iter_readings(self, room_id: str, name: str | None = None) -> AsyncIterator[Message]:
        """Every ``incident_data`` message of the room, oldest first (those carrying ``name``, if given)."""
        async for message in self.iter_messages(room_id, message_type="incident_data"):
            content = message.get("content")
            if isinstance(content, dict) and (name is None or name in content):
                yield message

    # MARK: - Files

    async def upload_file(
        self,
        room_id: str,
        file: str | os.PathLike[str] | bytes | IO[bytes],
        *,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> File:
        """Uploads a file to the room (EDITOR or OWNER); post it with ``send_message(..., file_id=...)``.

        The service checks the type from the content's magic bytes: images 10 MB, documents 20 MB, logs 5 MB.
        """
        data: bytes | IO[bytes]
        if isinstance(file, (str, os.PathLike)):
            path = Path(file)
            filename = filename or path.name
            data = path.read_bytes()
        elif isinstance(file, bytes):
            data = file
        else:
            data = file
            filename = filename or Path(getattr(file, "name", "upload.bin")).name
        filename = filename or "upload.bin"
        content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        response = await self.request(
            "POST",
            f"/api/rooms/{_segment(room_id)}/files",
            files={"file": (filename, data, content_type)},
            expect=(200, 201),
        )
        return cast(File, _object(response))

    async def files(self, room_id: str) -> list[File]:
        body = await self._get(f"/api/rooms/{_segment(room_id)}/files")
        return cast(list[File], _list(body, "files"))

    async def get_file(self, room_id: str, file_id: str) -> File:
        """One file, with a fresh ``download_url`` (valid for one hour)."""
        return cast(File, await self._get(f"/api/rooms/{_segment(room_id)}/files/{_segment(file_id)}"))

    async def delete_file(self, room_id: str, file_id: str) -> None:
        await self.request("DELETE", f"/api/rooms/{_segment(room_id)}/files/{_segment(file_id)}", expect=(204,))

    async def download(self, file: File) -> bytes:
        """The content of a file, from its presigned ``download_url``."""
        try:
            async with httpx.AsyncClient(timeout=self._http.timeout) as plain:
                response = await plain.get(file["download_url"])
        except httpx.TransportError as error:
            raise ApiError(0, "network_error", f"cannot download {file['filename']}: {error}") from error
        if response.status_code != 200:
            raise error_from_response(response)
        return response.content

    # MARK: - Notifications

    async def notifications(self, *, unread: bool = False) -> NotificationPage:
        body = await self._get("/api/notifications", unread=True if unread else None)
        _list(body, "notifications")
        return cast(NotificationPage, body)

    async def mark_notification_read(self, notification_id: str) -> None:
        await self.request("POST", f"/api/notifications/{_segment(notification_id)}/read", expect=(204,))

    async def mark_all_notifications_read(self) -> None:
        await self.request("POST", "/api/notifications/read-all", expect=(204,))

    # MARK: - Revision 2: read markers, mentions, search, people, pins, announcements, the API description

    async def mark_read(self, room_id: str, sequence_number: int) -> ReadMarker:
        """Moves the caller's read marker forward to ``sequence_number`` (it never moves back)."""
        response = await self.request(
            "POST", f"/api/rooms/{_segment(room_id)}/read", json_body={"sequence_number": sequence_number}
        )
        return cast(ReadMarker, _object(response))

    async def read_receipts(self, room_id: str) -> list[ReadReceipt]:
        """Every member's read marker ("seen by" of message n: the members whose marker is >= n)."""
        body = await self._get(f"/api/rooms/{_segment(room_id)}/read-receipts")
        return cast(list[ReadReceipt], _list(body, "receipts"))

    async def mentions(self, *, limit: int = 50, before: str | None = None) -> MentionPage:
        """Messages that mention the caller, in every room, newest first; ``before`` is the page's ``next_before``."""
        body = await self._get("/api/mentions", limit=limit, before=before)
        _list(body, "messages")
        return cast(MentionPage, body)

    async def search(self, q: str, *, limit: int = 20, offset: int = 0) -> CrossRoomSearchPage:
        """Search every room the caller may read, newest first."""
        body = await self._get("/api/search", q=q, limit=limit, offset=offset)
        _list(body, "results")
        return cast(CrossRoomSearchPage, body)

    async def users(self, q: str, *, limit: int = 20) -> list[Person]:
        """People of the directory (and users seen signing in) matching ``q`` (at least 2 characters)."""
        body = await self._get("/api/users", q=q, limit=limit)
        return cast(list[Person], _list(body, "users"))

    async def pin_message(self, message_id: str) -> Message:
        response = await self.request("POST", f"/api/messages/{_segment(message_id)}/pin")
        return cast(Message, _object(response))

    async def unpin_message(self, message_id: str) -> None:
        await self.request("DELETE", f"/api/messages/{_segment(message_id)}/pin", expect=(204,))

    async def pins(self, room_id: str) -> list[Message]:
        body = await self._get(f"/api/rooms/{_segment(room_id)}/pins")
        return cast(list[Message], _list(body, "messages"))

    async def create_announcement(
        self, message: str, severity: Literal["info", "warning", "critical"] = "info"
    ) -> Announcement:
        """One message to every open socket (admins only)."""
        response = await self.request(
            "POST", "/api/announcements", json_body={"message": message, "severity": severity}, expect=(201,)
        )
        return cast(Announcement, _object(response))

    async def announcements(self) -> list[Announcement]:
        """The announcements of the last 24 hours, newest first."""
        body = await self._get("/api/announcements")
        return cast(list[Announcement], _list(body, "announcements"))

    async def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document of every REST route (no token needed)."""
        return _object(await self.request("GET", "/api/openapi.json", auth=False))

    async def config(self) -> dict[str, Any]:
        """The service's limits and settings (``GET /api/config``: rates, sizes, time zone), where it has them."""
        return _object(await self.request("GET", "/api/config", auth=False))

    # MARK: - Operations

    async def metrics(self) -> str:
        """The Prometheus metrics text."""
        return (await self.request("GET", "/metrics", auth=False)).text

    async def healthz(self) -> bool:
        """The process is alive."""
        try:
            await self.request("GET", "/healthz", auth=False)
        except ApiError:
            return False
        return True

    async def readyz(self) -> bool:
        """The service can reach its database."""
        try:
            await self.request("GET", "/readyz", auth=False)
        except ApiError:
            return False
        return True


def message_body(
    content: str | Readings,
    message_type: MessageType | None,
    metadata: dict[str, Any] | None,
    mentions: list[str] | None,
    file_id: str | None,
    client_id: str | None,
) -> dict[str, Any]:
    """The body of a message, for REST and the socket alike."""
    if message_type is None:
        message_type = "incident_data" if isinstance(content, dict) else ("file_ref" if file_id else "text")
    if message_type == "incident_data" and not isinstance(content, dict):
        raise TypeError("incident_data content must be a dict of readings")
    if message_type != "incident_data" and not isinstance(content, str):
        raise TypeError(f"{message_type} content must be a string")
    if client_id is not None and not 1 <= len(client_id) <= 128:
        raise ValueError("client_id must be 1 to 128 characters")
    body: dict[str, Any] = {"content": content, "message_type": message_type}
    if metadata is not None:
        body["metadata"] = metadata
    if mentions is not None:
        body["mentions"] = mentions
    if file_id is not None:
        body["file_id"] = file_id
    if client_id is not None:
        body["client_id"] = client_id
    return body
