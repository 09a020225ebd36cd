// A WebSocket client for Node (RFC 6455) with the browser's interface, for Node 20, which has no global WebSocket.
// Pass it to IncidentClient as `WebSocket`. Not part of the browser path: incident-rooms.js never imports it.
//
// Over an `http`/`https` upgrade: masked client frames, fragmented messages in both directions, ping answered with
// pong, the close handshake, UTF-8 checked (1007), protocol violations (1002), a size limit (1009). Extras for Node
// and for tests: a third constructor argument `{headers, maxMessageSize, fragmentSize, handshakeTimeoutMs}`, the
// status of a refused upgrade on the `error` and `close` events (`event.status`, `event.body`), `terminate()` (drop
// the TCP connection without a close frame, as a network failure does), `ping(data)` and a `pong` event.

import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** Close codes a peer may send (RFC 6455 §7.4.1, and 3000-4999 for applications). */
function validCloseCode(code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

export class NodeWebSocket {
    static CONNECTING = CONNECTING;
    static OPEN = OPEN;
    static CLOSING = CLOSING;
    static CLOSED = CLOSED;

    /**
     * @param {string|URL} url `ws://` or `wss://`
     * @param {string|string[]} [protocols]
     * @param {{headers?: Record<string,string>, maxMessageSize?: number, fragmentSize?: number,
     *          handshakeTimeoutMs?: number, closeTimeoutMs?: number, tls?: object}} [options]
     */
    constructor(url, protocols = [], options = {}) {
        const target = new URL(String(url));
        if (target.protocol !== 'ws:' && target.protocol !== 'wss:') {
            throw new SyntaxError(`not a WebSocket URL: ${url}`);
        }
        this.url = target.toString();
        this.protocol = '';
        this.extensions = '';
        this.binaryType = 'arraybuffer';
        this.readyState = CONNECTING;
        this.onopen = this.onmessage = this.onerror = this.onclose = this.onpong = null;
        this.#maxMessageSize = options.maxMessageSize ?? 16 * 1024 * 1024;
        this.#fragmentSize = options.fragmentSize ?? 0;
        this.#closeTimeoutMs = options.closeTimeoutMs ?? 5000;
        const wanted = typeof protocols === 'string' ? [protocols] : [...(protocols ?? [])];
        const key = randomBytes(16).toString('base64');
        const headers = {
            Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key,
            ...(wanted.length ? { 'Sec-WebSocket-Protocol': wanted.join(', ') } : {}),
            ...options.headers,
        };
        const secure = target.protocol === 'wss:';
        const request = (secure ? httpsRequest : httpRequest)({
            host: target.hostname.replace(/^\[|\]$/g, ''), port: target.port || (secure ? 443 : 80),
            path: target.pathname + target.search, method: 'GET', headers, agent: false, ...(secure ? options.tls : {}),
        });
        this.#request = request;
        const timer = setTimeout(() => {
            request.destroy();
            this.#failHandshake('handshake timeout', null, '');
        }, options.handshakeTimeoutMs ?? 10000);
        request.on('upgrade', (response, socket, head) => {
            clearTimeout(timer);
            const accept = createHash('sha1').update(key + GUID).digest('base64');
            const upgrade = String(response.headers.upgrade ?? '').toLowerCase();
            if (response.statusCode !== 101 || upgrade !== 'websocket' || response.headers['sec-websocket-accept'] !== accept) {
                socket.destroy();
                this.#failHandshake('the server did not accept the WebSocket handshake', response.statusCode, '');
                return;
            }
            const chosen = response.headers['sec-websocket-protocol'];
            if (chosen && !wanted.includes(chosen)) {
                socket.destroy();
                this.#failHandshake('the server chose a subprotocol that was not offered', response.statusCode, '');
                return;
            }
            this.protocol = chosen ?? '';
            this.#attach(socket, head);
        });
        request.on('response', (response) => {
            clearTimeout(timer);
            const chunks = [];
            response.on('data', (chunk) => chunks.push(chunk));
            response.on('end', () => this.#failHandshake(`upgrade refused: HTTP ${response.statusCode}`, response.statusCode, Buffer.concat(chunks).toString('utf8')));
            response.on('error', () => this.#failHandshake(`upgrade refused: HTTP ${response.statusCode}`, response.statusCode, ''));
        });
        request.on('error', (error) => {
            clearTimeout(timer);
            this.#failHandshake(error.message, null, '');
        });
        request.end();
    }

    #listeners = new Map();
    #request = null;
    #socket = null;
    #buffer = Buffer.alloc(0);
    #fragments = null;
    #fragmentOpcode = 0;
    #fragmentBytes = 0;
    #maxMessageSize;
    #fragmentSize;
    #closeTimeoutMs;
    #closeSent = false;
    #closeCode = null;
    #closeReason = '';
    #closedEmitted = false;
    #closeTimer = null;
    #failedCode = null;

    get bufferedAmount() {
        return this.#socket?.writableLength ?? 0;
    }

    addEventListener(type, listener) {
        if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
        this.#listeners.get(type).add(listener);
    }

    removeEventListener(type, listener) {
        this.#listeners.get(type)?.delete(listener);
    }

    #dispatch(type, fields = {}) {
        const event = { type, target: this, ...fields };
        const handler = this[`on${type}`];
        if (typeof handler === 'function') handler.call(this, event);
        for (const listener of [...(this.#listeners.get(type) ?? [])]) {
            if (typeof listener === 'function') listener.call(this, event);
            else listener?.handleEvent?.(event);
        }
    }

    // MARK: - Handshake

    #failHandshake(message, status, body) {
        if (this.readyState === CLOSED) return;
        this.readyState = CLOSED;
        this.#closedEmitted = true;
        this.#dispatch('error', { message, status, body });
        this.#dispatch('close', { code: 1006, reason: '', wasClean: false, status, body });
    }

    #attach(socket, head) {
        this.#socket = socket;
        socket.setNoDelay(true);
        socket.on('data', (chunk) => this.#receive(chunk));
        socket.on('error', () => {}); // 'close' follows and reports it.
        socket.on('close', () => this.#socketClosed());
        socket.on('end', () => socket.end());
        this.readyState = OPEN;
        this.#dispatch('open');
        if (head && head.length) this.#receive(head);
    }

    // MARK: - Reading frames

    #receive(chunk) {
        this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
        while (this.#socket && this.#failedCode === null) {
            const buffer = this.#buffer;
            if (buffer.length < 2) return;
            const fin = (buffer[0] & 0x80) !== 0;
            const rsv = buffer[0] & 0x70;
            const opcode = buffer[0] & 0x0f;
            const masked = (buffer[1] & 0x80) !== 0;
            let length = buffer[1] & 0x7f;
            let offset = 2;
            if (rsv) return this.#fail(1002, 'reserved bits set without an extension');
            // RFC 6455 §5.1: a server must not mask its frames.
            if (masked) return this.#fail(1002, 'masked frame from the server');
            if (length === 126) {
                if (buffer.length < 4) return;
                length = buffer.readUInt16BE(2);
                offset = 4;
            } else if (length === 127) {
                if (buffer.length < 10) return;
                const high = buffer.readUInt32BE(2);
                if (high & 0x80000000) return this.#fail(1002, '64-bit length with the high bit set');
                length = high * 2 ** 32 + buffer.readUInt32BE(6);
                offset = 10;
            }
            const control = (opcode & 0x08) !== 0;
            // RFC 6455 §5.5: control frames are at most 125 bytes and never fragmented.
            if (control && (!fin || length > 125)) return this.#fail(1002, 'bad control frame');
            if (!control && length > this.#maxMessageSize) return this.#fail(1009, 'message too big');
            if (buffer.length < offset + length) return;
            const payload = buffer.subarray(offset, offset + length);
            this.#buffer = buffer.subarray(offset + length);
            this.#frame(fin, opcode, payload);
        }
    }

    #frame(fin, opcode, payload) {
        switch (opcode) {
            case 0x0: {
                if (!this.#fragments) return this.#fail(1002, 'continuation without a message');
                this.#fragmentBytes += payload.length;
                if (this.#fragmentBytes > this.#maxMessageSize) return this.#fail(1009, 'message too big');
                this.#fragments.push(Buffer.from(payload));
                if (fin) {
                    const whole = Buffer.concat(this.#fragments);
                    const kind = this.#fragmentOpcode;
                    this.#fragments = null;
                    this.#deliver(kind, whole);
                }
                return;
            }
            case 0x1:
            case 0x2:
                if (this.#fragments) return this.#fail(1002, 'new message inside a fragmented one');
                if (fin) return this.#deliver(opcode, payload);
                this.#fragments = [Buffer.from(payload)];
                this.#fragmentOpcode = opcode;
                this.#fragmentBytes = payload.length;
                return;
            case 0x8:
                return this.#peerClose(payload);
            case 0x9:
                if (this.readyState === OPEN) this.#write(0xa, payload);
                return;
            case 0xa:
                this.#dispatch('pong', { data: Buffer.from(payload) });
                return;
            default:
                return this.#fail(1002, `unknown opcode ${opcode}`);
        }
    }

    #deliver(opcode, payload) {
        if (this.readyState !== OPEN) return;
        if (opcode === 0x1) {
            let text;
            try {
                text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
            } catch {
                return this.#fail(1007, 'text message is not UTF-8');
            }
            this.#dispatch('message', { data: text });
        } else {
            const copy = Buffer.from(payload);
            this.#dispatch('message', { data: copy.buffer.slice(copy.byteOffset, copy.byteOffset + copy.byteLength) });
        }
    }

    #peerClose(payload) {
        let code = 1005;
        let reason = '';
        if (payload.length === 1) return this.#fail(1002, 'close frame of one byte');
        if (payload.length >= 2) {
            code = payload.readUInt16BE(0);
            if (!validCloseCode(code)) return this.#fail(1002, `invalid close code ${code}`);
            try {
                reason = new TextDecoder('utf-8', { fatal: true }).decode(payload.subarray(2));
            } catch {
                return this.#fail(1007, 'close reason is not UTF-8');
            }
        }
        if (this.#closeCode === null) {
            this.#closeCode = code;
            this.#closeReason = reason;
        }
        if (!this.#closeSent) {
            // Echo the close (RFC 6455 §5.5.1), then the server closes TCP; end our side too.
            this.#sendClose(code === 1005 ? null : code, '');
        }
        this.readyState = CLOSING;
        this.#socket?.end();
        this.#armCloseTimer();
    }

    // MARK: - Writing frames

    #write(opcode, payload, fin = true) {
        const socket = this.#socket;
        if (!socket || socket.destroyed) return;
        const length = payload.length;
        const header = length < 126 ? Buffer.alloc(6) : length < 65536 ? Buffer.alloc(8) : Buffer.alloc(14);
        header[0] = (fin ? 0x80 : 0) | opcode;
        let offset;
        if (length < 126) {
            header[1] = 0x80 | length;
            offset = 2;
        } else if (length < 65536) {
            header[1] = 0x80 | 126;
            header.writeUInt16BE(length, 2);
            offset = 4;
        } else {
            header[1] = 0x80 | 127;
            header.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
            header.writeUInt32BE(length >>> 0, 6);
            offset = 10;
        }
        // RFC 6455 §5.3: every client frame is masked with a fresh, unpredictable key.
        const mask = randomBytes(4);
        mask.copy(header, offset);
        const masked = Buffer.allocUnsafe(length);
        for (let i = 0; i < length; i++) masked[i] = payload[i] ^ mask[i & 3];
        socket.write(Buffer.concat([header, masked]));
    }

    /** Sends a text (string) or binary (Buffer, typed array, ArrayBuffer) message. */
    send(data) {
        if (this.readyState === CONNECTING) {
            const error = new Error('WebSocket is not open yet');
            error.name = 'InvalidStateError';
            throw error;
        }
        if (this.readyState !== OPEN) return;
        let opcode = 0x2;
        let bytes;
        if (typeof data === 'string') {
            opcode = 0x1;
            bytes = Buffer.from(data, 'utf8');
        } else if (data instanceof ArrayBuffer) {
            bytes = Buffer.from(data);
        } else if (ArrayBuffer.isView(data)) {
            bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        } else {
            opcode = 0x1;
            bytes = Buffer.from(String(data), 'utf8');
        }
        const size = this.#fragmentSize;
        if (!(size > 0) || bytes.length <= size) {
            this.#write(opcode, bytes);
            return;
        }
        for (let start = 0; start < bytes.length; start += size) {
            const end = Math.min(bytes.length, start + size);
            this.#write(start === 0 ? opcode : 0x0, bytes.subarray(start, end), end === bytes.length);
        }
    }

    /** Sends a ping frame (the answer comes as a `pong` event). */
    ping(data = Buffer.alloc(0)) {
        if (this.readyState === OPEN) this.#write(0x9, Buffer.from(data).subarray(0, 125));
    }

    /** Starts the closing handshake; the `close` event follows the server's answer (or 5 s). */
    close(code, reason = '') {
        if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
            const error = new Error(`close code ${code} may not be sent by an application`);
            error.name = 'InvalidAccessError';
            throw error;
        }
        if (Buffer.byteLength(reason) > 123) {
            const error = new Error('close reason longer than 123 bytes');
            error.name = 'SyntaxError';
            throw error;
        }
        if (this.readyState === CLOSING || this.readyState === CLOSED) return;
        if (this.readyState === CONNECTING) {
            this.#request?.destroy();
            this.#failHandshake('closed before the connection was established', null, '');
            return;
        }
        this.readyState = CLOSING;
        this.#sendClose(code ?? null, reason);
        this.#armCloseTimer();
    }

    /** Drops the TCP connection at once, with no close frame (what a network failure looks like). */
    terminate() {
        if (this.readyState === CONNECTING) {
            this.#request?.destroy();
            this.#failHandshake('terminated', null, '');
            return;
        }
        this.#closeCode = null;
        this.#socket?.destroy();
    }

    #sendClose(code, reason) {
        this.#closeSent = true;
        if (code === null) {
            this.#write(0x8, Buffer.alloc(0));
            return;
        }
        const text = Buffer.from(reason, 'utf8');
        const payload = Buffer.alloc(2 + text.length);
        payload.writeUInt16BE(code, 0);
        text.copy(payload, 2);
        this.#write(0x8, payload);
    }

    #armCloseTimer() {
        if (this.#closeTimer) return;
        this.#closeTimer = setTimeout(() => this.#socket?.destroy(), this.#closeTimeoutMs);
        this.#closeTimer.unref?.();
    }

    // RFC 6455 §7.1.7: on a violation, send a close with the reason's code and drop the connection.
    #fail(code, reason) {
        if (this.#failedCode !== null) return;
        this.#failedCode = code;
        if (!this.#closeSent && this.readyState === OPEN) this.#sendClose(code, '');
        this.#closeCode = code;
        this.#closeReason = reason;
        this.readyState = CLOSING;
        this.#dispatch('error', { message: reason, status: null });
        this.#socket?.end();
        this.#armCloseTimer();
    }

    #socketClosed() {
        clearTimeout(this.#closeTimer);
        this.readyState = CLOSED;
        if (this.#closedEmitted) return;
        this.#closedEmitted = true;
        const clean = this.#closeCode !== null && this.#closeSent && this.#failedCode === null;
        this.#dispatch('close', {
            code: this.#closeCode ?? 1006, reason: this.#closeCode === null ? '' : this.#closeReason, wasClean: clean, status: null,
        });
    }
}

export default NodeWebSocket;
