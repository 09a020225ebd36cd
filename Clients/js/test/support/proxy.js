// A TCP proxy in front of incidentd that can play the network: it cuts every connection (a dropped link), refuses
// new ones for a while (offline), and reads the server's WebSocket frames so that a test can drop one (a gap) or
// slip in frames of its own (malformed events). Client to server is passed through as it is.
import { connect, createServer } from 'node:net';
import { FrameReader, text } from './frames.js';

export class Proxy {
    constructor(targetPort) {
        this.targetPort = targetPort;
        this.port = null;
        this.blocked = false;
        /** (event object, raw text) => false to drop the frame, a string to send instead of it, anything else to pass
         *  it on; called for text frames that parse as JSON. */
        this.filter = null;
        this.upgrades = 0;
        this.sockets = new Set();
        this.sessions = new Set();
        this.server = createServer((client) => this.#accept(client));
    }

    get baseUrl() {
        return `http://127.0.0.1:${this.port}`;
    }

    async listen() {
        await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
        this.port = this.server.address().port;
        return this;
    }

    /** Destroys every connection at once, with no close frame: what a network failure looks like. */
    cut() {
        for (const socket of this.sockets) socket.destroy();
        this.sockets.clear();
        this.sessions.clear();
    }

    /** Sends a text frame to every upgraded client, as if the server had sent it. */
    inject(payload) {
        for (const session of this.sessions) session.client.write(typeof payload === 'string' ? text(payload) : payload);
    }

    async close() {
        this.cut();
        await new Promise((resolve) => this.server.close(resolve));
    }

    #accept(client) {
        if (this.blocked) {
            client.destroy();
            return;
        }
        const upstream = connect(this.targetPort, '127.0.0.1');
        this.sockets.add(client);
        this.sockets.add(upstream);
        const session = { client, upgraded: false };
        let head = Buffer.alloc(0);
        let headDone = false;
        const reader = new FrameReader();
        client.on('data', (chunk) => upstream.write(chunk));
        upstream.on('data', (chunk) => {
            if (!headDone) {
                head = Buffer.concat([head, chunk]);
                const end = head.indexOf('\r\n\r\n');
                if (end < 0) return;
                headDone = true;
                const headText = head.subarray(0, end + 4);
                const rest = head.subarray(end + 4);
                client.write(headText);
                if (/^HTTP\/1\.1 101/.test(headText.toString('latin1'))) {
                    session.upgraded = true;
                    this.upgrades += 1;
                    this.sessions.add(session);
                    if (rest.length) this.#forwardFrames(reader, rest, client);
                } else {
                    // Plain HTTP from here on: pass everything through.
                    headDone = 'raw';
                    if (rest.length) client.write(rest);
                }
                return;
            }
            if (headDone === 'raw') client.write(chunk);
            else this.#forwardFrames(reader, chunk, client);
        });
        const end = () => {
            client.destroy();
            upstream.destroy();
            this.sockets.delete(client);
            this.sockets.delete(upstream);
            this.sessions.delete(session);
        };
        client.on('close', end);
        upstream.on('close', end);
        client.on('error', end);
        upstream.on('error', end);
    }

    #forwardFrames(reader, chunk, client) {
        for (const frame of reader.push(chunk)) {
            if (frame.opcode === 1 && frame.fin && this.filter) {
                let event = null;
                try {
                    event = JSON.parse(frame.payload.toString('utf8'));
                } catch {
                    event = null;
                }
                const verdict = event ? this.filter(event, frame.payload.toString('utf8')) : undefined;
                if (verdict === false) continue;
                if (typeof verdict === 'string') {
                    client.write(text(verdict));
                    continue;
                }
            }
            client.write(frame.raw);
        }
    }
}
