"""The REST methods against a real incidentd (in-memory store): results, and errors as ApiError."""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import Callable

import httpx
import pytest

from incident_rooms import ApiError, IncidentClient, Room, new_client_id
from support import Server, free_port

PNG = (
    b"\x89PNG\r\n\x1a\n"
    + struct.pack("!I", 13) + b"IHDR" + struct.pack("!IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    + struct.pack("!I", zlib.crc32(b"IHDR" + struct.pack("!IIBBBBB", 1, 1, 8, 2, 0, 0, 0)))
    + struct.pack("!I", 0) + b"IEND" + struct.pack("!I", zlib.crc32(b"IEND"))
)


async def test_login_me_and_logout(server: Server) -> None:
    async with IncidentClient(server.url) as client:
        result = await client.login("bob", "bobpw")
        assert result["token_type"] == "Bearer"
        assert result["user"] == {
            "user_id": "bob@example.com", "display_name": "Bob Brown", "email": "bob@example.com", "is_admin": False,
        }
        assert (await client.me())["user_id"] == "bob@example.com"
        await client.logout()
        with pytest.raises(ApiError) as refused:
            await client.me()
    assert refused.value.status == 401
    assert refused.value.code == "unauthorized"


async def test_wrong_password_is_an_api_error_with_the_service_code(server: Server) -> None:
    async with IncidentClient(server.url) as client:
        with pytest.raises(ApiError) as refused:
            await client.login("carol", "not-her-password")
    error = refused.value
    assert (error.status, error.code) == (401, "invalid_credentials")
    assert error.message and not error.retryable
    assert client.token is None


async def test_unreachable_service_is_a_retryable_network_error() -> None:
    async with IncidentClient(f"http://127.0.0.1:{free_port()}", "token") as client:
        with pytest.raises(ApiError) as failed:
            await client.me()
    assert (failed.value.status, failed.value.code) == (0, "network_error")
    assert failed.value.retryable


async def test_rooms_and_members(alice: IncidentClient, connect: Callable[..., IncidentClient], room: Room) -> None:
    assert room["my_role"] == "OWNER" and room["member_count"] == 4
    assert room["incident_type"] == "equipment_failure" and room["lots"] == ["LOT-7"]
    page = await alice.list_rooms(q=room["title"])
    assert [r["room_id"] for r in page["rooms"]] == [room["room_id"]] and page["total"] == 1
    assert room["room_id"] in [r["room_id"] async for r in alice.iter_rooms(status="active")]

    members = {m["user_id"]: m["role"] for m in await alice.members(room["room_id"])}
    assert members == {
        "alice@example.com": "OWNER", "bob@example.com": "EDITOR", "carol@example.com": "EDITOR",
        "lin.xiaoming@example.com": "VIEWER",
    }
    changed = await alice.update_member(room["room_id"], "carol@example.com", "VIEWER")
    assert changed["role"] == "VIEWER"
    await alice.remove_member(room["room_id"], "carol@example.com")
    assert len(await alice.members(room["room_id"])) == 3
    with pytest.raises(ApiError) as last_owner:
        await alice.remove_member(room["room_id"], "alice@example.com")
    assert (last_owner.value.status, last_owner.value.code) == (409, "conflict")

    # Carol is no longer a member: the room is forbidden to her.
    with pytest.raises(ApiError) as forbidden:
        await connect("carol").get_room(room["room_id"])
    assert (forbidden.value.status, forbidden.value.code) == (403, "forbidden")

    updated = await alice.update_room(room["room_id"], severity="critical", description="Conveyor jammed")
    assert updated["severity"] == "critical"
    resolved = await alice.resolve_room(room["room_id"])
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    history = [m async for m in alice.iter_messages(room["room_id"])]
    events = [m["metadata"]["event"] for m in history if m["message_type"] == "system" and m["metadata"]]
    assert events[0] == "room_created" and events[-2:] == ["room_updated", "status_changed"]


async def test_messages_history_edit_delete_reactions_search(
    alice: IncidentClient, connect: Callable[..., IncidentClient], room: Room
) -> None:
    room_id = room["room_id"]
    bob = connect("bob")
    first = await alice.send_message(room_id, "Belt 4 stopped, @Bob Brown please check the motor")
    assert first["message_type"] == "text" and first["mentions"] == ["bob@example.com"]
    readings = await alice.send_readings(room_id, {"temperature": 85, "pressure": 120.5})
    assert readings["message_type"] == "incident_data"
    assert readings["content"] == {"temperature": 85, "pressure": 120.5}
    reply = await bob.send_message(room_id, "On my way 馬達過熱")
    assert reply["sequence_number"] == readings["sequence_number"] + 1

    assert (await alice.get_message(room_id, first["message_id"]))["content"] == first["content"]
    newest = await alice.messages(room_id, limit=2)
    assert [m["message_id"] for m in newest["messages"]] == [reply["message_id"], readings["message_id"]]
    assert newest["has_more"] is True and newest["next_before_seq"] == readings["sequence_number"]
    older = await alice.messages(room_id, before_seq=newest["next_before_seq"], limit=200)
    assert older["messages"][0]["message_id"] == first["message_id"] and older["has_more"] is False
    after = await alice.messages(room_id, after_seq=first["sequence_number"])
    assert [m["sequence_number"] for m in after["messages"]] == [readings["sequence_number"], reply["sequence_number"]]
    only_data = await alice.messages(room_id, message_type="incident_data")
    assert [m["message_id"] for m in only_data["messages"]] == [readings["message_id"]]

    edited = await alice.edit_message(first["message_id"], "Belt 4 stopped at 10:02")
    assert edited["edited_at"] and edited["rev"] > first["rev"]
    edits = await alice.message_history(first["message_id"])
    assert edits[0]["original_content"] == first["content"]
    with pytest.raises(ApiError) as not_owner:
        await bob.edit_message(first["message_id"], "no")
    assert (not_owner.value.status, not_owner.value.code) == (403, "not_owner")

    await bob.add_reaction(first["message_id"], "👍")
    await alice.add_reaction(first["message_id"], "👍")
    reactions = (await alice.get_message(room_id, first["message_id"]))["reactions"]
    assert reactions[0]["emoji"] == "👍" and reactions[0]["count"] == 2
    await bob.remove_reaction(first["message_id"], "👍")
    assert (await alice.get_message(room_id, first["message_id"]))["reactions"][0]["count"] == 1

    found = await alice.search_messages(room_id, "motor")
    assert found["total"] == 0  # edited away
    found = await alice.search_messages(room_id, "10:02")
    assert [hit["message"]["message_id"] for hit in found["results"]] == [first["message_id"]]
    assert "<mark>" in found["results"][0]["highlight"]
    chinese = await alice.search_messages(room_id, "過熱")
    assert [hit["message"]["message_id"] for hit in chinese["results"]] == [reply["message_id"]]
    with pytest.raises(ApiError) as too_short:
        await alice.search_messages(room_id, "a")
    assert (too_short.value.status, too_short.value.code) == (400, "invalid_request")

    await bob.delete_message(reply["message_id"])
    gone = await alice.get_message(room_id, reply["message_id"])
    assert gone["content"] is None and gone["deleted_at"]

    report = await alice.report(room_id)
    assert report.startswith(f"# Incident report: {room['title']}")
    assert "| temperature | 85 |" in report and "(edited)" in report and "(deleted)" in report

    assert await alice.online(room_id) == [] and await alice.typing_users(room_id) == []


async def test_client_id_makes_a_retry_safe(alice: IncidentClient, room: Room) -> None:
    client_id = new_client_id()
    first = await alice.send_message(room["room_id"], "once only", client_id=client_id)
    again = await alice.send_message(room["room_id"], "once only", client_id=client_id)
    assert again["message_id"] == first["message_id"]
    texts = [m["content"] async for m in alice.iter_messages(room["room_id"]) if m.get("client_id") == client_id]
    assert texts == ["once only"]


async def test_readings(alice: IncidentClient, room: Room) -> None:
    room_id = room["room_id"]
    for temperature in (70, 85, 92):
        await alice.send_readings(room_id, {"temperature": temperature, "pressure": 110})
    await alice.send_readings(room_id, {"pressure": 130})
    over_80 = await alice.readings(room_id, "temperature", min=80)
    assert [m["content"]["temperature"] for m in over_80 if isinstance(m["content"], dict)] == [85, 92]
    every = [m["content"] async for m in alice.iter_readings(room_id, "temperature")]
    assert [c["temperature"] for c in every if isinstance(c, dict)] == [70, 85, 92]
    assert len([m async for m in alice.iter_readings(room_id)]) == 4


async def test_validation_errors_carry_status_code_and_field(alice: IncidentClient, room: Room) -> None:
    with pytest.raises(ApiError) as too_large:
        await alice.send_message(room["room_id"], "x" * 10_241)
    assert (too_large.value.status, too_large.value.code) == (413, "message_too_large")

    with pytest.raises(ApiError) as invalid:
        await alice.request("POST", f"/api/rooms/{room['room_id']}/messages",
                            json_body={"content": "x", "message_type": "incident_data"}, expect=(201,))
    assert (invalid.value.status, invalid.value.code) == (422, "validation_failed")
    assert invalid.value.field == "content"

    with pytest.raises(ApiError) as bad_limit:
        await alice.messages(room["room_id"], limit=500)
    assert (bad_limit.value.status, bad_limit.value.code) == (400, "invalid_request")

    with pytest.raises(ApiError) as missing:
        await alice.get_room("00000000-0000-4000-8000-000000000000")
    assert (missing.value.status, missing.value.code) == (404, "not_found")


async def test_viewer_may_not_send(connect: Callable[..., IncidentClient], room: Room) -> None:
    with pytest.raises(ApiError) as refused:
        await connect("lin").send_message(room["room_id"], "hello")
    assert (refused.value.status, refused.value.code) == (403, "insufficient_permissions")


async def test_rate_limit_has_retry_after_and_send_retries_it(server: Server, alice: IncidentClient, room: Room) -> None:
    await alice.add_member(room["room_id"], "bench17@example.com", "EDITOR")
    async with IncidentClient(server.url, server.login("bench17", "bench")) as bench:
        results = await asyncio.gather(
            *(bench.send_message(room["room_id"], f"burst {i}") for i in range(30)), return_exceptions=True
        )
        limited = [r for r in results if isinstance(r, ApiError)]
        assert limited, "30 messages at once stay under the limit of a burst of 20"
        assert all(e.status == 429 and e.code == "rate_limited" and e.retryable for e in limited)
        assert all(e.retry_after is not None and e.retry_after > 0 for e in limited)
        # With retries the same call waits Retry-After and goes through, once.
        client_id = new_client_id()
        stored = await bench.send_message(room["room_id"], "after the burst", client_id=client_id, retries=5)
        assert stored["client_id"] == client_id


async def test_files_upload_list_download_delete(alice: IncidentClient, room: Room, tmp_path: object) -> None:
    room_id = room["room_id"]
    image = await alice.upload_file(room_id, PNG, filename="defect.png")
    assert image["file_type"] == "image" and image["size"] == len(PNG)
    message = await alice.send_message(room_id, "the defect", message_type="image_ref", file_id=image["file_id"])
    assert message["file"] and message["file"]["file_id"] == image["file_id"]
    assert [f["file_id"] for f in await alice.files(room_id)] == [image["file_id"]]
    fetched = await alice.get_file(room_id, image["file_id"])
    assert fetched["download_url"]  # the in-memory store's links are not HTTP; test_restart downloads from S3
    with pytest.raises(ApiError) as refused:
        await alice.upload_file(room_id, b"MZ\x90\x00 not an image", filename="virus.png")
    assert refused.value.status == 415 and refused.value.code == "unsupported_media_type"
    await alice.delete_file(room_id, image["file_id"])
    assert await alice.files(room_id) == []


async def test_notifications(alice: IncidentClient, connect: Callable[..., IncidentClient], room: Room) -> None:
    bob = connect("bob")
    await bob.mark_all_notifications_read()
    await alice.send_message(room["room_id"], "@bob@example.com the spare motor is in bay 2")
    page = await bob.notifications(unread=True)
    mention = next(n for n in page["notifications"] if n["type"] == "mention")
    assert page["unread_count"] >= 1 and mention["room_id"] == room["room_id"]
    await bob.mark_notification_read(mention["id"])
    assert mention["id"] not in [n["id"] for n in (await bob.notifications(unread=True))["notifications"]]


async def test_health(server: Server) -> None:
    async with IncidentClient(server.url) as client:
        assert await client.healthz() and await client.readyz()


async def test_an_answer_that_is_not_json_is_invalid_response() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>proxy</html>")

    async with IncidentClient("http://service", "t", transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(ApiError) as failed:
            await client.me()
    assert failed.value.code == "invalid_response"


async def test_an_error_page_without_the_error_body_keeps_its_status() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="Bad Gateway", headers={"Retry-After": "7"})

    async with IncidentClient("http://service", "t", transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(ApiError) as failed:
            await client.list_rooms()
    assert (failed.value.status, failed.value.code, failed.value.retry_after) == (502, "http_502", 7.0)
    assert failed.value.retryable
