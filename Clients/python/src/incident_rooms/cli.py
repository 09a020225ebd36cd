"""``incident-rooms``: the command line of the Python client.

Configured by ``INCIDENT_URL`` (default http://127.0.0.1:8000) and the token file that ``incident-rooms login``
writes (``INCIDENT_TOKEN_FILE``, default ``$XDG_CONFIG_HOME/incident-rooms/token.json``); ``INCIDENT_TOKEN`` may
carry a token instead. Exit codes: 0 done, 1 the service refused (its message is printed), 2 bad usage,
3 not signed in or the token was refused (run ``incident-rooms login``), 4 the service cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import getpass
import json
import math
import os
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, TextIO, cast, get_args

from .client import DEFAULT_URL, IncidentClient, new_client_id
from .connection import RoomConnection
from .errors import ApiError, ConnectionStopped
from .events import Disconnected, GapFilled, MalformedEvent, MessageDeleted, MessageEdited, MessageEvent, SyncComplete
from .models import IncidentType, Message, MessageType, Readings, Severity

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_AUTH, EXIT_UNREACHABLE = 0, 1, 2, 3, 4
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class CliError(Exception):
    """A failure with its message for stderr and the exit code."""

    def __init__(self, message: str, code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.code = code


# MARK: - Configuration


def token_file() -> Path:
    explicit = os.environ.get("INCIDENT_TOKEN_FILE")
    if explicit:
        return Path(explicit).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "incident-rooms" / "token.json"


def service_url(saved: dict[str, Any] | None = None) -> str:
    url = os.environ.get("INCIDENT_URL", "").strip()
    if url:
        return url.rstrip("/")
    if saved and isinstance(saved.get("url"), str):
        return str(saved["url"])
    return DEFAULT_URL


def _read_token_file() -> dict[str, Any] | None:
    path = token_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise CliError(f"cannot read the token file {path}: {error}; run incident-rooms login", EXIT_AUTH) from None
    return data if isinstance(data, dict) else None


def signed_in_client() -> IncidentClient:
    """A client with the saved token for INCIDENT_URL, or a clear error."""
    token = os.environ.get("INCIDENT_TOKEN", "").strip()
    saved = None if token else _read_token_file()
    url = service_url(saved)
    if not token:
        if saved is None or not isinstance(saved.get("token"), str):
            raise CliError(f"not signed in (no token in {token_file()}): run incident-rooms login", EXIT_AUTH)
        if saved.get("url") and str(saved["url"]).rstrip("/") != url.rstrip("/"):
            raise CliError(
                f"the saved token is for {saved['url']}, not {url}: run incident-rooms login", EXIT_AUTH
            )
        token = saved["token"]
    try:
        return IncidentClient(url, token)
    except ValueError as error:
        raise CliError(f"INCIDENT_URL: {error}", EXIT_USAGE) from None


def _api_failure(error: ApiError, action: str) -> CliError:
    if isinstance(error, ConnectionStopped) or error.status == 401:
        hint = "" if error.code == "invalid_credentials" else ": run incident-rooms login"
        return CliError(f"{action}: {error.message}{hint}", EXIT_AUTH)
    if error.status == 0 and error.code in ("network_error", "timeout"):
        return CliError(f"{action}: {error.message}", EXIT_UNREACHABLE)
    detail = f" ({error.field})" if error.field else ""
    retry = f"; try again in {error.retry_after:.0f} s" if error.retry_after else ""
    return CliError(f"{action}: {error.message}{detail} [{error.code}, HTTP {error.status}]{retry}")


async def resolve_room(client: IncidentClient, room: str) -> str:
    """A room id, or the room whose title is ``room`` (or the only room matching it)."""
    if _UUID.match(room):
        return room.lower()
    matches = [r async for r in client.iter_rooms(q=room)]
    exact = [r for r in matches if r["title"].casefold() == room.casefold()]
    chosen = exact if exact else matches
    if len(chosen) == 1:
        return chosen[0]["room_id"]
    if not chosen:
        raise CliError(f"no room matches {room!r} (give its id or its title)")
    names = ", ".join(f"{r['title']!r} ({r['room_id']})" for r in chosen[:5])
    raise CliError(f"{room!r} matches {len(chosen)} rooms: {names}; give the room id", EXIT_USAGE)


# MARK: - Formatting


def local_time(stamp: str | None) -> str:
    if not stamp:
        return ""
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _readings_text(readings: Readings) -> str:
    return " ".join(f"{name}={json.dumps(value, ensure_ascii=False)}" for name, value in readings.items())


def message_line(message: Message, prefix: str = "") -> str:
    """One message as a line for a terminal or a log."""
    head = f"[{local_time(message.get('created_at'))}] #{message['sequence_number']} {prefix}"
    who = message.get("sender_display_name") or message["sender_id"]
    content = message.get("content")
    kind = message.get("message_type")
    if message.get("deleted_at") or content is None:
        return f"{head}{who}: (deleted)"
    if kind == "system":
        return f"{head}* {content}"
    if isinstance(content, dict):
        return f"{head}{who} recorded {_readings_text(content)}"
    text = str(content).replace("\r\n", "\n").replace("\n", "\n    ")
    file = message.get("file")
    if file:
        text = f"[{file.get('file_type', 'file')}: {file.get('filename')}] {text}".rstrip()
    return f"{head}{who}: {text}"


def parse_reading(text: str) -> tuple[str, Any]:
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise CliError(f"a reading is NAME=VALUE, got {text!r}", EXIT_USAGE)
    raw = raw.strip()
    value: Any
    if re.fullmatch(r"[+-]?\d+", raw):
        value = int(raw)
    elif raw.lower() in ("true", "false"):
        value = raw.lower() == "true"
    else:
        try:
            value = float(raw)
        except ValueError:
            value = raw
        else:
            if not math.isfinite(value):
                raise CliError(f"reading {name}: {raw!r} is not a finite number", EXIT_USAGE)
    return name, value


# MARK: - Commands


async def cmd_login(args: argparse.Namespace, out: TextIO) -> int:
    saved = None
    try:
        saved = _read_token_file()
    except CliError:
        pass
    url = args.url or service_url(saved)
    username = args.username or input("Username: ").strip()
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = os.environ.get("INCIDENT_PASSWORD") or getpass.getpass("Password: ")
    try:
        client = IncidentClient(url)
    except ValueError as error:
        raise CliError(f"INCIDENT_URL: {error}", EXIT_USAGE) from None
    async with client:
        try:
            result = await client.login(username, password)
        except ApiError as error:
            raise _api_failure(error, "login failed") from None
    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "url": url,
        "token": result["token"],
        "user_id": result["user"]["user_id"],
        "display_name": result["user"]["display_name"],
        "expires_at": result["expires_at"],
    }
    # The token is a credential: only the owner may read the file.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(data, file)
    os.chmod(path, 0o600)
    print(
        f"signed in to {url} as {data['display_name']} ({data['user_id']}) until {local_time(result['expires_at'])}",
        file=out,
    )
    return EXIT_OK


async def cmd_rooms(args: argparse.Namespace, out: TextIO) -> int:
    async with signed_in_client() as client:
        rooms = [r async for r in client.iter_rooms(status=args.status, unread=args.unread or None)]
    if args.unread:
        if any("unread_count" not in r for r in rooms):
            raise CliError("this service does not report unread counts (it predates API revision 2)")
        rooms = [r for r in rooms if r.get("unread_count", 0) > 0]
    if args.json:
        for room in rooms:
            print(json.dumps(room, ensure_ascii=False), file=out)
        return EXIT_OK
    if not rooms:
        print("no rooms" + (" with unread messages" if args.unread else ""), file=sys.stderr)
        return EXIT_OK
    has_unread = all("unread_count" in r for r in rooms)
    for room in rooms:
        unread = f"{room.get('unread_count', 0):>4} unread  " if has_unread else ""
        print(f"{room['room_id']}  {room['status']:<8}  {room['severity']:<8}  {unread}{room['title']}", file=out)
    return EXIT_OK


async def cmd_open(args: argparse.Namespace, out: TextIO) -> int:
    async with signed_in_client() as client:
        room = await client.create_room(
            args.title,
            incident_type=cast(IncidentType, args.type),
            severity=cast(Severity, args.severity),
            location=args.location,
            description=args.description,
            lots=args.lot or None,
        )
    print(json.dumps(room, ensure_ascii=False) if args.json else room["room_id"], file=out)
    return EXIT_OK


def _print_sent(message: Message, args: argparse.Namespace, out: TextIO) -> None:
    if args.json:
        print(json.dumps(message, ensure_ascii=False), file=out)
    else:
        print(f"#{message['sequence_number']} {message['message_id']}", file=out)


async def cmd_send(args: argparse.Namespace, out: TextIO) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        raise CliError("the message is empty", EXIT_USAGE)
    async with signed_in_client() as client:
        room_id = await resolve_room(client, args.room)
        message = await client.send_message(room_id, text, client_id=new_client_id(), retries=args.retries)
    _print_sent(message, args, out)
    return EXIT_OK


async def cmd_reading(args: argparse.Namespace, out: TextIO) -> int:
    readings: dict[str, Any] = {}
    for item in args.readings:
        name, value = parse_reading(item)
        if name in readings:
            raise CliError(f"reading {name} is given twice", EXIT_USAGE)
        readings[name] = value
    async with signed_in_client() as client:
        room_id = await resolve_room(client, args.room)
        message = await client.send_readings(room_id, readings, client_id=new_client_id(), retries=args.retries)
    _print_sent(message, args, out)
    return EXIT_OK


async def cmd_upload(args: argparse.Namespace, out: TextIO) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no such file: {path}", EXIT_USAGE)
    async with signed_in_client() as client:
        room_id = await resolve_room(client, args.room)
        uploaded = await client.upload_file(room_id, path)
        message = None
        if not args.no_post:
            kind: MessageType = "image_ref" if uploaded["file_type"] == "image" else "file_ref"
            message = await client.send_message(
                room_id, args.caption or "", message_type=kind, file_id=uploaded["file_id"], retries=args.retries
            )
    if args.json:
        print(json.dumps({"file": uploaded, "message": message}, ensure_ascii=False), file=out)
    elif message is not None:
        print(f"{uploaded['file_id']} #{message['sequence_number']} {message['message_id']}", file=out)
    else:
        print(uploaded["file_id"], file=out)
    return EXIT_OK


async def cmd_tail(args: argparse.Namespace, out: TextIO) -> int:
    async with signed_in_client() as client:
        room_id = await resolve_room(client, args.room)
        last_seq: int | None = args.after_seq
        if last_seq is None:
            # The last few messages first, then everything after the newest of them (nothing in between is lost).
            page = await client.messages(room_id, limit=max(1, min(args.lines, 200)))
            newest_first = page["messages"]
            last_seq = newest_first[0]["sequence_number"] if newest_first else 0
            for message in reversed(newest_first[: max(0, args.lines)]):
                _print_message(message, args, out)
        async with RoomConnection(client, room_id, last_seq=last_seq) as connection:
            async for event in connection:
                if isinstance(event, MessageEvent):
                    _print_message(event.message, args, out)
                elif isinstance(event, MessageEdited) and not args.json:
                    print(message_line(event.message, "(edited) "), file=out, flush=True)
                elif isinstance(event, MessageDeleted) and not args.json:
                    print(f"[{local_time(event.deleted_at)}] message {event.message_id} was deleted", file=out,
                          flush=True)
                elif isinstance(event, Disconnected):
                    print(f"tail: {event.reason}; reconnecting in {event.retry_in:.1f} s", file=sys.stderr,
                          flush=True)
                elif isinstance(event, MalformedEvent):
                    print(f"tail: skipped an event that could not be read ({event.reason})", file=sys.stderr,
                          flush=True)
                elif isinstance(event, GapFilled) and event.missing:
                    print(f"tail: messages {list(event.missing)} could not be loaded", file=sys.stderr, flush=True)
                elif isinstance(event, SyncComplete) and event.truncated:
                    print("tail: far behind; the history was reloaded over REST", file=sys.stderr, flush=True)
    return EXIT_OK


def _print_message(message: Message, args: argparse.Namespace, out: TextIO) -> None:
    if args.json:
        print(json.dumps(message, ensure_ascii=False), file=out, flush=True)
    else:
        print(message_line(message), file=out, flush=True)


async def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    async with signed_in_client() as client:
        room_id = await resolve_room(client, args.room)
        report = await client.report(room_id)
    out.write(report if report.endswith("\n") else report + "\n")
    return EXIT_OK


async def cmd_readings(args: argparse.Namespace, out: TextIO) -> int:
    if (args.min is not None or args.max is not None) and not args.name:
        raise CliError("--min and --max need --name", EXIT_USAGE)
    async with signed_in_client() as client:
        room_id = await resolve_room(client, args.room)
        rows: list[Message] = []
        async for message in client.iter_readings(room_id, args.name):
            content = cast(dict[str, Any], message["content"])
            if args.name and (args.min is not None or args.max is not None):
                value = content.get(args.name)
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    continue
                if (args.min is not None and value < args.min) or (args.max is not None and value > args.max):
                    continue
            rows.append(message)
    names: list[str] = [args.name] if args.name else []
    if not args.name:
        for message in rows:
            for name in cast(dict[str, Any], message["content"]):
                if name not in names:
                    names.append(name)
    header = ["created_at", "sequence_number", "sender_id", *names]
    table = [
        [m["created_at"], str(m["sequence_number"]), m["sender_id"],
         *(_cell(cast(dict[str, Any], m["content"]).get(n)) for n in names)]
        for m in rows
    ]
    if args.csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(table)
        return EXIT_OK
    if not table:
        print("no readings" + (f" named {args.name}" if args.name else ""), file=sys.stderr)
        return EXIT_OK
    shown = [[local_time(row[0]), *row[1:]] for row in table]
    header[0] = "time"
    widths = [max(len(str(c)) for c in column) for column in zip(header, *shown)]
    for row in [header, *shown]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip(), file=out)
    return EXIT_OK


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


# MARK: - Entry point


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="incident-rooms",
        description="Incident rooms from the command line. INCIDENT_URL names the service "
        f"(default {DEFAULT_URL}); sign in first with `incident-rooms login`.",
        epilog="exit codes: 0 done, 1 refused by the service, 2 bad usage, 3 not signed in or token refused, "
        "4 service unreachable",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    login = commands.add_parser("login", help="sign in and save the token")
    login.add_argument("username", nargs="?", help="account name or e-mail (asked when missing)")
    login.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    login.add_argument("--url", help="the service (default: INCIDENT_URL)")
    login.set_defaults(run=cmd_login)

    rooms = commands.add_parser("rooms", help="list your rooms")
    rooms.add_argument("--unread", action="store_true", help="only rooms with unread messages")
    rooms.add_argument("--status", choices=["active", "resolved", "archived"])
    rooms.add_argument("--json", action="store_true", help="one JSON object a line")
    rooms.set_defaults(run=cmd_rooms)

    open_ = commands.add_parser("open", help="open an incident room; prints its id")
    open_.add_argument("title")
    open_.add_argument("--type", required=True, choices=list(get_args(IncidentType)))
    open_.add_argument("--severity", required=True, choices=list(get_args(Severity)))
    open_.add_argument("--location")
    open_.add_argument("--description")
    open_.add_argument("--lot", action="append", help="an affected lot (repeatable)")
    open_.add_argument("--json", action="store_true", help="print the room as JSON")
    open_.set_defaults(run=cmd_open)

    def room_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("room", metavar="ROOM", help="the room's id or title")

    def sending(p: argparse.ArgumentParser) -> None:
        p.add_argument("--retries", type=int, default=3, help="retries on a dropped connection, 429 or 503 "
                       "(the same client_id each time, so it is stored once; default 3)")
        p.add_argument("--json", action="store_true", help="print the stored message as JSON")

    send = commands.add_parser("send", help="send a text message")
    room_arg(send)
    send.add_argument("text", metavar="TEXT", help="the message (- reads standard input)")
    sending(send)
    send.set_defaults(run=cmd_send)

    reading = commands.add_parser("reading", help="record readings: temperature=85 pressure=120")
    room_arg(reading)
    reading.add_argument("readings", nargs="+", metavar="NAME=VALUE")
    sending(reading)
    reading.set_defaults(run=cmd_reading)

    upload = commands.add_parser("upload", help="upload a file and post it to the room")
    room_arg(upload)
    upload.add_argument("file", metavar="FILE")
    upload.add_argument("--caption", help="text posted with the file")
    upload.add_argument("--no-post", action="store_true", help="upload only, post no message")
    sending(upload)
    upload.set_defaults(run=cmd_upload)

    tail = commands.add_parser("tail", help="print messages as they arrive (resumes after drops)")
    room_arg(tail)
    tail.add_argument("-n", "--lines", type=int, default=10, help="earlier messages to show first (default 10)")
    tail.add_argument("--after-seq", type=int, help="start after this sequence number instead")
    tail.add_argument("--json", action="store_true", help="one JSON message object a line")
    tail.set_defaults(run=cmd_tail)

    report = commands.add_parser("report", help="the incident report as Markdown")
    room_arg(report)
    report.set_defaults(run=cmd_report)

    readings = commands.add_parser("readings", help="the readings recorded in a room")
    room_arg(readings)
    readings.add_argument("--name", help="only this reading (e.g. temperature)")
    readings.add_argument("--min", type=float, help="with --name: at least this value")
    readings.add_argument("--max", type=float, help="with --name: at most this value")
    readings.add_argument("--csv", action="store_true", help="CSV with a header line")
    readings.set_defaults(run=cmd_readings)
    return parser


def main(argv: Sequence[str] | None = None) -> NoReturn:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = asyncio.run(args.run(args, sys.stdout))
    except CliError as error:
        print(f"incident-rooms: {error}", file=sys.stderr)
        code = error.code
    except ApiError as error:
        failure = _api_failure(error, args.command)
        print(f"incident-rooms: {failure}", file=sys.stderr)
        code = failure.code
    except KeyboardInterrupt:
        code = EXIT_OK if args.command == "tail" else 130
    except BrokenPipeError:
        # `incident-rooms tail ROOM | head`: the reader left; nothing more to say.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = EXIT_OK
    sys.stdout.flush()
    raise SystemExit(code)


if __name__ == "__main__":
    main()
