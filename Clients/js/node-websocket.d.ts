// Declarations of node-websocket.js (Node only). Written without Node's own types, so a browser project compiles too.
import type { WebSocketLike } from './index.js';

export interface NodeWebSocketOptions {
    headers?: Record<string, string>;
    /** Largest message accepted (16 MiB); beyond it the connection closes with 1009. */
    maxMessageSize?: number;
    /** Send messages longer than this in fragments of this size (0: never). */
    fragmentSize?: number;
    handshakeTimeoutMs?: number;
    closeTimeoutMs?: number;
    tls?: object;
}

export interface NodeWebSocketEvent {
    type: string;
    target: NodeWebSocket;
    data?: string | ArrayBuffer | Uint8Array;
    code?: number;
    reason?: string;
    wasClean?: boolean;
    /** The HTTP status of a refused upgrade (error and close events), else null. */
    status?: number | null;
    body?: string;
    message?: string;
}

export class NodeWebSocket implements WebSocketLike {
    static readonly CONNECTING: 0;
    static readonly OPEN: 1;
    static readonly CLOSING: 2;
    static readonly CLOSED: 3;
    constructor(url: string | URL, protocols?: string | string[], options?: NodeWebSocketOptions);
    readonly url: string;
    readonly protocol: string;
    readonly extensions: string;
    readonly readyState: number;
    readonly bufferedAmount: number;
    binaryType: string;
    onopen: ((event: NodeWebSocketEvent) => void) | null;
    onmessage: ((event: NodeWebSocketEvent & { data: unknown }) => void) | null;
    onerror: ((event: NodeWebSocketEvent) => void) | null;
    onclose: ((event: NodeWebSocketEvent) => void) | null;
    onpong: ((event: NodeWebSocketEvent) => void) | null;
    addEventListener(type: 'open' | 'message' | 'error' | 'close' | 'pong', listener: (event: NodeWebSocketEvent) => void): void;
    removeEventListener(type: string, listener: (event: NodeWebSocketEvent) => void): void;
    send(data: string | ArrayBuffer | ArrayBufferView): void;
    ping(data?: Uint8Array): void;
    close(code?: number, reason?: string): void;
    terminate(): void;
}

export default NodeWebSocket;
