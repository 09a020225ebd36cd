// RoomConnection against a real incidentd (in-memory store), with a proxy in between where the network must fail.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError, IncidentClient, backoffDelay } from '../incident-rooms.js';
import { NodeWebSocket } from '../node-websocket.js';
import { EMAILS, allMessages, connected, eventually, messagesOf, record, roomWith, signIn, sleep } from './support/helpers.js';
import { Proxy } from './support/proxy.js';
import { freePort, startServer } from './support/server.js';

let server;
let alice;
let bob;
const quick = { backoff: { initialMs: 100, maxMs: 400 } };
const open = [];
const track = (connection) => { open.push(connection); return connection; };

before(async () => {
    server = await startServer();
    [alice, bob] = await Promise.all([signIn(server.baseUrl, 'alice'), signIn(server.baseUrl, 'bob')]);
});
after(async () => {
    for (const connection of open) connection.close();
    await server?.stop();
});

/** A client of the same user that talks to incidentd through `proxy`. */
function through(proxy, client) {
    return new IncidentClient({ baseUrl: proxy.baseUrl, token: client.token, WebSocket: NodeWebSocket });
}

/** The room as a client that applies every event would show it: message id -> {content, reactions, deleted}. */
function model(connection) {
    const state = new Map();
    const put = (m) => state.set(m.message_id, { seq: m.sequence_number, content: m.content, reactions: m.reactions, deleted: m.deleted_at !== null });
    connection.on('message', ({ message }) => put(message));
    connection.on('message_edited', ({ message }) => put(message));
    connection.on('message_deleted', ({ message_id }) => { state.get(message_id).deleted = true; state.get(message_id).content = null; });
    connection.on('reactions_updated', ({ message_id, reactions }) => { state.get(message_id).reactions = reactions; });
    return state;
}

const restModel = async (client, roomId) => new Map((await allMessages(client, roomId)).map((m) => [m.message_id, {
    seq: m.sequence_number, content: m.content, reactions: m.reactions, deleted: m.deleted_at !== null,
}]));

describe('RoomConnection', () => {
    test('send and receive: in order, each once, acks matched by client_id, presence', async () => {
        const room = await roomWith(alice, ['bob']);
        const a = track(alice.connectRoom(room.room_id, { lastSeq: room.last_sequence_number, lastRev: room.rev }));
        const seenByAlice = messagesOf(a);
        await connected(a);
        assert.equal(a.userId, EMAILS.alice);
        assert.equal(a.role, 'OWNER');
        const joined = a.waitFor('system', (e) => e.event === 'user_joined' && e.user_id === EMAILS.bob);
        const b = track(bob.connectRoom(room.room_id));
        const seenByBob = messagesOf(b);
        await connected(b);
        await joined;
        assert.deepEqual(a.online.map((u) => u.user_id).sort(), [EMAILS.alice, EMAILS.bob]);
        const acks = await Promise.all(['one', 'two', 'three', 'four', 'five'].map((text) => b.send(text)));
        assert.deepEqual(acks.map((ack) => ack.sequence_number), [3, 4, 5, 6, 7]);
        await eventually(() => seenByAlice.length === 5, { message: 'alice has the five messages' });
        assert.deepEqual(seenByAlice.map((m) => m.content), ['one', 'two', 'three', 'four', 'five']);
        assert.deepEqual(seenByAlice.map((m) => m.client_id), acks.map((ack) => ack.client_id));
        await eventually(() => seenByBob.length === 5);
        assert.deepEqual(seenByBob.map((m) => m.sequence_number), [3, 4, 5, 6, 7]);
        assert.deepEqual(b.pending, []);
        assert.equal(a.position.lastSeq, 7);
        const left = a.waitFor('system', (e) => e.event === 'user_left');
        b.close();
        await left;
        assert.deepEqual(a.online.map((u) => u.user_id), [EMAILS.alice]);
    });

    test('a refused message rejects alone; the queue goes on in order; rate limits are waited out', async () => {
        const room = await roomWith(alice, ['bob']);
        const b = track(bob.connectRoom(room.room_id, { lastSeq: room.last_sequence_number }));
        await connected(b);
        const failures = record(b, 'send_failed');
        const tooLong = b.send('x'.repeat(10241));
        const next = b.send('after the refused one');
        const error = await tooLong.then(() => null, (e) => e);
        assert.ok(error instanceof ApiError);
        assert.equal(error.code, 'message_too_large');
        assert.equal((await next).sequence_number, room.last_sequence_number + 1);
        assert.equal(failures.length, 1);
        const huge = await b.send('y'.repeat(1100000)).then(() => null, (e) => e);
        assert.equal(huge.code, 'message_too_large');
        // 30 at once is over the burst of 20: the ones refused with rate_limited are sent again, in order.
        const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => b.send(`burst ${i}`)));
        const seqs = burst.map((ack) => ack.sequence_number);
        assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + i));
        const stored = await allMessages(alice, room.room_id);
        assert.deepEqual(stored.filter((m) => m.content.startsWith?.('burst')).map((m) => m.content), burst.map((_, i) => `burst ${i}`));
    });

    test('typing is debounced and ends by itself', async () => {
        const room = await roomWith(alice, ['bob']);
        const a = track(alice.connectRoom(room.room_id));
        const b = track(bob.connectRoom(room.room_id, { typingIntervalMs: 2000, typingIdleMs: 400 }));
        await Promise.all([connected(a), connected(b)]);
        const typing = record(a, 'typing');
        for (let i = 0; i < 20; i++) {
            b.typing();
            await sleep(25);
        }
        await eventually(() => typing.some((t) => !t.is_typing), { message: 'is_typing false' });
        assert.deepEqual(typing.map((t) => [t.user_id, t.is_typing]), [[EMAILS.bob, true], [EMAILS.bob, false]]);
        b.typing();
        await eventually(() => typing.length === 3);
        await b.send('done typing');
        await eventually(() => typing.length === 4);
        assert.equal(typing[3].is_typing, false);
    });

    test('resumes after a dropped link: what changed meanwhile arrives, nothing twice', async () => {
        const room = await roomWith(alice, ['bob']);
        const proxy = await new Proxy(server.port).listen();
        const a = track(through(proxy, alice).connectRoom(room.room_id, { ...quick, lastSeq: room.last_sequence_number, lastRev: room.rev }));
        const view = model(a);
        const seen = messagesOf(a);
        await connected(a);
        const sent = [];
        for (const text of ['m1', 'm2', 'm3']) sent.push(await bob.sendMessage(room.room_id, text));
        await eventually(() => seen.length === 3);
        const states = record(a, 'state');
        proxy.blocked = true;
        proxy.cut();
        await eventually(() => a.state.state === 'reconnecting', { message: 'reconnecting' });
        await bob.sendMessage(room.room_id, 'm4');
        await bob.editMessage(sent[0].message_id, 'm1 (corrected)');
        await alice.addReaction(sent[1].message_id, '🔧');
        await bob.deleteMessage(sent[2].message_id);
        await bob.sendMessage(room.room_id, 'm5');
        proxy.blocked = false;
        await eventually(() => a.state.state === 'connected' && seen.length === 5, { message: 'resumed' });
        assert.deepEqual(seen.map((m) => m.content), ['m1', 'm2', 'm3', 'm4', 'm5']);
        assert.ok(states.some((s) => s.state === 'reconnecting' && s.delayMs > 0));
        const expected = await restModel(alice, room.room_id);
        for (const [id, entry] of view) assert.deepEqual(entry, expected.get(id), `message ${entry.seq}`);
        const roomNow = await alice.getRoom(room.room_id);
        assert.deepEqual(a.position, { lastSeq: roomNow.last_sequence_number, lastRev: roomNow.rev });
        a.close();
        await proxy.close();
    });

    test('a gap (a message that never arrived) is filled over REST, without reconnecting', async () => {
        const room = await roomWith(alice, ['bob']);
        const proxy = await new Proxy(server.port).listen();
        proxy.filter = (event) => !(event.type === 'message' && event.message.content === 'lost on the way');
        const a = track(through(proxy, alice).connectRoom(room.room_id, { lastSeq: room.last_sequence_number }));
        const seen = messagesOf(a);
        const gaps = record(a, 'gap', 'gap_filled');
        await connected(a);
        for (const text of ['before', 'lost on the way', 'after', 'later']) await bob.sendMessage(room.room_id, text);
        await eventually(() => seen.length === 4, { message: 'four messages' });
        assert.deepEqual(seen.map((m) => m.content), ['before', 'lost on the way', 'after', 'later']);
        assert.deepEqual(seen.map((m) => m.sequence_number), [3, 4, 5, 6]);
        // The fill loads everything REST has after 3; the live copies of 5 and 6 are then dropped as seen.
        assert.deepEqual(gaps.map((g) => [g.type, g.after]), [['gap', 3], ['gap_filled', 3]]);
        assert.equal(gaps[0].through, 4);
        assert.ok(gaps[1].through >= 4);
        assert.equal(proxy.upgrades, 1);
        a.close();
        await proxy.close();
    });

    test('malformed events are reported as protocol_error and change nothing', async () => {
        const room = await roomWith(alice, ['bob']);
        const proxy = await new Proxy(server.port).listen();
        const a = track(through(proxy, alice).connectRoom(room.room_id, { lastSeq: room.last_sequence_number }));
        const seen = messagesOf(a);
        const problems = record(a, 'protocol_error');
        await connected(a);
        const states = record(a, 'state');
        await bob.sendMessage(room.room_id, 'real one');
        await eventually(() => seen.length === 1);
        const template = seen[0];
        const garbage = [
            'not json at all', '[1, 2, 3]', 'null', '"a string"', '{"no": "type"}', '{"type": 42}',
            '{"type": "message"}', JSON.stringify({ type: 'message', message: { ...template, sequence_number: 'four' } }),
            JSON.stringify({ type: 'message', message: { ...template, sequence_number: 4, room_id: 'another-room' } }),
            JSON.stringify({ type: 'message', message: { ...template, message_id: 7 } }),
            JSON.stringify({ type: 'message_edited', message: null }),
            JSON.stringify({ type: 'reactions_updated', message_id: template.message_id, reactions: 'lots' }),
            JSON.stringify({ type: 'typing', user_id: EMAILS.bob, is_typing: 'yes' }),
            JSON.stringify({ type: 'sync_complete', last_sequence_number: -1, rev: 0 }),
            JSON.stringify({ type: 'ack', client_id: 5, message_id: 'x', sequence_number: 1 }),
            JSON.stringify({ type: 'error' }),
            '{"type": "message", "message": {"sequence_number": 1e400}}',
        ];
        for (const frame of garbage) proxy.inject(frame);
        // A duplicate of a message already seen is not shown twice, and an unknown type is only passed on.
        proxy.inject(JSON.stringify({ type: 'message', message: template }));
        const unknown = a.waitFor('event', (e) => e.type === 'future_event');
        proxy.inject(JSON.stringify({ type: 'future_event', detail: 1 }));
        await unknown;
        await bob.sendMessage(room.room_id, 'still fine');
        await eventually(() => seen.length === 2, { message: 'the next real message' });
        assert.deepEqual(seen.map((m) => m.content), ['real one', 'still fine']);
        assert.equal(problems.length, garbage.length, problems.map((p) => p.reason).join('\n'));
        assert.ok(problems.every((p) => typeof p.reason === 'string' && typeof p.raw === 'string'));
        assert.deepEqual(states, [], 'the connection stayed up');
        assert.equal(proxy.upgrades, 1);
        a.close();
        await proxy.close();
    });

    test('a connection whose pongs stop coming is dropped and resumed', async () => {
        const room = await roomWith(alice, ['bob']);
        const proxy = await new Proxy(server.port).listen();
        let swallow = false;
        proxy.filter = (event) => !(swallow && event.type === 'pong');
        const a = track(through(proxy, alice).connectRoom(room.room_id, { ...quick, lastSeq: room.last_sequence_number, pingIntervalMs: 100, pongTimeoutMs: 200 }));
        const pongs = record(a, 'pong');
        const seen = messagesOf(a);
        await connected(a);
        await eventually(() => pongs.length >= 2, { message: 'pongs' });
        swallow = true;
        // The server still sends messages, so only a quiet link would show it: cut the server's traffic instead.
        const disconnected = a.waitFor('disconnected', () => true, 5000);
        proxy.filter = () => false;
        const lost = await disconnected;
        assert.equal(lost.reason, 'no pong');
        proxy.filter = null;
        await bob.sendMessage(room.room_id, 'after the silence');
        await eventually(() => a.state.state === 'connected' && seen.length === 1, { message: 'resumed' });
        assert.ok(proxy.upgrades >= 2);
        a.close();
        await proxy.close();
    });

    test('offline queue: messages written while away go out on reconnect, in order, once', async () => {
        const room = await roomWith(alice, ['bob']);
        const proxy = await new Proxy(server.port).listen();
        const b = track(through(proxy, bob).connectRoom(room.room_id, { ...quick, lastSeq: room.last_sequence_number }));
        await connected(b);
        proxy.blocked = true;
        proxy.cut();
        await eventually(() => b.state.state === 'reconnecting');
        const promises = ['offline 1', 'offline 2', 'offline 3'].map((text) => b.send(text));
        assert.deepEqual(b.pending.map((p) => p.content), ['offline 1', 'offline 2', 'offline 3']);
        await sleep(300);
        assert.equal((await alice.getRoom(room.room_id)).last_sequence_number, room.last_sequence_number, 'nothing sent while away');
        proxy.blocked = false;
        const acks = await Promise.all(promises);
        assert.deepEqual(acks.map((ack) => ack.sequence_number), [3, 4, 5]);
        const stored = (await allMessages(alice, room.room_id)).slice(2);
        assert.deepEqual(stored.map((m) => m.content), ['offline 1', 'offline 2', 'offline 3']);
        assert.deepEqual(b.pending, []);
        b.close();
        await proxy.close();
    });

    test('a message whose ack was lost is sent again with its client_id and stored once', async () => {
        const room = await roomWith(alice, ['bob']);
        const proxy = await new Proxy(server.port).listen();
        let cutAfterCommit = true;
        proxy.filter = (event) => {
            // The message is committed but the link dies before its ack and broadcast reach the sender.
            if (cutAfterCommit && (event.type === 'ack' || event.type === 'message')) {
                cutAfterCommit = false;
                setImmediate(() => proxy.cut());
                return false;
            }
            return true;
        };
        const b = track(through(proxy, bob).connectRoom(room.room_id, { ...quick, lastSeq: room.last_sequence_number }));
        const seen = messagesOf(b);
        await connected(b);
        const ack = await b.send('exactly once');
        const again = await b.send('and the next');
        assert.equal(again.sequence_number, ack.sequence_number + 1);
        const stored = (await allMessages(alice, room.room_id)).slice(2);
        assert.deepEqual(stored.map((m) => m.content), ['exactly once', 'and the next']);
        await eventually(() => seen.length === 2);
        assert.deepEqual(seen.map((m) => m.content), ['exactly once', 'and the next']);
        assert.ok(proxy.upgrades >= 2);
        b.close();
        await proxy.close();
    });

    test('the pending queue can be kept and restored by a new connection (a reloaded page)', async () => {
        const room = await roomWith(alice, ['bob']);
        const proxy = await new Proxy(server.port).listen();
        proxy.blocked = true;
        const first = through(proxy, bob).connectRoom(room.room_id, { ...quick, lastSeq: room.last_sequence_number });
        first.send('written before the reload').catch(() => {});
        first.send({ content: { temperature: 91 }, message_type: 'incident_data' }).catch(() => {});
        const saved = JSON.parse(JSON.stringify(first.pending));
        first.close();
        assert.equal(saved.length, 2);
        const second = track(bob.connectRoom(room.room_id, { lastSeq: room.last_sequence_number, pending: saved }));
        await eventually(() => second.pending.length === 0, { message: 'the restored queue is sent' });
        const stored = (await allMessages(alice, room.room_id)).slice(2);
        assert.deepEqual(stored.map((m) => m.content), ['written before the reload', { temperature: 91 }]);
        assert.deepEqual(stored.map((m) => m.client_id), saved.map((p) => p.client_id));
        await proxy.close();
    });
});

describe('RoomConnection stops when the token or the access is gone', () => {
    test('a bad token: upgrade refused with 401, stopped once, no retry loop', async () => {
        const room = await roomWith(alice);
        const client = new IncidentClient({ baseUrl: server.baseUrl, token: 'not-a-token', WebSocket: NodeWebSocket });
        const c = track(client.connectRoom(room.room_id, quick));
        const states = record(c, 'state');
        const stopped = await c.waitFor('stopped');
        assert.equal(stopped.reason, 'unauthorized');
        assert.equal(stopped.status, 401);
        await sleep(600);
        assert.deepEqual(states.map((s) => s.state), ['connecting', 'stopped']);
    });

    test('a browser-like socket that hides the status: REST tells the token is gone', async () => {
        class BrowserLikeSocket extends NodeWebSocket {
            constructor(url) {
                super(url);
                const strip = (name) => {
                    Object.defineProperty(this, name, {
                        set(handler) { this[`_${name}`] = handler; },
                        get() { return this[`_${name}`] && ((event) => this[`_${name}`]({ ...event, status: undefined })); },
                    });
                };
                strip('onclose');
                strip('onerror');
            }
        }
        const room = await roomWith(alice);
        const client = new IncidentClient({ baseUrl: server.baseUrl, token: 'expired.or.revoked', WebSocket: BrowserLikeSocket });
        const c = track(client.connectRoom(room.room_id, quick));
        const states = record(c, 'state');
        const stopped = await c.waitFor('stopped');
        assert.equal(stopped.reason, 'unauthorized');
        await sleep(400);
        assert.deepEqual(states.map((s) => s.state), ['connecting', 'stopped']);
    });

    test('logout while connected: closed with 1008, stopped, and restart() after a new sign-in resumes', async () => {
        const room = await roomWith(alice, ['bob']);
        const bob2 = await signIn(server.baseUrl, 'bob');
        const c = track(bob2.connectRoom(room.room_id, { ...quick, lastSeq: room.last_sequence_number }));
        const seen = messagesOf(c);
        await connected(c);
        const stoppedPromise = c.waitFor('stopped');
        await bob2.logout();
        const stopped = await stoppedPromise;
        assert.equal(stopped.reason, 'unauthorized');
        assert.equal(stopped.code, 1008);
        const queued = c.send('written after the token went away');
        await alice.sendMessage(room.room_id, 'while bob was signed out');
        await sleep(400);
        assert.equal(c.state.state, 'stopped');
        await bob2.login('bob', 'bobpw');
        c.start();
        const ack = await queued;
        assert.equal(ack.sequence_number, room.last_sequence_number + 2);
        await eventually(() => seen.length === 2);
        assert.deepEqual(seen.map((m) => m.content), ['while bob was signed out', 'written after the token went away']);
    });

    test('removed from the room: closed with 1008, stopped as forbidden', async () => {
        const room = await roomWith(alice, ['bob']);
        const c = track(bob.connectRoom(room.room_id, quick));
        await connected(c);
        const stopped = c.waitFor('stopped');
        await alice.removeMember(room.room_id, EMAILS.bob);
        assert.equal((await stopped).reason, 'forbidden');
    });

    test('not a member: 403 at the upgrade, stopped as forbidden', async () => {
        const room = await roomWith(alice);
        const c = track(bob.connectRoom(room.room_id, quick));
        const stopped = await c.waitFor('stopped');
        assert.equal(stopped.reason, 'forbidden');
        assert.equal(stopped.status, 403);
    });
});

describe('reconnect timing', () => {
    test('backoffDelay: 1, 2, 4, 8, 16, 30, 30 s, each less up to a quarter', () => {
        assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 12].map((n) => backoffDelay(n, {}, () => 0)), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
        assert.deepEqual([1, 2, 6].map((n) => backoffDelay(n, {}, () => 1)), [750, 1500, 22500]);
    });

    test('a server that is away: reconnecting after about 1, then 2, then 4 s, as state events', async () => {
        const port = await freePort();
        const client = new IncidentClient({ baseUrl: `http://127.0.0.1:${port}`, token: alice.token, WebSocket: NodeWebSocket });
        const c = track(client.connectRoom('7d4f8a1e-0000-4000-8000-000000000000'));
        const waits = [];
        c.on('state', (s) => { if (s.state === 'reconnecting') waits.push([s.attempt, s.delayMs]); });
        await eventually(() => waits.length === 3, { timeoutMs: 8000, message: 'three reconnect attempts' });
        c.close();
        assert.deepEqual(waits.map(([attempt]) => attempt), [1, 2, 3]);
        const [first, second, third] = waits.map(([, delay]) => delay);
        assert.ok(first >= 750 && first <= 1000, `first ${first}`);
        assert.ok(second >= 1500 && second <= 2000, `second ${second}`);
        assert.ok(third >= 3000 && third <= 4000, `third ${third}`);
        assert.equal(c.state.state, 'stopped');
    });

    test('the token may go in the Authorization header instead of the URL', async () => {
        const room = await roomWith(alice);
        const client = new IncidentClient({ baseUrl: server.baseUrl, token: alice.token, WebSocket: NodeWebSocket, socketAuth: 'header' });
        assert.doesNotMatch(client.socketUrl(`/ws/${room.room_id}`), /token=/);
        const c = track(client.connectRoom(room.room_id));
        await connected(c);
        assert.equal(c.userId, EMAILS.alice);
        c.close();
    });
});
