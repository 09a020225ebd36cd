"""The `incident-rooms` command line end to end, as a user runs it (the installed entry point)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from incident_rooms import IncidentClient
from conftest import revision_two_state
from support import FrameProxy, Server, free_port
from test_rest import PNG

EXECUTABLE = Path(sys.executable).parent / "incident-rooms"


@pytest.fixture
def cli_env(server: Server, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_")}
    env.update(INCIDENT_URL=server.url, INCIDENT_TOKEN_FILE=str(tmp_path / "token.json"))
    return env


def run(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXECUTABLE), *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


def login(env: dict[str, str], user: str = "alice", password: str = "alicepw") -> None:
    result = run(env, "login", user, "--password-stdin", stdin=password + "\n")
    assert result.returncode == 0, result.stderr


def test_login_writes_a_private_token_file(cli_env: dict[str, str]) -> None:
    result = run(cli_env, "login", "bob", "--password-stdin", stdin="bobpw\n")
    assert result.returncode == 0, result.stderr
    assert "Bob Brown (bob@example.com)" in result.stdout
    path = Path(cli_env["INCIDENT_TOKEN_FILE"])
    saved = json.loads(path.read_text())
    assert saved["url"] == cli_env["INCIDENT_URL"] and saved["user_id"] == "bob@example.com" and saved["token"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_wrong_password_and_missing_login_exit_3(cli_env: dict[str, str]) -> None:
    refused = run(cli_env, "login", "carol", "--password-stdin", stdin="wrong\n")
    assert refused.returncode == 3
    assert "login failed" in refused.stderr and "invalid_credentials" not in refused.stdout
    assert not Path(cli_env["INCIDENT_TOKEN_FILE"]).exists()
    not_signed_in = run(cli_env, "rooms")
    assert not_signed_in.returncode == 3 and "incident-rooms login" in not_signed_in.stderr


def test_a_token_for_another_service_is_not_sent(cli_env: dict[str, str]) -> None:
    login(cli_env)
    elsewhere = dict(cli_env, INCIDENT_URL=f"http://127.0.0.1:{free_port()}")
    result = run(elsewhere, "rooms")
    assert result.returncode == 3 and "is for" in result.stderr


def test_unreachable_service_exits_4(cli_env: dict[str, str]) -> None:
    down = dict(cli_env, INCIDENT_URL=f"http://127.0.0.1:{free_port()}")
    result = run(down, "login", "alice", "--password-stdin", stdin="alicepw\n")
    assert result.returncode == 4 and "cannot reach" in result.stderr


def test_usage_errors_exit_2(cli_env: dict[str, str]) -> None:
    login(cli_env)
    assert run(cli_env, "open", "No severity", "--type", "other").returncode == 2
    bad = run(cli_env, "reading", "00000000-0000-4000-8000-000000000000", "temperature")
    assert bad.returncode == 2 and "NAME=VALUE" in bad.stderr


def test_open_send_reading_upload_report_readings(cli_env: dict[str, str], tmp_path: Path) -> None:
    login(cli_env)
    opened = run(cli_env, "open", "Line 3 stopped (CLI)", "--type", "equipment_failure", "--severity", "high",
                 "--location", "Hall B")
    assert opened.returncode == 0, opened.stderr
    room_id = opened.stdout.strip()
    assert len(room_id) == 36

    sent = run(cli_env, "send", room_id, "Conveyor motor tripped")
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.startswith("#2 ")
    piped = run(cli_env, "send", room_id, "-", "--json", stdin="from a pipe\nsecond line")
    assert json.loads(piped.stdout)["content"] == "from a pipe\nsecond line"

    for temperature, pressure in ((85, 120), (91.5, 118), (78, 121)):
        reading = run(cli_env, "reading", room_id, f"temperature={temperature}", f"pressure={pressure}",
                      "note=ok", "--json")
        assert reading.returncode == 0, reading.stderr
        stored = json.loads(reading.stdout)
        assert stored["message_type"] == "incident_data"
        assert stored["content"] == {"temperature": temperature, "pressure": pressure, "note": "ok"}

    image = tmp_path / "defect.png"
    image.write_bytes(PNG)
    uploaded = run(cli_env, "upload", room_id, str(image), "--caption", "scratch on the housing", "--json")
    assert uploaded.returncode == 0, uploaded.stderr
    result = json.loads(uploaded.stdout)
    assert result["file"]["file_type"] == "image" and result["message"]["message_type"] == "image_ref"
    log_file = tmp_path / "plc.log"
    log_file.write_text("10:02:11 E42 motor overcurrent\n")
    assert run(cli_env, "upload", room_id, str(log_file)).returncode == 0

    # The room may be named by its title as well as its id.
    report = run(cli_env, "report", "Line 3 stopped (CLI)")
    assert report.returncode == 0, report.stderr
    assert report.stdout.startswith("# Incident report: Line 3 stopped (CLI)")
    assert "Conveyor motor tripped" in report.stdout and "| temperature | 91.5 |" in report.stdout
    assert "defect.png" in report.stdout

    readings = run(cli_env, "readings", room_id, "--name", "temperature", "--csv")
    assert readings.returncode == 0, readings.stderr
    rows = list(csv.reader(io.StringIO(readings.stdout)))
    assert rows[0] == ["created_at", "sequence_number", "sender_id", "temperature"]
    assert [row[3] for row in rows[1:]] == ["85", "91.5", "78"]
    assert all(row[2] == "alice@example.com" for row in rows[1:])
    hot = run(cli_env, "readings", room_id, "--name", "temperature", "--min", "80", "--csv")
    assert [row[3] for row in list(csv.reader(io.StringIO(hot.stdout)))[1:]] == ["85", "91.5"]
    every = run(cli_env, "readings", room_id, "--csv")
    assert list(csv.reader(io.StringIO(every.stdout)))[0][3:] == ["temperature", "pressure", "note"]
    table = run(cli_env, "readings", room_id)
    assert "temperature" in table.stdout.splitlines()[0] and len(table.stdout.splitlines()) == 4

    listed = run(cli_env, "rooms")
    assert room_id in listed.stdout and "Line 3 stopped (CLI)" in listed.stdout


def test_service_refusals_exit_1_with_the_reason(cli_env: dict[str, str]) -> None:
    login(cli_env)
    missing = run(cli_env, "send", "00000000-0000-4000-8000-000000000000", "hello")
    assert missing.returncode == 1 and "not_found" in missing.stderr and "HTTP 404" in missing.stderr
    unknown = run(cli_env, "report", "no room has this title")
    assert unknown.returncode == 1 and "no room matches" in unknown.stderr


async def test_rooms_unread(
    server: Server, cli_env: dict[str, str], connect: Callable[..., IncidentClient]
) -> None:
    alice = connect("alice")
    room = await alice.create_room("Unread for bob", incident_type="other", severity="low")
    await alice.add_member(room["room_id"], "bob@example.com", "EDITOR")
    await alice.send_message(room["room_id"], "bob, have a look")
    login(cli_env, "bob", "bobpw")
    result = run(cli_env, "rooms", "--unread")
    if revision_two_state(server) is not None:
        assert result.returncode == 1 and "revision 2" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        line = next(line for line in result.stdout.splitlines() if room["room_id"] in line)
        assert " unread " in line
        await connect("bob").mark_read(room["room_id"], room["last_sequence_number"] + 10)
        again = run(cli_env, "rooms", "--unread")
        assert room["room_id"] not in again.stdout


async def test_tail_json_resumes_after_drops(
    cli_env: dict[str, str], proxy: FrameProxy, connect: Callable[..., IncidentClient]
) -> None:
    login(cli_env)
    alice = connect("alice")
    room = await alice.create_room("Tail me", incident_type="other", severity="low")
    room_id = room["room_id"]
    earlier = [await alice.send_message(room_id, f"earlier {i}") for i in range(3)]
    env = dict(cli_env, INCIDENT_URL=proxy.url)
    Path(env["INCIDENT_TOKEN_FILE"]).write_text(
        json.dumps({**json.loads(Path(cli_env["INCIDENT_TOKEN_FILE"]).read_text()), "url": proxy.url})
    )
    tail = await asyncio.create_subprocess_exec(
        str(EXECUTABLE), "tail", room_id, "--json", "-n", "2", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert tail.stdout is not None and tail.stderr is not None

    async def line() -> dict[str, object]:
        assert tail.stdout is not None
        raw = await asyncio.wait_for(tail.stdout.readline(), 15)
        assert raw, "tail ended"
        data = json.loads(raw)
        assert isinstance(data, dict)
        return data

    try:
        printed = [await line(), await line()]
        assert [m["message_id"] for m in printed] == [m["message_id"] for m in earlier[1:]]
        await asyncio.sleep(0.5)
        live = await alice.send_message(room_id, "live one")
        printed.append(await line())
        proxy.refusing = True
        proxy.cut()
        away = [await alice.send_message(room_id, f"while away {i}") for i in range(3)]
        await asyncio.sleep(0.5)
        proxy.refusing = False
        for _ in away:
            printed.append(await line())
        after = await alice.send_message(room_id, "after")
        printed.append(await line())
        expected = [*earlier[1:], live, *away, after]
        assert [m["message_id"] for m in printed] == [m["message_id"] for m in expected]
        assert printed[-1]["content"] == "after"
    finally:
        tail.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(tail.wait(), 15)
        errors = (await tail.stderr.read()).decode()
    assert code == 0, errors
    assert "reconnecting" in errors
