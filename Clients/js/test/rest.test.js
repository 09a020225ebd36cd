// Every REST method of IncidentClient against a real incidentd (in-memory store), and the ApiError of each failure.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError, IncidentClient } from '../incident-rooms.js';
import { EMAILS, roomWith, signIn } from './support/helpers.js';
import { startServer } from './support/server.js';

let server;
let alice;
let bob;
let carol;
before(async () => {
    server = await startServer();
    [alice, bob, carol] = await Promise.all([signIn(server.baseUrl, 'alice'), signIn(server.baseUrl, 'bob'), signIn(server.baseUrl, 'carol')]);
});
after(async () => { await server?.stop(); });

async function refusal(promise) {
    try {
        await promise;
    } catch (error) {
        assert.ok(error instanceof ApiError, `an ApiError, not ${error}`);
        return error;
    }
    assert.fail('the call succeeded');
}

describe('operations and authentication', () => {
    test('healthz, readyz and metrics answer without a token', async () => {
        const anonymous = new IncidentClient({ baseUrl: server.baseUrl });
        assert.equal((await anonymous.healthz()).status, 'ok');
        assert.equal((await anonymous.readyz()).status, 'ready');
        assert.match(await anonymous.metrics(), /incident_open_connections/);
    });

    test('login keeps the token; me answers the user; logout revokes it at once', async () => {
        const client = new IncidentClient({ baseUrl: server.baseUrl });
        const tokens = [];
        client.on('token', (e) => tokens.push(e.token));
        const result = await client.login('lin', 'linpw');
        assert.equal(result.token_type, 'Bearer');
        assert.equal(result.user.user_id, EMAILS.lin);
        assert.equal(client.token, result.token);
        const me = await client.me();
        assert.deepEqual(me, { user_id: EMAILS.lin, display_name: '林小明', email: EMAILS.lin, is_admin: false });
        const unauthorized = [];
        client.on('unauthorized', (e) => unauthorized.push(e.error.code));
        await client.logout();
        assert.equal(client.token, null);
        const revoked = new IncidentClient({ baseUrl: server.baseUrl, token: result.token });
        revoked.on('unauthorized', (e) => unauthorized.push(e.error.code));
        const error = await refusal(revoked.me());
        assert.equal(error.status, 401);
        assert.equal(error.code, 'unauthorized');
        assert.deepEqual(unauthorized, ['unauthorized']);
        assert.deepEqual(tokens, [result.token, null]);
    });

    test('a wrong password is invalid_credentials; repeated failures are 429 with retryAfter', async () => {
        const client = new IncidentClient({ baseUrl: server.baseUrl });
        const wrong = await refusal(client.login('carol', 'nope'));
        assert.equal(wrong.status, 401);
        assert.equal(wrong.code, 'invalid_credentials');
        for (let i = 0; i < 5; i++) await client.login('carol', 'nope').catch(() => {});
        const locked = await refusal(client.login('carol', 'carolpw'));
        assert.equal(locked.status, 429);
        assert.equal(locked.code, 'rate_limited');
        assert.ok(locked.retryAfter > 0 && locked.retryAfter <= 300, `retryAfter ${locked.retryAfter}`);
        assert.equal(locked.retryable, true);
    });

    test('no answer at all is a network_error with status 0', async () => {
        const client = new IncidentClient({ baseUrl: 'http://127.0.0.1:9' });
        const error = await refusal(client.healthz());
        assert.equal(error.status, 0);
        assert.equal(error.code, 'network_error');
        assert.equal(error.retryable, true);
    });
});

describe('rooms and members', () => {
    test('create, get, list with filters, update, and the system messages they store', async () => {
        const room = await alice.createRoom({
            title: 'Press 7 hydraulic leak', incident_type: 'equipment_failure', severity: 'critical',
            location: 'Hall B', description: 'oil on the floor', lots: ['LOT-7781'],
        });
        assert.equal(room.my_role, 'OWNER');
        assert.equal(room.last_sequence_number, 1);
        assert.deepEqual((await alice.getRoom(room.room_id)).lots, ['LOT-7781']);
        const found = await alice.listRooms({ q: 'LOT-7781', severity: 'critical', limit: 5 });
        assert.equal(found.total, 1);
        assert.equal(found.rooms[0].room_id, room.room_id);
        assert.equal(found.limit, 5);
        const updated = await alice.updateRoom(room.room_id, { severity: 'high', status: 'resolved' });
        assert.equal(updated.status, 'resolved');
        const history = await alice.listMessages(room.room_id, { messageType: 'system' });
        assert.deepEqual(history.messages.map((m) => m.metadata.event), ['status_changed', 'room_created']);
        const invalid = await refusal(alice.createRoom({ title: 'x', incident_type: 'equipment_failure', severity: 'urgent' }));
        assert.equal(invalid.status, 422);
        assert.equal(invalid.code, 'validation_failed');
        assert.equal(invalid.field, 'severity');
        const badLimit = await refusal(alice.listRooms({ limit: 500 }));
        assert.equal(badLimit.status, 400);
        assert.equal(badLimit.code, 'invalid_request');
    });

    test('members: add, change role, remove; the last owner stays; others get forbidden', async () => {
        const room = await roomWith(alice);
        const added = await alice.addMember(room.room_id, EMAILS.bob, 'VIEWER');
        assert.equal(added.role, 'VIEWER');
        assert.equal((await alice.changeMemberRole(room.room_id, EMAILS.bob, 'EDITOR')).role, 'EDITOR');
        const members = await bob.listMembers(room.room_id);
        assert.deepEqual(members.members.map((m) => [m.user_id, m.role]).sort(), [[EMAILS.alice, 'OWNER'], [EMAILS.bob, 'EDITOR']]);
        const notOwner = await refusal(bob.addMember(room.room_id, EMAILS.carol));
        assert.equal(notOwner.code, 'insufficient_permissions');
        const last = await refusal(alice.changeMemberRole(room.room_id, EMAILS.alice, 'EDITOR'));
        assert.equal(last.status, 409);
        const outsider = await refusal(carol.getRoom(room.room_id));
        assert.equal(outsider.status, 403);
        assert.equal(outsider.code, 'forbidden');
        await alice.removeMember(room.room_id, EMAILS.bob);
        assert.equal((await refusal(bob.getRoom(room.room_id))).code, 'forbidden');
        const unknown = await refusal(alice.getRoom('7d4f8a1e-0000-4000-8000-000000000000'));
        assert.equal(unknown.status, 404);
        assert.equal(unknown.code, 'not_found');
    });

    test('online, typing and the Markdown report', async () => {
        const room = await roomWith(alice, ['bob']);
        assert.deepEqual((await alice.online(room.room_id)).users, []);
        assert.deepEqual((await alice.typing(room.room_id)).users, []);
        await bob.sendMessage(room.room_id, 'belt motor overheated');
        const report = await alice.report(room.room_id);
        assert.match(report, /Line 3 conveyor stopped/);
        assert.match(report, /belt motor overheated/);
    });
});

describe('messages', () => {
    test('send text and readings, page history both ways, get one, read readings', async () => {
        const room = await roomWith(alice, ['bob']);
        const first = await bob.sendMessage(room.room_id, 'first');
        // Creating the room (1) and adding bob (2) stored system messages.
        assert.equal(room.last_sequence_number, 2);
        assert.equal(first.sequence_number, 3);
        assert.match(first.client_id, /^[0-9a-f-]{36}$/);
        const reading = await bob.sendReadings(room.room_id, { temperature: 85, pressure: 120 });
        assert.equal(reading.message_type, 'incident_data');
        assert.deepEqual(reading.content, { temperature: 85, pressure: 120 });
        await bob.sendReadings(room.room_id, { temperature: 70 });
        for (let i = 0; i < 5; i++) await bob.sendMessage(room.room_id, `n${i}`);
        const newest = await alice.listMessages(room.room_id, { limit: 3 });
        assert.deepEqual(newest.messages.map((m) => m.content), ['n4', 'n3', 'n2']);
        assert.equal(newest.has_more, true);
        const older = await alice.listMessages(room.room_id, { limit: 3, beforeSeq: newest.next_before_seq });
        assert.deepEqual(older.messages.map((m) => m.content), ['n1', 'n0', { temperature: 70 }]);
        const after = await alice.listMessages(room.room_id, { afterSeq: 1, limit: 2 });
        assert.deepEqual(after.messages.map((m) => m.sequence_number), [2, 3]);
        assert.equal(after.next_after_seq, 3);
        const all = [];
        for await (const m of alice.messagesAfter(room.room_id, 0, { pageSize: 2 })) all.push(m.sequence_number);
        assert.deepEqual(all, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert.equal((await alice.getMessage(room.room_id, first.message_id)).content, 'first');
        const hot = await alice.readings(room.room_id, { name: 'temperature', min: 80 });
        assert.deepEqual(hot.messages.map((m) => m.content.temperature), [85]);
    });

    test('the same client_id sent again is stored once', async () => {
        const room = await roomWith(alice, ['bob']);
        const body = { content: 'retry me', client_id: 'mes-line3-0001' };
        const one = await bob.sendMessage(room.room_id, body);
        const two = await bob.sendMessage(room.room_id, body);
        assert.equal(one.message_id, two.message_id);
        assert.equal((await alice.getRoom(room.room_id)).last_sequence_number, room.last_sequence_number + 1);
    });

    test('edit, edit history, reactions, delete, and their refusals', async () => {
        const room = await roomWith(alice, ['bob']);
        const message = await bob.sendMessage(room.room_id, 'pressure 12 bar');
        const edited = await bob.editMessage(message.message_id, 'pressure 14 bar');
        assert.equal(edited.content, 'pressure 14 bar');
        assert.ok(edited.edited_at);
        const history = await alice.messageHistory(message.message_id);
        assert.deepEqual(history.edits.map((e) => e.original_content), ['pressure 12 bar']);
        const notOwner = await refusal(alice.editMessage(message.message_id, 'mine now'));
        assert.equal(notOwner.status, 403);
        assert.equal(notOwner.code, 'not_owner');
        const reacted = await alice.addReaction(message.message_id, '👍');
        assert.deepEqual(reacted.reactions, [{ emoji: '👍', count: 1, user_ids: [EMAILS.alice] }]);
        await alice.removeReaction(message.message_id, '👍');
        assert.deepEqual((await alice.getMessage(room.room_id, message.message_id)).reactions, []);
        await bob.deleteMessage(message.message_id);
        const deleted = await alice.getMessage(room.room_id, message.message_id);
        assert.equal(deleted.content, null);
        assert.ok(deleted.deleted_at);
        const tooLarge = await refusal(bob.sendMessage(room.room_id, 'x'.repeat(10241)));
        assert.equal(tooLarge.status, 413);
        assert.equal(tooLarge.code, 'message_too_large');
        const control = await refusal(bob.sendMessage(room.room_id, 'bell \u0007'));
        assert.equal(control.status, 422);
        assert.equal(control.field, 'content');
    });

    test('search within a room, with escaped highlights, in English and Chinese', async () => {
        const room = await roomWith(alice, ['lin']);
        const lin = await signIn(server.baseUrl, 'lin');
        await lin.sendMessage(room.room_id, '輸送帶馬達過熱 <b>now</b>');
        await lin.sendMessage(room.room_id, 'Motor bearing replaced');
        const english = await alice.searchRoom(room.room_id, 'motor');
        assert.equal(english.total, 1);
        assert.match(english.results[0].highlight, /<mark>Motor<\/mark>/);
        const chinese = await alice.searchRoom(room.room_id, '馬達');
        assert.equal(chinese.total, 1);
        assert.match(chinese.results[0].highlight, /&lt;b&gt;/);
        assert.equal((await refusal(alice.searchRoom(room.room_id, 'm'))).status, 400);
    });
});

describe('files', () => {
    test('upload a PNG from bytes, list, get, delete; a refused type is 415', async () => {
        const room = await roomWith(alice, ['bob']);
        const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]);
        const progress = [];
        const file = await bob.uploadFile(room.room_id, png, { filename: 'defect.png', onProgress: (p) => progress.push(p) });
        assert.equal(file.file_type, 'image');
        assert.equal(file.size, png.length);
        assert.deepEqual(progress.at(-1), { loaded: png.length, total: png.length });
        assert.deepEqual((await alice.listFiles(room.room_id)).files.map((f) => f.file_id), [file.file_id]);
        assert.equal((await alice.getFile(room.room_id, file.file_id)).filename, 'defect.png');
        const withImage = await bob.sendMessage(room.room_id, { message_type: 'image_ref', content: 'the crack', file_id: file.file_id });
        assert.equal(withImage.file.file_id, file.file_id);
        await bob.deleteFile(room.room_id, file.file_id);
        assert.equal((await refusal(alice.getFile(room.room_id, file.file_id))).status, 404);
        const exe = await refusal(bob.uploadFile(room.room_id, new Blob(['MZ\x90\x00']), { filename: 'tool.exe' }));
        assert.equal(exe.status, 415);
        assert.equal(exe.code, 'unsupported_media_type');
    });
});

describe('notifications', () => {
    test('a mention notifies; list, mark one read, mark all read', async () => {
        const room = await roomWith(alice, ['bob', 'carol']);
        await bob.sendMessage(room.room_id, '@Carol Clark please check the belt');
        await bob.sendMessage(room.room_id, { content: 'and the motor', mentions: [EMAILS.carol] });
        const unread = await carol.listNotifications({ unread: true });
        const mentions = unread.notifications.filter((n) => n.type === 'mention' && n.room_id === room.room_id);
        assert.equal(mentions.length, 2);
        await carol.markNotificationRead(mentions[0].id);
        const after = await carol.listNotifications({ unread: true });
        assert.equal(after.unread_count, unread.unread_count - 1);
        await carol.markAllNotificationsRead();
        assert.equal((await carol.listNotifications({ unread: true })).unread_count, 0);
        assert.equal((await refusal(carol.markNotificationRead('not-a-uuid'))).status, 400);
    });
});
