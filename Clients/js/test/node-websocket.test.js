// NodeWebSocket (node-websocket.js) against a server of the test's own (frames.js, written apart from the client),
// and against incidentd's echo endpoint.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { NodeWebSocket } from '../node-websocket.js';
import { encodeFrame, FrameReader, text } from './support/frames.js';
import { signIn } from './support/helpers.js';
import { startServer } from './support/server.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A WebSocket server whose every connection runs `scenario(peer)`; `peer.frames()` yields what the client sent. */
async function fakeServer(scenario, { refuse, badAccept } = {}) {
    const server = createServer((request, response) => {
        response.writeHead(404).end();
    });
    const received = [];
    const sockets = new Set();
    server.on('upgrade', (request, socket) => {
        sockets.add(socket);
        if (refuse) {
            socket.end(`HTTP/1.1 ${refuse} Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`);
            return;
        }
        const accept = badAccept ? 'AAAA' : createHash('sha1').update(request.headers['sec-websocket-key'] + GUID).digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        const reader = new FrameReader();
        const waiting = [];
        const queue = [];
        socket.on('data', (chunk) => {
            for (const frame of reader.push(chunk)) {
                received.push(frame);
                const next = waiting.shift();
                if (next) next(frame);
                else queue.push(frame);
            }
        });
        const ended = new Promise((resolve) => socket.on('close', resolve));
        socket.on('error', () => {});
        socket.on('end', () => socket.end());
        const peer = {
            socket, ended,
            next: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((resolve) => waiting.push(resolve))),
            send: (buffer) => socket.write(buffer),
        };
        scenario(peer);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `ws://127.0.0.1:${server.address().port}/`, received, close: () => new Promise((r) => {
        for (const socket of sockets) socket.destroy();
        server.close(r);
    }) };
}

const opened = (ws) => new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onclose = (event) => reject(new Error(`closed before open: ${event.code}`));
});
const closed = (ws) => new Promise((resolve) => { ws.onclose = resolve; });
const nextMessage = (ws) => new Promise((resolve) => { ws.onmessage = (event) => resolve(event.data); });
const closeFrame = (code, reason = '') => {
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    return encodeFrame({ opcode: 8, payload });
};

describe('NodeWebSocket', () => {
    test('sends masked frames, each with its own key, and receives text', async () => {
        const server = await fakeServer(async (peer) => {
            const first = await peer.next();
            const second = await peer.next();
            peer.send(text(`${first.payload}|${second.payload}`));
        });
        const ws = new NodeWebSocket(server.url);
        await opened(ws);
        ws.send('hello');
        ws.send('world');
        assert.equal(await nextMessage(ws), 'hello|world');
        assert.ok(server.received.every((frame) => frame.masked), 'every client frame is masked');
        const keys = server.received.map((frame) => frame.raw.subarray(2, 6).toString('hex'));
        assert.notEqual(keys[0], keys[1]);
        ws.close();
        await server.close();
    });

    test('reassembles a fragmented message and answers a ping sent between its fragments', async () => {
        let pong;
        const server = await fakeServer(async (peer) => {
            peer.send(encodeFrame({ fin: false, opcode: 1, payload: Buffer.from('frag') }));
            peer.send(encodeFrame({ opcode: 9, payload: Buffer.from('are you there') }));
            peer.send(encodeFrame({ fin: false, opcode: 0, payload: Buffer.from('men') }));
            pong = await peer.next();
            // A multi-byte character split across two fragments must come out whole.
            const bytes = Buffer.from('ted 林');
            peer.send(encodeFrame({ fin: false, opcode: 0, payload: bytes.subarray(0, bytes.length - 1) }));
            peer.send(encodeFrame({ fin: true, opcode: 0, payload: bytes.subarray(bytes.length - 1) }));
        });
        const ws = new NodeWebSocket(server.url);
        await opened(ws);
        assert.equal(await nextMessage(ws), 'fragmented 林');
        assert.equal(pong.opcode, 10);
        assert.equal(pong.payload.toString(), 'are you there');
        ws.close();
        await server.close();
    });

    test('fragments what it sends with fragmentSize', async () => {
        const server = await fakeServer(async (peer) => {
            const frames = [await peer.next(), await peer.next(), await peer.next(), await peer.next()];
            peer.send(text(JSON.stringify(frames.map((f) => [f.fin, f.opcode, f.payload.length]))));
        });
        const ws = new NodeWebSocket(server.url, [], { fragmentSize: 10 });
        await opened(ws);
        ws.send('x'.repeat(35));
        assert.deepEqual(JSON.parse(await nextMessage(ws)), [[false, 1, 10], [false, 0, 10], [false, 0, 10], [true, 0, 5]]);
        ws.close();
        await server.close();
    });

    test('carries messages over 64 KiB both ways (the 64-bit length form)', async () => {
        const server = await fakeServer(async (peer) => {
            const frame = await peer.next();
            peer.send(text(frame.payload.toString().toUpperCase()));
        });
        const ws = new NodeWebSocket(server.url);
        await opened(ws);
        ws.send('a'.repeat(70000));
        assert.equal(await nextMessage(ws), 'A'.repeat(70000));
        ws.close();
        await server.close();
    });

    test('answers the server\'s close with the same code and reports a clean close', async () => {
        let echoed;
        const server = await fakeServer(async (peer) => {
            peer.send(closeFrame(1001, 'going away'));
            echoed = await peer.next();
            peer.socket.end();
        });
        const ws = new NodeWebSocket(server.url);
        await opened(ws);
        const event = await closed(ws);
        assert.equal(event.code, 1001);
        assert.equal(event.reason, 'going away');
        assert.equal(event.wasClean, true);
        assert.equal(echoed.opcode, 8);
        assert.equal(echoed.payload.readUInt16BE(0), 1001);
        await server.close();
    });

    test('close(code, reason) sends a close frame and waits for the answer', async () => {
        let got;
        const server = await fakeServer(async (peer) => {
            got = await peer.next();
            peer.send(closeFrame(1000));
            peer.socket.end();
        });
        const ws = new NodeWebSocket(server.url);
        await opened(ws);
        assert.throws(() => ws.close(1006), { name: 'InvalidAccessError' });
        ws.close(4001, 'bye');
        const event = await closed(ws);
        assert.equal(got.payload.readUInt16BE(0), 4001);
        assert.equal(got.payload.subarray(2).toString(), 'bye');
        assert.equal(event.code, 1000);
        assert.equal(ws.readyState, NodeWebSocket.CLOSED);
        await server.close();
    });

    for (const [name, frame, code] of [
        ['a masked frame from the server', encodeFrame({ opcode: 1, payload: Buffer.from('hi'), mask: Buffer.from([1, 2, 3, 4]) }), 1002],
        ['a text message that is not UTF-8', encodeFrame({ opcode: 1, payload: Buffer.from([0x68, 0xc3, 0x28]) }), 1007],
        ['a fragmented ping', encodeFrame({ fin: false, opcode: 9 }), 1002],
        ['an unknown opcode', encodeFrame({ opcode: 3 }), 1002],
        ['reserved bits', encodeFrame({ opcode: 1, rsv: 4, payload: Buffer.from('x') }), 1002],
        ['a continuation with no message', encodeFrame({ opcode: 0, payload: Buffer.from('x') }), 1002],
        ['a close frame with code 1005 on the wire', closeFrame(1005), 1002],
    ]) {
        test(`fails the connection on ${name} with ${code}`, async () => {
            let answer;
            const server = await fakeServer(async (peer) => {
                peer.send(frame);
                answer = await peer.next();
                peer.socket.end();
            });
            const ws = new NodeWebSocket(server.url);
            const messages = [];
            await opened(ws);
            ws.onmessage = (event) => messages.push(event.data);
            const event = await closed(ws);
            assert.equal(event.code, code);
            assert.equal(answer.opcode, 8);
            assert.equal(answer.payload.readUInt16BE(0), code);
            assert.deepEqual(messages, []);
            await server.close();
        });
    }

    test('a refused upgrade reports its status on error and close', async () => {
        const server = await fakeServer(() => {}, { refuse: 401 });
        const ws = new NodeWebSocket(server.url);
        const errors = [];
        ws.onerror = (event) => errors.push(event);
        const event = await closed(ws);
        assert.equal(event.code, 1006);
        assert.equal(event.status, 401);
        assert.equal(errors[0].status, 401);
        await server.close();
    });

    test('a wrong Sec-WebSocket-Accept is refused', async () => {
        const server = await fakeServer(() => {}, { badAccept: true });
        const ws = new NodeWebSocket(server.url);
        const event = await closed(ws);
        assert.equal(event.code, 1006);
        assert.equal(ws.readyState, NodeWebSocket.CLOSED);
        await server.close();
    });

    test('terminate() drops the connection without a close frame', async () => {
        let ended;
        const server = await fakeServer((peer) => { ended = peer.ended; });
        const ws = new NodeWebSocket(server.url);
        await opened(ws);
        ws.terminate();
        const event = await closed(ws);
        await ended;
        assert.equal(event.code, 1006);
        assert.equal(event.wasClean, false);
        assert.equal(server.received.length, 0);
        await server.close();
    });
});

describe('NodeWebSocket against incidentd', () => {
    let server;
    before(async () => { server = await startServer(); });
    after(async () => { await server?.stop(); });

    test('a message sent in 1 KB fragments is stored whole; a ping frame gets its pong', async () => {
        const client = await signIn(server.baseUrl, 'alice');
        const room = await client.createRoom({ title: 'fragments', incident_type: 'other', severity: 'low' });
        const ws = new NodeWebSocket(client.socketUrl(`/ws/${room.room_id}`), [], { fragmentSize: 1024 });
        const events = [];
        ws.onmessage = (event) => events.push(JSON.parse(event.data));
        await opened(ws);
        const pong = new Promise((resolve) => { ws.onpong = resolve; });
        ws.ping(Buffer.from('hello'));
        assert.equal((await pong).data.toString(), 'hello');
        const content = Array.from({ length: 1000 }, (_, i) => `${i} 林`).join(' ').slice(0, 9000);
        ws.send(JSON.stringify({ type: 'message', content, client_id: 'fragmented-1' }));
        const deadline = Date.now() + 5000;
        while (!events.some((e) => e.type === 'ack') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        const ack = events.find((e) => e.type === 'ack');
        assert.equal(ack.client_id, 'fragmented-1');
        assert.equal((await client.getMessage(room.room_id, ack.message_id)).content, content);
        ws.close(1000);
        assert.equal((await closed(ws)).code, 1000);
    });
});
