// Small helpers shared by the tests.
import { IncidentClient } from '../../incident-rooms.js';
import { NodeWebSocket } from '../../node-websocket.js';

export const PASSWORDS = { alice: 'alicepw', bob: 'bobpw', carol: 'carolpw', lin: 'linpw' };
export const EMAILS = { alice: 'alice@example.com', bob: 'bob@example.com', carol: 'carol@example.com', lin: 'lin.xiaoming@example.com' };

/** A client of `baseUrl` signed in as `user` (a demo user), with the Node WebSocket. */
export async function signIn(baseUrl, user, options = {}) {
    const client = new IncidentClient({ baseUrl, WebSocket: NodeWebSocket, ...options });
    await client.login(user, PASSWORDS[user]);
    return client;
}

/** A room created by `owner` with `members` (user names) added as EDITORs. */
export async function roomWith(owner, members = [], title = 'Line 3 conveyor stopped') {
    const room = await owner.createRoom({ title, incident_type: 'equipment_failure', severity: 'high', location: 'Line 3' });
    for (const name of members) await owner.addMember(room.room_id, EMAILS[name], 'EDITOR');
    return owner.getRoom(room.room_id);
}

/** Waits until `test()` holds (polling), or fails with `message`. */
export async function eventually(test, { timeoutMs = 10000, intervalMs = 20, message = 'condition' } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await test();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${message}`);
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
}

/** Records every event of `types` on `emitter`, in order. */
export function record(emitter, ...types) {
    const events = [];
    for (const type of types) emitter.on(type, (event) => events.push(event));
    return events;
}

/** The messages a connection emitted, in order of emission. */
export function messagesOf(connection) {
    const list = [];
    connection.on('message', ({ message }) => list.push(message));
    return list;
}

export const connected = (connection, timeoutMs = 10000) =>
    connection.state.state === 'connected' ? Promise.resolve(connection.state)
        : connection.waitFor('state', (s) => s.state === 'connected', timeoutMs);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every message of a room over REST, oldest first: what a client that never left has seen. */
export async function allMessages(client, roomId) {
    const list = [];
    for await (const message of client.messagesAfter(roomId, 0)) list.push(message);
    return list;
}
