// WebSocket frames for the test's own servers and proxy (RFC 6455 §5.2), written separately from node-websocket.js
// so that the client is checked against an independent implementation.

/** One frame. `mask` is a 4-byte Buffer (client frames) or null (server frames). */
export function encodeFrame({ fin = true, opcode, payload = Buffer.alloc(0), mask = null, rsv = 0 }) {
    const length = payload.length;
    const extended = length < 126 ? 0 : length < 65536 ? 2 : 8;
    const header = Buffer.alloc(2 + extended + (mask ? 4 : 0));
    header[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
    header[1] = (mask ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
    if (extended === 2) header.writeUInt16BE(length, 2);
    if (extended === 8) header.writeBigUInt64BE(BigInt(length), 2);
    if (!mask) return Buffer.concat([header, payload]);
    mask.copy(header, 2 + extended);
    const body = Buffer.from(payload);
    for (let i = 0; i < body.length; i++) body[i] ^= mask[i & 3];
    return Buffer.concat([header, body]);
}

export const text = (string, options = {}) => encodeFrame({ opcode: 1, payload: Buffer.from(string), ...options });

/** Reads frames from a stream of chunks; `push` returns the complete frames so far (unmasked payloads). */
export class FrameReader {
    #buffer = Buffer.alloc(0);

    push(chunk) {
        this.#buffer = Buffer.concat([this.#buffer, chunk]);
        const frames = [];
        for (;;) {
            const b = this.#buffer;
            if (b.length < 2) break;
            let length = b[1] & 0x7f;
            let offset = 2;
            if (length === 126) {
                if (b.length < 4) break;
                length = b.readUInt16BE(2);
                offset = 4;
            } else if (length === 127) {
                if (b.length < 10) break;
                length = Number(b.readBigUInt64BE(2));
                offset = 10;
            }
            const masked = (b[1] & 0x80) !== 0;
            const mask = masked ? b.subarray(offset, offset + 4) : null;
            if (masked) offset += 4;
            if (b.length < offset + length) break;
            const payload = Buffer.from(b.subarray(offset, offset + length));
            if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
            const raw = Buffer.from(b.subarray(0, offset + length));
            frames.push({ fin: (b[0] & 0x80) !== 0, opcode: b[0] & 0x0f, masked, payload, raw });
            this.#buffer = b.subarray(offset + length);
        }
        return frames;
    }
}
