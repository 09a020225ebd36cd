"""Test support: a real incidentd process, and a TCP proxy in front of it that can cut, refuse, drop and inject
WebSocket frames (so that drops, gaps and malformed events happen against the real service)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[3]
SWIFT_PATH = "/opt/swift/usr/bin"
JWT_SECRET = "clients-python-tests-secret-0123456789abcdef"
PASSWORDS = {"alice": "alicepw", "bob": "bobpw", "carol": "carolpw", "lin": "linpw"}
IN_CI = os.environ.get("CI", "").lower() == "true"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def incidentd_binary() -> Path:
    """The incidentd to test: $INCIDENTD, or the debug build of this worktree (built when missing)."""
    explicit = os.environ.get("INCIDENTD")
    if explicit:
        return Path(explicit)
    binary = ROOT / ".build" / "debug" / "incidentd"
    if not binary.exists():
        env = dict(os.environ, PATH=f"{SWIFT_PATH}:{os.environ.get('PATH', '')}")
        subprocess.run(["swift", "build", "--product", "incidentd"], cwd=ROOT, env=env, check=True)
    return binary


_unsafe_demo: bool | None = None


def accepts_unsafe_demo(binary: Path) -> bool:
    """Whether this incidentd knows `--unsafe-demo` (asked once: with no JWT_SECRET it stops at once either way)."""
    global _unsafe_demo
    if _unsafe_demo is None:
        env = {k: v for k, v in os.environ.items() if k not in ("JWT_SECRET", "JWT_SECRETS")}
        result = subprocess.run(
            [str(binary), "--store", "memory", "--demo-directory", "--unsafe-demo"],
            env=dict(env, PORT="0", HOST="127.0.0.1"),
            capture_output=True,
            text=True,
            timeout=30,
        )
        _unsafe_demo = "--unsafe-demo" not in (result.stderr + result.stdout)
    return _unsafe_demo


@dataclass
class Server:
    """One incidentd process; `restart` keeps its port, settings and (PostgreSQL) data."""

    store: str = "memory"
    env: dict[str, str] = field(default_factory=dict)
    extra_args: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        binary = incidentd_binary()
        args = [str(binary), "--store", self.store, "--demo-directory", *self.extra_args]
        if accepts_unsafe_demo(binary):
            args.append("--unsafe-demo")
        env = dict(os.environ)
        for name in list(env):
            if name.startswith(("DATABASE_URL", "S3_", "LDAP_", "JWT_")):
                del env[name]
        env.update(
            JWT_SECRET=JWT_SECRET, PORT=str(self.port), HOST="127.0.0.1", SWIFT_BACKTRACE="enable=no", **self.env
        )
        if self.log_path is None:
            self.log_path = ROOT / ".build" / f"clients-py-incidentd-{self.port}.log"
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"incidentd exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"incidentd did not become ready:\n{self.log_tail()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def restart(self, sig: int = signal.SIGTERM, down_for: float = 0.0) -> None:
        self.stop(sig)
        time.sleep(down_for)
        self.start()

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def login(self, username: str, password: str | None = None) -> str:
        response = httpx.post(
            f"{self.url}/api/auth/login",
            json={"username": username, "password": password or PASSWORDS.get(username, "bench")},
            timeout=10,
        )
        response.raise_for_status()
        return str(response.json()["token"])


# MARK: - Services for the PostgreSQL store


def _exports(script: str) -> dict[str, str]:
    output = subprocess.run([str(ROOT / "scripts" / "services" / script), "up"], capture_output=True, text=True,
                            check=True, cwd=ROOT).stdout
    return dict(re.findall(r"^export ([A-Z0-9_]+)=(.*)$", output, flags=re.M))


def postgres_environment() -> tuple[dict[str, str], Callable[[], None]] | str:
    """DATABASE_URL (a fresh schema) and S3_* for the PostgreSQL store, and how to drop the schema again; or why
    it is not possible here. The services of scripts/test are used when their variables are set, else started."""
    database = os.environ.get("TEST_DATABASE_URL")
    s3 = {k: v for k, v in os.environ.items() if k.startswith("TEST_S3_")}
    started: list[str] = []
    try:
        if not database:
            started.append("postgres.sh")
            database = _exports("postgres.sh").get("TEST_DATABASE_URL")
        if not s3.get("TEST_S3_ENDPOINT"):
            started.append("s3.sh")
            s3 = _exports("s3.sh")
    except (subprocess.CalledProcessError, OSError) as error:
        return f"cannot start PostgreSQL or S3 for the test: {error}"
    if not database or not s3.get("TEST_S3_ENDPOINT"):
        return "no TEST_DATABASE_URL or TEST_S3_ENDPOINT"
    psql = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
    schema = f"clients_py_{uuid.uuid4().hex[:12]}"
    subprocess.run([psql, database, "-q", "-c", f"CREATE SCHEMA {schema}"], check=True, capture_output=True)

    def drop() -> None:
        subprocess.run([psql, database, "-q", "-c", f"DROP SCHEMA IF EXISTS {schema} CASCADE"], capture_output=True)
        # Services this test started itself (not those of scripts/test) are stopped again.
        for script in started:
            subprocess.run([str(ROOT / "scripts" / "services" / script), "down"], capture_output=True, cwd=ROOT)

    separator = "&" if "?" in database else "?"
    env = {
        "DATABASE_URL": f"{database}{separator}options=-c%20search_path%3D{schema}%2Cpublic",
        "DB_POOL_SIZE": "4",
        "S3_ENDPOINT": s3["TEST_S3_ENDPOINT"],
        "S3_REGION": "us-east-1",
        "S3_BUCKET": f"clients-py-{uuid.uuid4().hex[:8]}",
        "S3_ACCESS_KEY": s3.get("TEST_S3_ACCESS_KEY", "test-access-key"),
        "S3_SECRET_KEY": s3.get("TEST_S3_SECRET_KEY", "test-secret-key"),
    }
    return env, drop


# MARK: - The proxy


def _frame(opcode: int, payload: bytes, mask: bool = False) -> bytes:
    head = bytes([0x80 | opcode])
    length = len(payload)
    bit = 0x80 if mask else 0
    if length < 126:
        head += bytes([bit | length])
    elif length < 1 << 16:
        head += bytes([bit | 126]) + struct.pack("!H", length)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", length)
    if mask:
        key = os.urandom(4)
        return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return head + payload


async def _read_frame(reader: asyncio.StreamReader) -> tuple[int, bool, bytes, bytes]:
    """(opcode, fin, unmasked payload, the raw frame)."""
    head = await reader.readexactly(2)
    fin, opcode = bool(head[0] & 0x80), head[0] & 0x0F
    masked, length = bool(head[1] & 0x80), head[1] & 0x7F
    raw = head
    if length == 126:
        ext = await reader.readexactly(2)
        raw += ext
        length = struct.unpack("!H", ext)[0]
    elif length == 127:
        ext = await reader.readexactly(8)
        raw += ext
        length = struct.unpack("!Q", ext)[0]
    key = b""
    if masked:
        key = await reader.readexactly(4)
        raw += key
    payload = await reader.readexactly(length)
    raw += payload
    if masked:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return opcode, fin, payload, raw


#: A frame filter: gets the text of a frame, returns it (maybe changed), or None to drop it.
Filter = Callable[[str], str | None]


class _Link:
    def __init__(self, client_writer: asyncio.StreamWriter, upstream_writer: asyncio.StreamWriter) -> None:
        self.client_writer = client_writer
        self.upstream_writer = upstream_writer
        self.websocket = False
        self.path = ""

    def close(self) -> None:
        for writer in (self.client_writer, self.upstream_writer):
            try:
                transport = writer.transport
                if hasattr(transport, "abort"):
                    transport.abort()
                else:
                    writer.close()
            except Exception:  # noqa: BLE001
                pass


class FrameProxy:
    """A TCP proxy to the service. REST passes through; on upgraded sockets the frames from the service go through
    `server_filter` and those from the client through `client_filter`; `inject` writes a frame of our own to the
    clients, `cut` drops every connection without a close frame, and `refuse` makes new connections fail."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self.server: asyncio.Server | None = None
        self.links: list[_Link] = []
        self.server_filter: Filter | None = None
        self.client_filter: Filter | None = None
        self.refusing = False
        self.client_frames: list[str] = []
        self.upgrades = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FrameProxy:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    def cut(self) -> None:
        for link in list(self.links):
            link.close()
        self.links.clear()

    def websockets(self, path_part: str = "") -> list[_Link]:
        return [link for link in self.links if link.websocket and path_part in link.path]

    def inject(self, payload: str | bytes, path_part: str = "", opcode: int | None = None) -> int:
        """Writes one frame to the client side of every upgraded socket (whose path contains `path_part`)."""
        data = payload.encode() if isinstance(payload, str) else payload
        code = opcode if opcode is not None else (1 if isinstance(payload, str) else 2)
        links = self.websockets(path_part)
        for link in links:
            link.client_writer.write(_frame(code, data))
        return len(links)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            client_writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.transport.abort()
            return
        link = _Link(client_writer, upstream_writer)
        self.links.append(link)
        tasks = [
            asyncio.create_task(self._client_to_server(link, client_reader)),
            asyncio.create_task(self._server_to_client(link, upstream_reader)),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            link.close()
            if link in self.links:
                self.links.remove(link)

    async def _client_to_server(self, link: _Link, reader: asyncio.StreamReader) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
            link.path = request_line.split(" ")[1] if " " in request_line else ""
            upgrading = b"upgrade: websocket" in head.lower()
            link.upstream_writer.write(head)
            if not upgrading:
                while data := await reader.read(65536):
                    link.upstream_writer.write(data)
                return
            while True:
                opcode, fin, payload, raw = await _read_frame(reader)
                if opcode == 1 and fin:
                    text = payload.decode("utf-8", "replace")
                    self.client_frames.append(text)
                    if self.client_filter is not None:
                        changed = self.client_filter(text)
                        if changed is None:
                            continue
                        if changed != text:
                            raw = _frame(1, changed.encode(), mask=True)
                link.upstream_writer.write(raw)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            return

    async def _server_to_client(self, link: _Link, reader: asyncio.StreamReader) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            link.client_writer.write(head)
            if b" 101 " not in head.split(b"\r\n", 1)[0]:
                while data := await reader.read(65536):
                    link.client_writer.write(data)
                return
            link.websocket = True
            self.upgrades += 1
            while True:
                opcode, fin, payload, raw = await _read_frame(reader)
                if opcode == 1 and fin and self.server_filter is not None:
                    text = payload.decode("utf-8", "replace")
                    changed = self.server_filter(text)
                    if changed is None:
                        continue
                    if changed != text:
                        raw = _frame(1, changed.encode())
                link.client_writer.write(raw)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            return


def event_type(text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data.get("type") if isinstance(data, dict) else None


def frame_json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
