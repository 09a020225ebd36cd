// Resume across a server restart, with the PostgreSQL store (what is committed survives; the in-memory store would
// forget the room). Needs TEST_DATABASE_URL and TEST_S3_ENDPOINT (scripts/services); under CI=true their absence
// fails the test instead of skipping it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { allMessages, connected, eventually, messagesOf, record, roomWith, signIn, sleep } from './support/helpers.js';
import { isCI, postgresUnavailable, Server } from './support/server.js';

const missing = postgresUnavailable();
const skip = missing && !isCI ? `PostgreSQL store unavailable: ${missing}` : false;

describe('across a server restart (PostgreSQL store)', { skip }, () => {
    let server;
    let alice;
    let bob;
    const open = [];
    before(async () => {
        if (missing) throw new Error(missing);
        server = await new Server({ store: 'postgres' }).start();
        [alice, bob] = await Promise.all([signIn(server.baseUrl, 'alice'), signIn(server.baseUrl, 'bob')]);
    });
    after(async () => {
        for (const c of open) c.close();
        await server?.stop();
    });

    test('killed mid-stream and restarted: nothing lost, nothing twice, the order of a client that never left', async () => {
        const room = await roomWith(alice, ['bob']);
        const quick = { backoff: { initialMs: 200, maxMs: 1000 } };
        const reader = alice.connectRoom(room.room_id, { ...quick, lastSeq: room.last_sequence_number, lastRev: room.rev });
        const writer = bob.connectRoom(room.room_id, quick);
        open.push(reader, writer);
        const seen = messagesOf(reader);
        const edits = record(reader, 'message_edited');
        await Promise.all([connected(reader), connected(writer)]);

        // The writer sends steadily, not waiting for acks; the server is killed (SIGKILL: a crash) in the middle.
        const total = 60;
        const acks = [];
        let sending = (async () => {
            for (let i = 0; i < total; i++) {
                acks.push(writer.send(`reading ${i}`));
                await sleep(25);
            }
        })();
        await eventually(() => seen.length >= 15, { message: 'messages before the crash' });
        const stoppedAt = seen.length;
        await server.restart('SIGKILL');
        // While the reader is away or catching up, an older message is edited over REST.
        const early = seen[3];
        await bob.editMessage(early.message_id, 'reading 3 (corrected)');
        await sending;
        const results = await Promise.all(acks);
        await eventually(() => seen.length === total && edits.length >= 1, { timeoutMs: 20000, message: 'every message and the edit' });

        assert.ok(stoppedAt < total);
        const stored = (await allMessages(alice, room.room_id)).filter((m) => m.message_type === 'text');
        assert.deepEqual(stored.map((m) => m.content), Array.from({ length: total }, (_, i) => (i === 3 ? 'reading 3 (corrected)' : `reading ${i}`)),
            'each message stored once, in the order written');
        assert.deepEqual(seen.map((m) => m.message_id), stored.map((m) => m.message_id), 'the reader saw what a client that never left sees');
        assert.deepEqual(results.map((ack) => ack.message_id), stored.map((m) => m.message_id), 'each send resolved with its own message');
        assert.equal(edits.at(-1).message.content, 'reading 3 (corrected)');
        const roomNow = await alice.getRoom(room.room_id);
        assert.deepEqual(reader.position, { lastSeq: roomNow.last_sequence_number, lastRev: roomNow.rev });
    });

    test('the offline queue survives a restart: written while the server is down, stored once when it is back', async () => {
        const room = await roomWith(alice, ['bob']);
        const writer = bob.connectRoom(room.room_id, { backoff: { initialMs: 200, maxMs: 1000 }, lastSeq: room.last_sequence_number });
        open.push(writer);
        await connected(writer);
        await writer.send('before the outage');
        await server.stop('SIGTERM');
        await eventually(() => writer.state.state === 'reconnecting', { message: 'reconnecting' });
        const queued = ['during 1', 'during 2', 'during 3'].map((text) => writer.send(text));
        await sleep(500);
        assert.deepEqual(writer.pending.map((p) => p.content), ['during 1', 'during 2', 'during 3']);
        await server.start();
        const acks = await Promise.all(queued);
        assert.deepEqual(acks.map((a) => a.sequence_number), [4, 5, 6]);
        const stored = (await allMessages(alice, room.room_id)).slice(2);
        assert.deepEqual(stored.map((m) => m.content), ['before the outage', 'during 1', 'during 2', 'during 3']);
    });
});
