// NotificationConnection against a real incidentd (in-memory store).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Proxy } from './support/proxy.js';
import { IncidentClient } from '../incident-rooms.js';
import { NodeWebSocket } from '../node-websocket.js';
import { EMAILS, connected, eventually, record, roomWith, signIn } from './support/helpers.js';
import { startServer } from './support/server.js';

let server;
let alice;
let bob;
before(async () => {
    server = await startServer();
    [alice, bob] = await Promise.all([signIn(server.baseUrl, 'alice'), signIn(server.baseUrl, 'bob')]);
});
after(async () => { await server?.stop(); });

describe('NotificationConnection', () => {
    test('unread_sync, a mention as it happens, mark read over the socket and over REST, unread counts', async () => {
        const carol = await signIn(server.baseUrl, 'carol');
        const room = await roomWith(alice, ['bob', 'carol']);
        const bell = carol.connectNotifications();
        const counts = [];
        bell.on('unread', (e) => counts.push(e.count));
        await bell.waitFor('unread_sync');
        assert.equal(bell.state.state, 'connected');
        const before = bell.unreadCount;
        assert.ok(before >= 1, 'member_added is unread');
        const arrived = bell.waitFor('notification', (e) => e.data.type === 'mention');
        await bob.sendMessage(room.room_id, '@Carol Clark the sensor reads 91 °C');
        const mention = (await arrived).data;
        assert.equal(mention.room_id, room.room_id);
        assert.equal(bell.unreadCount, before + 1);
        const marked = bell.waitFor('mark_read');
        await bell.markRead(mention.id);
        assert.equal((await marked).notification_id, mention.id);
        assert.equal(bell.unreadCount, before);
        const rest = await carol.listNotifications({ unread: true });
        assert.ok(!rest.notifications.some((n) => n.id === mention.id));
        await bell.markAllRead();
        assert.equal(bell.unreadCount, 0);
        assert.deepEqual(counts.slice(-3), [before + 1, before, 0]);
        bell.close();
    });

    test('resumes after a dropped link with a fresh unread_sync; logout stops it', async () => {
        const carol = await signIn(server.baseUrl, 'carol');
        const room = await roomWith(alice, ['carol']);
        const proxy = await new Proxy(server.port).listen();
        const viaProxy = new IncidentClient({ baseUrl: proxy.baseUrl, token: carol.token, WebSocket: NodeWebSocket });
        const bell = viaProxy.connectNotifications({ backoff: { initialMs: 100, maxMs: 300 } });
        const syncs = record(bell, 'unread_sync');
        await connected(bell);
        proxy.blocked = true;
        proxy.cut();
        await eventually(() => bell.state.state === 'reconnecting');
        await alice.sendMessage(room.room_id, { content: 'while you were away', mentions: [EMAILS.carol] });
        proxy.blocked = false;
        await eventually(() => syncs.length === 2, { message: 'a second unread_sync' });
        assert.ok(bell.unread.some((n) => n.type === 'mention' && n.room_id === room.room_id), 'the mention made while away is unread');
        const stopped = bell.waitFor('stopped');
        await carol.logout();
        assert.equal((await stopped).reason, 'unauthorized');
        await proxy.close();
    });

    test('a malformed notification event is reported, the bell keeps working', async () => {
        const carol = await signIn(server.baseUrl, 'carol');
        const proxy = await new Proxy(server.port).listen();
        const bell = new IncidentClient({ baseUrl: proxy.baseUrl, token: carol.token, WebSocket: NodeWebSocket }).connectNotifications();
        const problems = record(bell, 'protocol_error');
        await connected(bell);
        const count = bell.unreadCount;
        proxy.inject('{"type": "notification", "data": {"id": 1}}');
        proxy.inject('{"type": "unread_sync", "notifications": "none"}');
        proxy.inject('{"type": "mark_read"}');
        proxy.inject('garbage');
        await eventually(() => problems.length === 4);
        assert.equal(bell.unreadCount, count);
        assert.equal(bell.state.state, 'connected');
        bell.close();
        await proxy.close();
    });
});
