// A resume too far behind. The service replays at most 5 000 messages and (its new rule) says so with
// `sync_complete.truncated: true`; here a proxy cuts the replay short and marks it, so both ways of handling it run
// in seconds: 'fill' loads the rest over REST as message events, 'reload' jumps to the end and asks for a reload.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { IncidentClient } from '../incident-rooms.js';
import { NodeWebSocket } from '../node-websocket.js';
import { allMessages, eventually, messagesOf, record, roomWith, signIn } from './support/helpers.js';
import { Proxy } from './support/proxy.js';
import { startServer } from './support/server.js';

let server;
let alice;
let bob;
before(async () => {
    server = await startServer({ args: ['--message-rate', '1000'] });
    [alice, bob] = await Promise.all([signIn(server.baseUrl, 'alice'), signIn(server.baseUrl, 'bob')]);
});
after(async () => { await server?.stop(); });

/** A proxy whose replays stop after sequence number `cut` and end with a truncated sync_complete. */
async function truncatingProxy(cut) {
    const proxy = await new Proxy(server.port).listen();
    let replaying = true;
    proxy.filter = (event) => {
        if (event.type === 'connected') replaying = true;
        if (replaying && event.type === 'message' && event.message.sequence_number > cut) return false;
        if (event.type === 'sync_complete') {
            replaying = false;
            return JSON.stringify({ ...event, last_sequence_number: cut, truncated: true });
        }
        return undefined;
    };
    return proxy;
}

async function busyRoom(count) {
    const room = await roomWith(alice, ['bob']);
    for (let i = 0; i < count; i++) await bob.sendMessage(room.room_id, `m${i}`);
    return alice.getRoom(room.room_id);
}

describe('a truncated resume', () => {
    test("'fill' (the default) loads what the replay left out over REST: every message once, in order", async () => {
        const room = await busyRoom(250);
        const proxy = await truncatingProxy(40);
        const client = new IncidentClient({ baseUrl: proxy.baseUrl, token: alice.token, WebSocket: NodeWebSocket });
        const c = client.connectRoom(room.room_id, { lastSeq: 0, lastRev: 0 });
        const seen = messagesOf(c);
        const syncs = record(c, 'sync_complete');
        await eventually(() => seen.length === room.last_sequence_number, { message: 'every message' });
        await bob.sendMessage(room.room_id, 'live after the fill');
        await eventually(() => seen.length === room.last_sequence_number + 1);
        assert.equal(syncs[0].truncated, true);
        const stored = await allMessages(alice, room.room_id);
        assert.deepEqual(seen.map((m) => m.message_id), stored.map((m) => m.message_id));
        c.close();
        await proxy.close();
    });

    test("'reload' jumps to the room's end and emits reload_required; live messages go on from there", async () => {
        const room = await busyRoom(60);
        const proxy = await truncatingProxy(10);
        const client = new IncidentClient({ baseUrl: proxy.baseUrl, token: alice.token, WebSocket: NodeWebSocket });
        const c = client.connectRoom(room.room_id, { lastSeq: 0, lastRev: 0, onTruncated: 'reload' });
        const seen = messagesOf(c);
        const reload = await c.waitFor('reload_required');
        assert.equal(reload.lastSeq, room.last_sequence_number);
        assert.equal(seen.length, 10);
        await bob.sendMessage(room.room_id, 'after the reload');
        await eventually(() => seen.length === 11);
        assert.equal(seen[10].content, 'after the reload');
        assert.equal(seen[10].sequence_number, room.last_sequence_number + 1);
        c.close();
        await proxy.close();
    });
});
