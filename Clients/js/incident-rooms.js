// The JavaScript client of incidentd (issue 18): every REST route of API.md as a method, and live connections to a
// room and to the notifications socket that reconnect, resume, fill gaps and queue messages without loss.
//
// One ES module with no dependencies. Browsers and Node 20+: REST uses the global `fetch`; sockets use the
// platform's `WebSocket`, or the constructor passed as `WebSocket` (Node 20 has none: Clients/js/node-websocket.js).
// Types: index.d.ts beside this file. Usage, reconnect rules and the error pattern: docs/CLIENTS.md.

export const VERSION = '1.0.0';

// MARK: - Errors

/** Every failure of a call: an error answer of the service, a refused socket event, or a network failure. */
export class ApiError extends Error {
    /**
     * @param {{status?: number, code?: string, message?: string, details?: object|null, retryAfter?: number|null,
     *          cause?: unknown}} init
     */
    constructor(init = {}) {
        super(init.message ?? init.code ?? 'request failed', init.cause === undefined ? undefined : { cause: init.cause });
        this.name = 'ApiError';
        /** HTTP status; 0 when no answer came (network) or for a refusal on a socket. */
        this.status = init.status ?? 0;
        /** API.md's snake_case code (`validation_failed`, `rate_limited`, ...), or `network_error`, `timeout`,
         *  `invalid_response`, `connection_closed`, `message_too_large` (client-side). */
        this.code = init.code ?? 'unknown_error';
        this.details = init.details ?? null;
        /** Seconds to wait before trying again (429 `Retry-After`), or null. */
        this.retryAfter = init.retryAfter ?? null;
    }

    /** The field a 422 (or a socket `invalid_message`) names, if any. */
    get field() {
        return this.details && typeof this.details.field === 'string' ? this.details.field : null;
    }

    /** True for failures worth retrying later: no answer, 429, 502, 503, 504. */
    get retryable() {
        return this.status === 0 && (this.code === 'network_error' || this.code === 'timeout')
            || this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504
            || this.code === 'rate_limited' || this.code === 'unavailable';
    }
}

// MARK: - Small helpers

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isString = (v) => typeof v === 'string';
const isCount = (v) => Number.isSafeInteger(v) && v >= 0;
const isStringOrNull = (v) => v === null || typeof v === 'string';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A random UUID v4 from `crypto.getRandomValues`, which (unlike `randomUUID`) also exists on plain-http pages. */
export function newClientId() {
    const bytes = new Uint8Array(16);
    globalThis.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const utf8Length = (text) => new TextEncoder().encode(text).length;

/** A tiny typed event emitter: `on` returns the function that removes the listener. */
class Emitter {
    #listeners = new Map();

    on(type, listener) {
        if (typeof listener !== 'function') throw new TypeError('listener must be a function');
        let set = this.#listeners.get(type);
        if (!set) this.#listeners.set(type, (set = new Set()));
        set.add(listener);
        return () => this.off(type, listener);
    }

    once(type, listener) {
        const off = this.on(type, (event) => {
            off();
            listener(event);
        });
        return off;
    }

    off(type, listener) {
        this.#listeners.get(type)?.delete(listener);
    }

    /** Resolves with the next `type` event for which `test` holds; rejects after `timeoutMs`. */
    waitFor(type, test = () => true, timeoutMs = 10000) {
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                off();
                reject(new ApiError({ code: 'timeout', message: `no ${type} event within ${timeoutMs} ms` }));
            }, timeoutMs);
            const off = this.on(type, (event) => {
                if (!test(event)) return;
                clearTimeout(timer);
                off();
                resolve(event);
            });
        });
    }

    listenerCount(type) {
        return this.#listeners.get(type)?.size ?? 0;
    }

    // A listener that throws must not break the connection that called it: it is reported, not propagated.
    emit(type, event) {
        const set = this.#listeners.get(type);
        if (!set) return;
        for (const listener of [...set]) {
            try {
                listener(event);
            } catch (error) {
                if (type !== 'listener_error' && this.listenerCount('listener_error') > 0) {
                    this.emit('listener_error', { type: 'listener_error', event: type, error });
                } else if (typeof globalThis.reportError === 'function') {
                    globalThis.reportError(error);
                } else {
                    console.error(`incident-rooms: a ${type} listener threw`, error);
                }
            }
        }
    }
}

// MARK: - Validation of what the service sends

/** Why `m` is not a Message of API.md, or null when it is one. */
function messageProblem(m) {
    if (!isObject(m)) return 'message is not an object';
    if (!isString(m.message_id)) return 'message.message_id is not a string';
    if (!isString(m.room_id)) return 'message.room_id is not a string';
    if (!Number.isSafeInteger(m.sequence_number) || m.sequence_number < 1) return 'message.sequence_number is not a positive integer';
    if (!isCount(m.rev)) return 'message.rev is not a non-negative integer';
    if (!isString(m.sender_id)) return 'message.sender_id is not a string';
    if (!isString(m.message_type)) return 'message.message_type is not a string';
    if (!(m.content === null || isString(m.content) || isObject(m.content))) return 'message.content has the wrong type';
    if (!isString(m.created_at)) return 'message.created_at is not a string';
    if (m.mentions !== undefined && !(Array.isArray(m.mentions) && m.mentions.every(isString))) return 'message.mentions is not a list of strings';
    if (m.reactions !== undefined && !reactionsValid(m.reactions)) return 'message.reactions is malformed';
    return null;
}

function reactionsValid(list) {
    return Array.isArray(list) && list.every((r) => isObject(r) && isString(r.emoji) && isCount(r.count)
        && Array.isArray(r.user_ids) && r.user_ids.every(isString));
}

function notificationProblem(n) {
    if (!isObject(n)) return 'notification is not an object';
    if (!isString(n.id)) return 'notification.id is not a string';
    if (!isString(n.type)) return 'notification.type is not a string';
    if (!isStringOrNull(n.read_at ?? null)) return 'notification.read_at has the wrong type';
    return null;
}

function announcementProblem(a) {
    if (!isObject(a)) return 'announcement is not an object';
    if (!isString(a.announcement_id)) return 'announcement.announcement_id is not a string';
    if (!isString(a.message)) return 'announcement.message is not a string';
    if (!isString(a.severity)) return 'announcement.severity is not a string';
    return null;
}

const userListValid = (list) => Array.isArray(list) && list.every((u) => isObject(u) && isString(u.user_id));

// The checks of each room event: the reason it is malformed, or null.
const roomEventChecks = {
    connected: (e) => !isString(e.user_id) ? 'user_id is not a string'
        : !isCount(e.last_sequence_number) ? 'last_sequence_number is not a count'
        : !isCount(e.rev) ? 'rev is not a count'
        : e.online !== undefined && !userListValid(e.online) ? 'online is malformed' : null,
    message: (e) => messageProblem(e.message),
    message_edited: (e) => messageProblem(e.message),
    message_pinned: (e) => messageProblem(e.message),
    message_unpinned: (e) => messageProblem(e.message),
    message_deleted: (e) => !isString(e.message_id) ? 'message_id is not a string'
        : e.rev !== undefined && !isCount(e.rev) ? 'rev is not a count' : null,
    reactions_updated: (e) => !isString(e.message_id) ? 'message_id is not a string'
        : !reactionsValid(e.reactions) ? 'reactions is malformed'
        : e.rev !== undefined && !isCount(e.rev) ? 'rev is not a count' : null,
    ack: (e) => !isStringOrNull(e.client_id ?? null) ? 'client_id has the wrong type'
        : !isString(e.message_id) ? 'message_id is not a string'
        : !isCount(e.sequence_number) ? 'sequence_number is not a count' : null,
    sync_complete: (e) => !isCount(e.last_sequence_number) ? 'last_sequence_number is not a count'
        : !isCount(e.rev) ? 'rev is not a count'
        : e.truncated !== undefined && typeof e.truncated !== 'boolean' ? 'truncated is not a boolean' : null,
    typing: (e) => !isString(e.user_id) ? 'user_id is not a string'
        : typeof e.is_typing !== 'boolean' ? 'is_typing is not a boolean' : null,
    system: (e) => !isString(e.event) ? 'event is not a string' : !isString(e.user_id) ? 'user_id is not a string' : null,
    read_receipt: (e) => !isString(e.user_id) ? 'user_id is not a string'
        : !isCount(e.last_read_sequence_number) ? 'last_read_sequence_number is not a count' : null,
    announcement: (e) => announcementProblem(e.announcement),
    error: (e) => !isString(e.code) ? 'code is not a string' : !isStringOrNull(e.client_id ?? null) ? 'client_id has the wrong type' : null,
    pong: () => null,
    ping: () => null,
};

const notificationEventChecks = {
    unread_sync: (e) => !Array.isArray(e.notifications) ? 'notifications is not a list'
        : e.notifications.map(notificationProblem).find((p) => p) ?? null,
    notification: (e) => notificationProblem(e.data),
    mark_read: (e) => !isString(e.notification_id) ? 'notification_id is not a string' : null,
    announcement: (e) => announcementProblem(e.announcement),
    error: (e) => !isString(e.code) ? 'code is not a string' : null,
    pong: () => null,
    ping: () => null,
};

// MARK: - The REST client

/**
 * One signed-in (or not yet signed-in) user of one incidentd. Holds the token; every REST route is a method.
 * Events: `unauthorized` (a call answered 401: the token is gone), `token` (the token changed).
 */
export class IncidentClient extends Emitter {
    /**
     * @param {{baseUrl?: string, token?: string|null, fetch?: typeof fetch, WebSocket?: any, timeoutMs?: number,
     *          socketAuth?: 'query'|'header'}} [options]
     */
    constructor(options = {}) {
        super();
        const origin = globalThis.location?.origin;
        this.baseUrl = String(options.baseUrl ?? (origin && origin !== 'null' ? origin : 'http://127.0.0.1:8000')).replace(/\/+$/, '');
        this.#token = options.token ?? null;
        this.#fetch = options.fetch ?? globalThis.fetch?.bind(globalThis);
        this.WebSocket = options.WebSocket ?? globalThis.WebSocket ?? null;
        this.timeoutMs = options.timeoutMs ?? 30000;
        /** How sockets pass the token: `query` (`?token=`, what browsers can do) or `header` (needs a WebSocket
         *  constructor that takes `{headers}` as its third argument, as node-websocket.js does). */
        this.socketAuth = options.socketAuth ?? 'query';
        if (!this.#fetch) throw new TypeError('no fetch: pass options.fetch');
    }

    #token;
    #fetch;

    get token() {
        return this.#token;
    }

    set token(value) {
        this.#token = value ?? null;
        this.emit('token', { type: 'token', token: this.#token });
    }

    // MARK: Requests

    /**
     * One request. `query` values that are undefined or null are left out; `body` is sent as JSON unless it is a
     * FormData, Blob or string. Resolves with the parsed JSON, the text (`as: 'text'`), or undefined for 204.
     */
    async request(method, path, { query, body, headers, as, signal, auth = true, timeoutMs } = {}) {
        const url = new URL(this.baseUrl + path);
        if (query) {
            for (const [key, value] of Object.entries(query)) {
                if (value === undefined || value === null) continue;
                url.searchParams.set(key, String(value));
            }
        }
        const allHeaders = { Accept: as === 'text' ? 'text/*, application/json' : 'application/json', ...headers };
        if (auth && this.#token) allHeaders.Authorization = `Bearer ${this.#token}`;
        let payload;
        if (body !== undefined) {
            const isForm = typeof FormData !== 'undefined' && body instanceof FormData;
            const isBlob = typeof Blob !== 'undefined' && body instanceof Blob;
            if (isForm || isBlob || typeof body === 'string') {
                payload = body;
            } else {
                payload = JSON.stringify(body);
                allHeaders['Content-Type'] = 'application/json';
            }
        }
        const controller = new AbortController();
        const limit = timeoutMs ?? this.timeoutMs;
        const timer = limit > 0 ? setTimeout(() => controller.abort(), limit) : null;
        const onAbort = () => controller.abort();
        signal?.addEventListener('abort', onAbort, { once: true });
        let response;
        try {
            response = await this.#fetch(url, { method, headers: allHeaders, body: payload, signal: controller.signal });
        } catch (cause) {
            const timedOut = controller.signal.aborted && !signal?.aborted;
            throw new ApiError({
                status: 0, code: timedOut ? 'timeout' : signal?.aborted ? 'aborted' : 'network_error',
                message: timedOut ? `no answer from ${url.origin} within ${limit} ms` : `cannot reach ${url.origin}: ${cause?.message ?? cause}`,
                cause,
            });
        } finally {
            if (timer) clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
        }
        return this.#read(response, as);
    }

    async #read(response, as) {
        const text = await response.text().catch((cause) => {
            throw new ApiError({ status: response.status, code: 'network_error', message: 'the answer was cut off', cause });
        });
        if (!response.ok) throw this.#failure(response.status, text, response.headers.get('Retry-After'));
        if (response.status === 204 || as === 'none') return undefined;
        if (as === 'text') return text;
        try {
            return JSON.parse(text);
        } catch (cause) {
            throw new ApiError({ status: response.status, code: 'invalid_response', message: 'the answer is not JSON', cause });
        }
    }

    #failure(status, text, retryAfterHeader) {
        let error = null;
        try {
            const parsed = JSON.parse(text);
            if (isObject(parsed) && isObject(parsed.error)) error = parsed.error;
        } catch {
            // A proxy's HTML error page: the status is all there is.
        }
        const details = isObject(error?.details) ? error.details : null;
        let retryAfter = retryAfterHeader !== null && retryAfterHeader !== '' && Number.isFinite(Number(retryAfterHeader))
            ? Number(retryAfterHeader) : null;
        if (retryAfter === null && typeof details?.retry_after === 'number') retryAfter = details.retry_after;
        const apiError = new ApiError({
            status,
            code: isString(error?.code) ? error.code : `http_${status}`,
            message: isString(error?.message) ? error.message : `HTTP ${status}`,
            details, retryAfter,
        });
        if (status === 401) this.emit('unauthorized', { type: 'unauthorized', error: apiError });
        return apiError;
    }

    #get(path, query, options) { return this.request('GET', path, { query, ...options }); }
    #post(path, body, options) { return this.request('POST', path, { body, ...options }); }
    #patch(path, body, options) { return this.request('PATCH', path, { body, ...options }); }
    #delete(path, options) { return this.request('DELETE', path, options); }

    // MARK: Operations

    healthz() { return this.#get('/healthz', undefined, { auth: false }); }
    readyz() { return this.#get('/readyz', undefined, { auth: false }); }
    metrics() { return this.#get('/metrics', undefined, { auth: false, as: 'text' }); }
    /** The OpenAPI 3.1 document of the service (revision 2). */
    openapi() { return this.#get('/api/openapi.json', undefined, { auth: false }); }

    // MARK: Authentication

    /** Signs in; keeps the token for every later call and socket. */
    async login(username, password) {
        const result = await this.#post('/api/auth/login', { username, password }, { auth: false });
        this.token = result.token;
        return result;
    }

    /** Revokes the token at once (REST and new sockets answer 401) and forgets it. */
    async logout() {
        await this.#post('/api/auth/logout');
        this.token = null;
    }

    me() { return this.#get('/api/auth/me'); }

    // MARK: Rooms

    createRoom(room) { return this.#post('/api/rooms', room); }

    /** `{status, incident_type, severity, q, limit, offset, unread, sort}` (the last two: revision 2). */
    listRooms(filter = {}) { return this.#get('/api/rooms', filter); }

    getRoom(roomId) { return this.#get(`/api/rooms/${enc(roomId)}`); }
    updateRoom(roomId, changes) { return this.#patch(`/api/rooms/${enc(roomId)}`, changes); }
    listMembers(roomId) { return this.#get(`/api/rooms/${enc(roomId)}/members`); }
    addMember(roomId, userId, role = 'EDITOR') { return this.#post(`/api/rooms/${enc(roomId)}/members`, { user_id: userId, role }); }
    changeMemberRole(roomId, userId, role) { return this.#patch(`/api/rooms/${enc(roomId)}/members/${enc(userId)}`, { role }); }
    removeMember(roomId, userId) { return this.#delete(`/api/rooms/${enc(roomId)}/members/${enc(userId)}`); }
    online(roomId) { return this.#get(`/api/rooms/${enc(roomId)}/online`); }
    typing(roomId) { return this.#get(`/api/rooms/${enc(roomId)}/typing`); }
    /** The incident report as Markdown text. */
    report(roomId) { return this.#get(`/api/rooms/${enc(roomId)}/report`, undefined, { as: 'text' }); }

    // MARK: Messages

    /**
     * One page of history: newest first with `{limit, before, beforeSeq}`, or oldest first after `afterSeq`.
     * `messageType` and `mentions` (`'me'` or a user id, revision 2) filter.
     */
    listMessages(roomId, { limit, before, beforeSeq, afterSeq, messageType, mentions } = {}) {
        return this.#get(`/api/rooms/${enc(roomId)}/messages`, {
            limit, before, before_seq: beforeSeq, after_seq: afterSeq, message_type: messageType, mentions,
        });
    }

    /** Every message after `afterSeq`, oldest first, page by page (the catch-up of a script that was away). */
    async *messagesAfter(roomId, afterSeq = 0, { pageSize = 200, messageType } = {}) {
        let after = afterSeq;
        for (;;) {
            const page = await this.listMessages(roomId, { afterSeq: after, limit: pageSize, messageType });
            for (const message of page.messages) {
                if (message.sequence_number > after) after = message.sequence_number;
                yield message;
            }
            if (!page.has_more || page.messages.length === 0) return;
        }
    }

    getMessage(roomId, messageId) { return this.#get(`/api/rooms/${enc(roomId)}/messages/${enc(messageId)}`); }

    /**
     * Sends over REST. A `client_id` is added when missing, so sending the same body again (after a network error)
     * stores it once; `retries` (default 0) does exactly that for failures worth retrying.
     */
    async sendMessage(roomId, message, { retries = 0 } = {}) {
        const body = typeof message === 'string' ? { content: message } : { ...message };
        body.client_id ??= newClientId();
        for (let attempt = 0; ; attempt++) {
            try {
                return await this.#post(`/api/rooms/${enc(roomId)}/messages`, body);
            } catch (error) {
                if (!(error instanceof ApiError) || !error.retryable || attempt >= retries) throw error;
                await sleep(1000 * Math.max(error.retryAfter ?? 0, 2 ** attempt));
            }
        }
    }

    /** An `incident_data` message: `readings` is an object such as `{temperature: 85, pressure: 120}`. */
    sendReadings(roomId, readings, options = {}) {
        const { retries, ...rest } = options;
        return this.sendMessage(roomId, { ...rest, message_type: 'incident_data', content: readings }, { retries });
    }

    editMessage(messageId, content) { return this.#patch(`/api/messages/${enc(messageId)}`, { content }); }
    messageHistory(messageId) { return this.#get(`/api/messages/${enc(messageId)}/history`); }
    deleteMessage(messageId) { return this.#delete(`/api/messages/${enc(messageId)}`); }
    addReaction(messageId, emoji) { return this.#post(`/api/messages/${enc(messageId)}/reactions`, { emoji }); }
    removeReaction(messageId, emoji) { return this.#delete(`/api/messages/${enc(messageId)}/reactions/${enc(emoji)}`); }

    /** Search within one room: `{results: [{message, highlight}], total}`; `highlight` is escaped HTML. */
    searchRoom(roomId, q, { limit, offset } = {}) {
        return this.#get(`/api/rooms/${enc(roomId)}/messages/search`, { q, limit, offset });
    }

    /** incident_data messages carrying reading `name`, optionally within `[min, max]`, oldest first. */
    readings(roomId, { name, min, max, limit } = {}) {
        return this.#get(`/api/rooms/${enc(roomId)}/readings`, { name, min, max, limit });
    }

    // MARK: Read markers, mentions, search, people, pins, announcements (revision 2)

    markRead(roomId, sequenceNumber) { return this.#post(`/api/rooms/${enc(roomId)}/read`, { sequence_number: sequenceNumber }); }
    readReceipts(roomId) { return this.#get(`/api/rooms/${enc(roomId)}/read-receipts`); }
    /** Messages mentioning the caller in every room, newest first; pass `next_before` back as `before`. */
    mentions({ limit, before } = {}) { return this.#get('/api/mentions', { limit, before }); }
    /** Search across every room the caller may read. */
    search(q, { limit, offset } = {}) { return this.#get('/api/search', { q, limit, offset }); }
    /** People of the directory (member picker, @mention completion); q at least 2 characters. */
    searchUsers(q, { limit } = {}) { return this.#get('/api/users', { q, limit }); }
    pinMessage(messageId) { return this.#post(`/api/messages/${enc(messageId)}/pin`); }
    unpinMessage(messageId) { return this.#delete(`/api/messages/${enc(messageId)}/pin`); }
    listPins(roomId) { return this.#get(`/api/rooms/${enc(roomId)}/pins`); }
    createAnnouncement(message, severity = 'info') { return this.#post('/api/announcements', { message, severity }); }
    listAnnouncements() { return this.#get('/api/announcements'); }

    // MARK: Files

    /**
     * Uploads `file` (a Blob/File, or bytes / a string with `filename`) as part `file`. In a browser, `onProgress`
     * (`{loaded, total}`) reports the upload's progress (XMLHttpRequest; fetch cannot).
     */
    async uploadFile(roomId, file, { filename, contentType, onProgress, signal } = {}) {
        const blob = typeof Blob !== 'undefined' && file instanceof Blob
            ? file : new Blob([file], { type: contentType ?? 'application/octet-stream' });
        const name = filename ?? (typeof file?.name === 'string' ? file.name : 'upload.bin');
        const form = new FormData();
        form.append('file', blob, name);
        const path = `/api/rooms/${enc(roomId)}/files`;
        if (onProgress && typeof globalThis.XMLHttpRequest === 'function') return this.#uploadWithProgress(path, form, onProgress, signal);
        const result = await this.request('POST', path, { body: form, signal, timeoutMs: 0 });
        onProgress?.({ loaded: blob.size, total: blob.size });
        return result;
    }

    #uploadWithProgress(path, form, onProgress, signal) {
        return new Promise((resolve, reject) => {
            const xhr = new globalThis.XMLHttpRequest();
            xhr.open('POST', this.baseUrl + path);
            if (this.#token) xhr.setRequestHeader('Authorization', `Bearer ${this.#token}`);
            xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : null });
            xhr.onerror = () => reject(new ApiError({ code: 'network_error', message: 'the upload failed' }));
            xhr.onabort = () => reject(new ApiError({ code: 'aborted', message: 'the upload was cancelled' }));
            xhr.onload = () => {
                if (xhr.status >= 200 && xhr.status < 300) {
                    try { resolve(JSON.parse(xhr.responseText)); } catch (cause) {
                        reject(new ApiError({ status: xhr.status, code: 'invalid_response', message: 'the answer is not JSON', cause }));
                    }
                } else {
                    reject(this.#failure(xhr.status, xhr.responseText, xhr.getResponseHeader('Retry-After')));
                }
            };
            signal?.addEventListener('abort', () => xhr.abort(), { once: true });
            xhr.send(form);
        });
    }

    listFiles(roomId) { return this.#get(`/api/rooms/${enc(roomId)}/files`); }
    getFile(roomId, fileId) { return this.#get(`/api/rooms/${enc(roomId)}/files/${enc(fileId)}`); }
    deleteFile(roomId, fileId) { return this.#delete(`/api/rooms/${enc(roomId)}/files/${enc(fileId)}`); }

    // MARK: Notifications

    listNotifications({ unread } = {}) { return this.#get('/api/notifications', { unread }); }
    markNotificationRead(notificationId) { return this.#post(`/api/notifications/${enc(notificationId)}/read`); }
    markAllNotificationsRead() { return this.#post('/api/notifications/read-all'); }

    // MARK: Live connections

    /** A started RoomConnection (listeners added in the same tick see its first events). */
    connectRoom(roomId, options = {}) {
        return new RoomConnection(this, roomId, options);
    }

    /** A started NotificationConnection. */
    connectNotifications(options = {}) {
        return new NotificationConnection(this, options);
    }

    /** The `ws:`/`wss:` URL of `path` with `query` (and `?token=` when sockets authenticate by query). */
    socketUrl(path, query = {}) {
        const url = new URL(this.baseUrl + path);
        url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
        if (this.socketAuth === 'query' && this.#token) url.searchParams.set('token', this.#token);
        for (const [key, value] of Object.entries(query)) {
            if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
        }
        return url.toString();
    }
}

const enc = (segment) => encodeURIComponent(String(segment));

// MARK: - Live connections: what both sockets share

/** The delay before reconnect attempt `attempt` (1-based): 1, 2, 4, 8 ... `maxMs` s, less up to `jitter` of it. */
export function backoffDelay(attempt, { initialMs = 1000, maxMs = 30000, jitter = 0.25 } = {}, random = Math.random) {
    const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(base * (1 - jitter * random()));
}

/** Why a socket stopped for good, from its close code and reason (API.md: 1008 for an expired or revoked token or a
 *  removed member, and for a refused room at connect). */
function stopReasonForClose(code, reason) {
    if (code !== 1008) return null;
    const text = String(reason ?? '').toLowerCase();
    if (text.includes('removed') || text.includes('forbidden')) return 'forbidden';
    if (text.includes('not_found')) return 'not_found';
    return 'unauthorized';
}

function stopReasonForStatus(status) {
    return status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status === 404 ? 'not_found' : null;
}

class LiveConnection extends Emitter {
    constructor(client, options) {
        super();
        this.client = client;
        this.options = {
            WebSocket: options.WebSocket ?? client.WebSocket,
            backoff: { initialMs: 1000, maxMs: 30000, jitter: 0.25, ...options.backoff },
            pingIntervalMs: options.pingIntervalMs ?? 25000,
            pongTimeoutMs: options.pongTimeoutMs ?? 10000,
            connectTimeoutMs: options.connectTimeoutMs ?? 15000,
            stableMs: options.stableMs ?? 5000,
        };
        if (!this.options.WebSocket) {
            throw new TypeError('no WebSocket: pass options.WebSocket (in Node 20: NodeWebSocket of node-websocket.js)');
        }
        this.#onOnline = () => { if (this.#state.state === 'offline') this.reconnectNow(); };
        if (options.autoStart !== false) queueMicrotask(() => { if (this.#state.state === 'idle') this.start(); });
    }

    #state = { type: 'state', state: 'idle' };
    #socket = null;
    #socketGeneration = 0;
    #attempt = 0;
    #reconnectTimer = null;
    #heartbeatTimer = null;
    #pongTimer = null;
    #connectTimer = null;
    #stableTimer = null;
    #opened = false;
    #onOnline;
    #listeningOnline = false;

    /** `{state: 'idle'|'connecting'|'connected'|'reconnecting'|'offline'|'stopped', ...}` */
    get state() {
        return this.#state;
    }

    get isLive() {
        return this.#state.state === 'connected';
    }

    /** Starts connecting (done on its own unless `autoStart: false`); after a stop, starts again with the
     *  client's current token, keeping the position and the queue. */
    start() {
        if (this.#state.state !== 'idle' && this.#state.state !== 'stopped') return;
        this.#attempt = 0;
        if (!this.#listeningOnline && typeof globalThis.addEventListener === 'function' && typeof globalThis.navigator === 'object') {
            globalThis.addEventListener('online', this.#onOnline);
            this.#listeningOnline = true;
        }
        this.#connect();
    }

    /** Skips the wait of a pending reconnect. */
    reconnectNow() {
        if (this.#state.state !== 'reconnecting' && this.#state.state !== 'offline') return;
        clearTimeout(this.#reconnectTimer);
        this.#connect();
    }

    /** Closes for good (state `stopped`, reason `closed`). */
    close() {
        this.#stop('closed', {});
    }

    /** Drops the current socket as a network failure would (and reconnects); for "retry now" and tests. */
    drop() {
        if (this.#socket) this.#lost({ code: 4000, reason: 'dropped by the client' });
    }

    _setState(state) {
        this.#state = { type: 'state', ...state };
        this.emit('state', this.#state);
    }

    _send(object) {
        const socket = this.#socket;
        if (!socket || socket.readyState !== 1) return false;
        try {
            socket.send(JSON.stringify(object));
            return true;
        } catch {
            return false;
        }
    }

    _protocolError(reason, raw) {
        const text = typeof raw === 'string' ? raw : raw === undefined ? '' : JSON.stringify(raw) ?? String(raw);
        this.emit('protocol_error', { type: 'protocol_error', reason, raw: text.length > 500 ? `${text.slice(0, 500)}...` : text });
    }

    /** The current socket's generation: events of an older socket are recognised by it. */
    get _generation() {
        return this.#socketGeneration;
    }

    _markConnected(extra = {}) {
        this._setState({ state: 'connected', ...extra });
        clearTimeout(this.#stableTimer);
        this.#stableTimer = setTimeout(() => { this.#attempt = 0; }, this.options.stableMs);
    }

    _socketPath() { throw new Error('abstract'); }
    _socketQuery() { return {}; }
    _probe() { return Promise.resolve(); }
    _onOpen() {}
    _onEvent() {}
    _onLost() {}
    _onStopped() {}

    #connect() {
        const generation = ++this.#socketGeneration;
        this.#opened = false;
        this._setState({ state: 'connecting', attempt: this.#attempt });
        const url = this.client.socketUrl(this._socketPath(), this._socketQuery());
        const WebSocketClass = this.options.WebSocket;
        let socket;
        try {
            socket = this.client.socketAuth === 'header' && this.client.token
                ? new WebSocketClass(url, [], { headers: { Authorization: `Bearer ${this.client.token}` } })
                : new WebSocketClass(url);
        } catch (error) {
            this.emit('error', { type: 'error', code: 'socket_error', message: String(error?.message ?? error) });
            this.#scheduleReconnect();
            return;
        }
        this.#socket = socket;
        let upgradeStatus = null;
        const mine = () => generation === this.#socketGeneration && this.#socket === socket;
        socket.onopen = () => {
            if (!mine()) return;
            this.#opened = true;
            clearTimeout(this.#connectTimer);
            this.#startHeartbeat();
            this._onOpen();
        };
        socket.onmessage = (event) => {
            if (!mine()) return;
            this.#sawTraffic();
            this.#receive(event.data);
        };
        socket.onerror = (event) => {
            if (!mine()) return;
            // node-websocket.js (and some other clients) tell the status of a refused upgrade; browsers never do.
            const status = event?.status ?? event?.error?.status ?? null;
            if (typeof status === 'number') upgradeStatus = status;
        };
        socket.onclose = (event) => {
            if (!mine()) return;
            this.#lost({
                code: event?.code ?? 1006, reason: event?.reason ?? '',
                status: typeof event?.status === 'number' ? event.status : upgradeStatus,
            });
        };
        clearTimeout(this.#connectTimer);
        this.#connectTimer = setTimeout(() => {
            if (mine() && !this.#opened) this.#lost({ code: 4001, reason: 'connect timeout' });
        }, this.options.connectTimeoutMs);
    }

    #receive(data) {
        if (typeof data !== 'string') {
            this._protocolError('binary frame (the service sends text only)', '');
            return;
        }
        let event;
        try {
            event = JSON.parse(data);
        } catch {
            this._protocolError('not JSON', data);
            return;
        }
        if (!isObject(event)) {
            this._protocolError('not a JSON object', data);
            return;
        }
        if (!isString(event.type)) {
            this._protocolError('no "type"', data);
            return;
        }
        if (event.type === 'ping') {
            this._send({ type: 'pong' });
        }
        this._onEvent(event, data);
    }

    #sawTraffic() {
        clearTimeout(this.#pongTimer);
        this.#pongTimer = null;
    }

    #startHeartbeat() {
        clearInterval(this.#heartbeatTimer);
        if (!(this.options.pingIntervalMs > 0)) return;
        // Browsers cannot see WebSocket ping frames: an application ping that gets no answer tells a dead link.
        this.#heartbeatTimer = setInterval(() => {
            if (this.#pongTimer) return;
            if (!this._send({ type: 'ping' })) return;
            this.#pongTimer = setTimeout(() => {
                this.#lost({ code: 4002, reason: 'no pong' });
            }, this.options.pongTimeoutMs);
        }, this.options.pingIntervalMs);
    }

    #teardownSocket() {
        const socket = this.#socket;
        this.#socket = null;
        this.#socketGeneration++;
        clearInterval(this.#heartbeatTimer);
        clearTimeout(this.#pongTimer);
        clearTimeout(this.#connectTimer);
        clearTimeout(this.#stableTimer);
        this.#pongTimer = null;
        if (!socket) return;
        socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
        try {
            if (typeof socket.terminate === 'function' && socket.readyState !== 1) socket.terminate();
            else if (socket.readyState === 0 || socket.readyState === 1) socket.close(1000);
        } catch {
            // Already closed.
        }
    }

    async #lost({ code, reason, status }) {
        const wasOpen = this.#opened;
        this.#teardownSocket();
        if (this.#state.state === 'stopped') return;
        this._onLost();
        this.emit('disconnected', { type: 'disconnected', code, reason, status: status ?? null });
        let stop = stopReasonForClose(code, reason);
        if (!stop && !wasOpen) {
            stop = stopReasonForStatus(status);
            if (!stop && status === null) {
                // A browser hides why an upgrade failed: ask REST whether the token or the access is gone.
                const generation = this.#socketGeneration;
                try {
                    await this._probe();
                } catch (error) {
                    if (error instanceof ApiError) stop = stopReasonForStatus(error.status);
                }
                if (generation !== this.#socketGeneration || this.#state.state === 'stopped') return;
            }
        }
        if (stop) {
            this.#stop(stop, { code, status: status ?? null, message: reason || null });
            return;
        }
        this.#scheduleReconnect();
    }

    #scheduleReconnect() {
        this.#attempt += 1;
        const delayMs = backoffDelay(this.#attempt, this.options.backoff);
        const offline = globalThis.navigator?.onLine === false;
        this._setState({ state: offline ? 'offline' : 'reconnecting', delayMs, attempt: this.#attempt, retryAt: Date.now() + delayMs });
        clearTimeout(this.#reconnectTimer);
        this.#reconnectTimer = setTimeout(() => this.#connect(), delayMs);
    }

    #stop(reason, extra) {
        if (this.#state.state === 'stopped') return;
        clearTimeout(this.#reconnectTimer);
        this.#teardownSocket();
        if (this.#listeningOnline) {
            globalThis.removeEventListener?.('online', this.#onOnline);
            this.#listeningOnline = false;
        }
        this._setState({ state: 'stopped', reason, ...extra });
        this._onStopped(reason);
        this.emit('stopped', { type: 'stopped', reason, ...extra });
    }

    /** For subclasses: a refusal on an open socket that means the session is over. */
    _forceStop(reason, extra = {}) {
        this.#stop(reason, extra);
    }

    /** For subclasses: treat the socket as dropped (resume on a new one). */
    _forceReconnect(reason) {
        if (this.#socket) this.#lost({ code: 4003, reason });
    }
}

// MARK: - A room

const TRANSIENT_SEND_CODES = new Set(['rate_limited', 'unavailable', 'storage_unavailable']);
const MAX_FRAME_BYTES = 1 << 20;

/**
 * A live room: `GET /ws/{room_id}`. Keeps the highest `sequence_number` and `rev` seen, resumes with them after any
 * drop, fills gaps over REST, and sends messages in order from a queue that survives drops (each keeps its
 * `client_id` until acknowledged, so nothing is stored twice).
 */
export class RoomConnection extends LiveConnection {
    /**
     * @param {IncidentClient} client
     * @param {string} roomId
     * @param {object} [options] `lastSeq`, `lastRev` (resume point, e.g. from the history the page loaded),
     *   `pending` (queued messages to restore), `onTruncated` ('fill' | 'reload'), `typingIntervalMs`,
     *   `typingIdleMs`, `ackTimeoutMs`, `readThrottleMs`, plus `WebSocket`, `backoff`, `pingIntervalMs`,
     *   `pongTimeoutMs`, `connectTimeoutMs`, `autoStart`.
     */
    constructor(client, roomId, options = {}) {
        super(client, options);
        this.roomId = String(roomId).toLowerCase();
        this.#lastSeq = Number.isSafeInteger(options.lastSeq) ? options.lastSeq : null;
        this.#lastRev = Number.isSafeInteger(options.lastRev) ? options.lastRev : null;
        this.#onTruncated = options.onTruncated ?? 'fill';
        this.#typingIntervalMs = options.typingIntervalMs ?? 2000;
        this.#typingIdleMs = options.typingIdleMs ?? 3000;
        this.#ackTimeoutMs = options.ackTimeoutMs ?? 20000;
        this.#readThrottleMs = options.readThrottleMs ?? 1000;
        for (const item of options.pending ?? []) {
            const { client_id: clientId, ...body } = item;
            this.#enqueue(body, clientId ?? newClientId());
        }
    }

    #lastSeq;
    #lastRev;
    #onTruncated;
    #typingIntervalMs;
    #typingIdleMs;
    #ackTimeoutMs;
    #readThrottleMs;
    /** `connected` of the current socket came and, when resuming, `sync_complete` not yet. */
    #resuming = false;
    #live = false;
    #userId = null;
    #role = null;
    #online = new Map();
    /** Events that arrive while a gap is being filled wait here, in order. */
    #filling = false;
    #held = [];
    #queue = [];
    #inFlight = null;
    #ackTimer = null;
    #retryTimer = null;
    #typingSentAt = 0;
    #typingActive = false;
    #typingIdleTimer = null;
    #readWanted = 0;
    #readSent = 0;
    #readTimer = null;

    /** `{lastSeq, lastRev}`: where this connection would resume. */
    get position() {
        return { lastSeq: this.#lastSeq, lastRev: this.#lastRev };
    }

    get userId() { return this.#userId; }
    get role() { return this.#role; }
    /** The users online in the room, from `connected` and `user_joined` / `user_left`. */
    get online() { return [...this.#online.values()]; }

    /** The messages not yet acknowledged, in order, as bodies with their `client_id` (to keep them elsewhere). */
    get pending() {
        return this.#queue.map((item) => ({ client_id: item.clientId, ...item.body }));
    }

    // MARK: Sending

    /**
     * Queues a message and sends it as soon as the room is live (at once when it is). `message` is the text, or a
     * body `{content, message_type, metadata, mentions, file_id}`. Resolves with the ack
     * (`{client_id, message_id, sequence_number, created_at}`); rejects with an ApiError when the service refuses it
     * (a refusal that is only "later", `rate_limited`, is retried). The message is never stored twice.
     */
    send(message, { clientId } = {}) {
        const body = typeof message === 'string' ? { content: message } : { ...message };
        delete body.type;
        if (body.client_id) { clientId ??= body.client_id; delete body.client_id; }
        const frame = JSON.stringify({ type: 'message', ...body, client_id: clientId ?? 'x'.repeat(36) });
        if (utf8Length(frame) > MAX_FRAME_BYTES) {
            const error = new ApiError({ code: 'message_too_large', message: 'The message is larger than a socket frame may be (1 MiB).' });
            const rejected = Promise.reject(error);
            rejected.catch(() => {});
            return rejected;
        }
        this.#stopTypingIfActive();
        const promise = this.#enqueue(body, clientId ?? newClientId());
        this.#flush();
        return promise;
    }

    /** Queues an `incident_data` message of `readings` (`{temperature: 85, pressure: 120}`). */
    sendReadings(readings, options = {}) {
        const { clientId, ...rest } = options;
        return this.send({ ...rest, message_type: 'incident_data', content: readings }, { clientId });
    }

    #enqueue(body, clientId) {
        let resolve, reject;
        const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
        // A caller that does not await must not get an unhandled rejection: `send_failed` tells it too.
        promise.catch(() => {});
        this.#queue.push({ clientId, body, resolve, reject, promise });
        this.emit('pending', { type: 'pending', pending: this.pending });
        return promise;
    }

    #flush() {
        if (!this.#live || this.#inFlight || this.#retryTimer || this.#queue.length === 0) return;
        const item = this.#queue[0];
        // One at a time: a refusal that means "later" (rate_limited) is retried without changing the order.
        if (!this._send({ type: 'message', ...item.body, client_id: item.clientId })) return;
        this.#inFlight = item;
        clearTimeout(this.#ackTimer);
        this.#ackTimer = setTimeout(() => {
            if (this.#inFlight === item) this._forceReconnect('no ack');
        }, this.#ackTimeoutMs);
    }

    #settle(clientId, outcome) {
        const index = this.#queue.findIndex((item) => item.clientId === clientId);
        if (index < 0) return false;
        const [item] = this.#queue.splice(index, 1);
        if (this.#inFlight === item) {
            this.#inFlight = null;
            clearTimeout(this.#ackTimer);
        }
        if (outcome.error) {
            item.reject(outcome.error);
            this.emit('send_failed', { type: 'send_failed', client_id: clientId, body: item.body, error: outcome.error });
        } else {
            item.resolve(outcome.ack);
            this.emit('ack', { type: 'ack', ...outcome.ack });
        }
        this.emit('pending', { type: 'pending', pending: this.pending });
        this.#flush();
        return true;
    }

    // MARK: Typing and reading

    /** Call on every keystroke: sends `typing: true` at most every `typingIntervalMs`, and `false` after
     *  `typingIdleMs` without keystrokes. Nothing is sent while not connected. */
    typing() {
        if (!this.#live) return;
        const now = Date.now();
        if (!this.#typingActive || now - this.#typingSentAt >= this.#typingIntervalMs) {
            if (this._send({ type: 'typing', is_typing: true })) {
                this.#typingActive = true;
                this.#typingSentAt = now;
            }
        }
        clearTimeout(this.#typingIdleTimer);
        this.#typingIdleTimer = setTimeout(() => this.#stopTypingIfActive(), this.#typingIdleMs);
    }

    /** Says at once that the user stopped typing (the composer was cleared). */
    stopTyping() {
        this.#stopTypingIfActive();
    }

    #stopTypingIfActive() {
        clearTimeout(this.#typingIdleTimer);
        if (!this.#typingActive) return;
        this.#typingActive = false;
        this._send({ type: 'typing', is_typing: false });
    }

    /** Moves the read marker to `sequenceNumber` (revision 2): throttled, only forward, sent again after a drop. */
    markRead(sequenceNumber) {
        if (!Number.isSafeInteger(sequenceNumber) || sequenceNumber <= this.#readWanted) return;
        this.#readWanted = sequenceNumber;
        this.#scheduleRead();
    }

    #scheduleRead() {
        if (this.#readTimer || !this.#live || this.#readWanted <= this.#readSent) return;
        this.#readTimer = setTimeout(() => {
            this.#readTimer = null;
            if (!this.#live || this.#readWanted <= this.#readSent) return;
            if (this._send({ type: 'read', sequence_number: this.#readWanted })) this.#readSent = this.#readWanted;
        }, this.#readSent === 0 ? 0 : this.#readThrottleMs);
    }

    // MARK: The socket's life

    _socketPath() {
        return `/ws/${encodeURIComponent(this.roomId)}`;
    }

    _socketQuery() {
        this.#resuming = this.#lastSeq !== null;
        return this.#lastSeq === null ? {} : { last_seq: this.#lastSeq, last_rev: this.#lastRev ?? undefined };
    }

    _probe() {
        return this.client.getRoom(this.roomId);
    }

    _onLost() {
        this.#live = false;
        this.#inFlight = null;
        clearTimeout(this.#ackTimer);
        clearTimeout(this.#readTimer);
        this.#readTimer = null;
        // The service forgets a typing state when the last connection closes.
        this.#typingActive = false;
        clearTimeout(this.#typingIdleTimer);
        this.#readSent = Math.min(this.#readSent, this.#readWanted - 1);
    }

    _onStopped() {
        this._onLost();
        clearTimeout(this.#retryTimer);
        this.#retryTimer = null;
    }

    /** Closes for good. Unsent messages stay in `pending` (to keep or show); their promises reject with
     *  `connection_closed`. */
    close() {
        const unsent = this.#queue.splice(0);
        super.close();
        for (const item of unsent) {
            item.reject(new ApiError({ code: 'connection_closed', message: 'The connection was closed before the message was sent.' }));
        }
        this.#queue = unsent;
    }

    _onEvent(event, raw) {
        const check = roomEventChecks[event.type];
        if (check) {
            const problem = check(event);
            if (problem) {
                this._protocolError(`${event.type}: ${problem}`, raw);
                return;
            }
        }
        const tagged = { event, generation: this._generation, replay: this.#resuming };
        if (this.#filling && event.type !== 'pong' && event.type !== 'ping') {
            this.#held.push(tagged);
            return;
        }
        this.#handle(tagged);
    }

    #handle({ event, generation, replay }) {
        const current = generation === this._generation;
        switch (event.type) {
            case 'connected': {
                if (!current) break;
                this.#userId = event.user_id;
                this.#role = event.role ?? null;
                this.#online = new Map((event.online ?? []).map((u) => [u.user_id, u]));
                const resumed = this.#lastSeq !== null && this.#resuming;
                // A position ahead of the room (another database, a restored backup) would hide its new messages.
                if (resumed && event.last_sequence_number < this.#lastSeq) this.#lastSeq = event.last_sequence_number;
                if (this.#lastSeq === null) {
                    this.#lastSeq = event.last_sequence_number;
                    this.#lastRev = event.rev;
                }
                this.emit('connected', { ...event, resumed });
                this.emit('presence', { type: 'presence', online: this.online });
                if (!this.#resuming) this.#goLive();
                break;
            }
            case 'message':
                this.#acceptMessage(event.message, replay ? 'replay' : 'live', current && !replay);
                break;
            case 'sync_complete':
                if (!current) break;
                this.#syncComplete(event);
                break;
            case 'ack':
                if (event.client_id) {
                    this.#settle(event.client_id, { ack: { client_id: event.client_id, message_id: event.message_id, sequence_number: event.sequence_number, created_at: event.created_at ?? null } });
                }
                break;
            case 'message_edited':
            case 'message_pinned':
            case 'message_unpinned':
                if (event.message.room_id !== this.roomId) {
                    this._protocolError(`${event.type} of another room`, event);
                    break;
                }
                this.#raiseRev(event.rev ?? event.message.rev, current && !replay);
                this.emit(event.type, event);
                break;
            case 'message_deleted':
            case 'reactions_updated':
                this.#raiseRev(event.rev, current && !replay);
                this.emit(event.type, event);
                break;
            case 'system':
                if (event.event === 'user_joined') this.#online.set(event.user_id, { user_id: event.user_id, display_name: event.display_name ?? event.user_id });
                if (event.event === 'user_left') this.#online.delete(event.user_id);
                this.emit('system', event);
                this.emit('presence', { type: 'presence', online: this.online });
                break;
            case 'error':
                this.#serverError(event);
                break;
            case 'typing':
            case 'read_receipt':
            case 'announcement':
            case 'pong':
                this.emit(event.type, event);
                break;
            default:
                break;
        }
        this.emit('event', event);
    }

    #raiseRev(rev, live) {
        // A replayed event carries a later state than the replay has reached: only live events and sync_complete
        // move the revision, so a drop in the middle of a replay resumes from where the replay began.
        if (live && Number.isSafeInteger(rev) && (this.#lastRev === null || rev > this.#lastRev)) this.#lastRev = rev;
    }

    #acceptMessage(message, source, live) {
        if (message.room_id !== this.roomId) {
            this._protocolError('message of another room', message);
            return;
        }
        const seq = message.sequence_number;
        this.#matchOwn(message);
        if (this.#lastSeq !== null && seq <= this.#lastSeq) return; // Already delivered (a replay, a fill, a retry).
        if (this.#lastSeq !== null && seq > this.#lastSeq + 1) {
            this.#held.push({ event: { type: 'message', message }, generation: this._generation, replay: !live, source });
            this.#fillGap(seq - 1);
            return;
        }
        this.#lastSeq = seq;
        this.#raiseRev(message.rev, live);
        this.emit('message', { type: 'message', message, replayed: source !== 'live' });
    }

    /** A message of this user that carries a queued `client_id` settles it (its ack may have been lost). */
    #matchOwn(message) {
        if (!message.client_id || message.sender_id !== this.#userId) return;
        this.#settle(message.client_id, { ack: { client_id: message.client_id, message_id: message.message_id, sequence_number: message.sequence_number, created_at: message.created_at } });
    }

    async #fillGap(target) {
        if (this.#filling) return;
        this.#filling = true;
        const from = this.#lastSeq;
        this.emit('gap', { type: 'gap', after: from, through: target });
        let stalls = 0;
        try {
            while (target === Infinity || this.#lastSeq < target) {
                const page = await this.client.listMessages(this.roomId, { afterSeq: this.#lastSeq, limit: 200 });
                if (this.#state_is_stopped()) return;
                const before = this.#lastSeq;
                for (const message of Array.isArray(page?.messages) ? page.messages : []) {
                    const problem = messageProblem(message);
                    if (problem) { this._protocolError(`history: ${problem}`, message); continue; }
                    if (message.sequence_number !== this.#lastSeq + 1) continue;
                    this.#matchOwn(message);
                    this.#lastSeq = message.sequence_number;
                    this.emit('message', { type: 'message', message, replayed: true });
                }
                if (!page?.has_more && target === Infinity) break;
                if (this.#lastSeq === before) {
                    // Not committed yet, or a page that skipped: wait a little, then accept the gap rather than spin.
                    if (target === Infinity) break;
                    if (++stalls > 3) {
                        this.emit('error', { type: 'error', code: 'gap_unfilled', message: `messages ${this.#lastSeq + 1}..${target} could not be loaded` });
                        this.#lastSeq = target;
                        break;
                    }
                    await sleep(250 * stalls);
                }
            }
            this.emit('gap_filled', { type: 'gap_filled', after: from, through: this.#lastSeq });
        } catch (error) {
            if (error instanceof ApiError && stopReasonForStatus(error.status)) {
                this._forceStop(stopReasonForStatus(error.status), { status: error.status, code: null, message: error.message });
                return;
            }
            // The resume of a new socket replays what REST could not load.
            this.emit('error', { type: 'error', code: error?.code ?? 'gap_fill_failed', message: String(error?.message ?? error) });
            this._forceReconnect('gap fill failed');
        } finally {
            this.#filling = false;
            const held = this.#held.splice(0);
            for (const item of held) {
                if (this.#filling) { this.#held.push(item); continue; }
                this.#handle(item);
            }
        }
    }

    #state_is_stopped() {
        return this.state.state === 'stopped';
    }

    async #syncComplete(event) {
        if (this.#lastSeq !== null && event.last_sequence_number > this.#lastSeq && !event.truncated) {
            // A replayed message was refused as malformed or lost: the gap filler loads it before going live.
            this.#held.push({ event, generation: this._generation, replay: true });
            this.#fillGap(event.last_sequence_number);
            return;
        }
        this.#resuming = false;
        if (this.#lastRev === null || event.rev > this.#lastRev) this.#lastRev = event.rev;
        if (this.#lastSeq === null) this.#lastSeq = event.last_sequence_number;
        this.emit('sync_complete', event);
        if (event.truncated) {
            if (this.#onTruncated === 'reload') {
                // The caller reloads its newest history; this connection continues from the room's current end.
                try {
                    const room = await this.client.getRoom(this.roomId);
                    if (room.last_sequence_number > this.#lastSeq) this.#lastSeq = room.last_sequence_number;
                    if (Number.isSafeInteger(room.rev) && room.rev > this.#lastRev) this.#lastRev = room.rev;
                } catch {
                    // Without the room, the next live message opens a gap the filler loads.
                }
                this.emit('reload_required', { type: 'reload_required', lastSeq: this.#lastSeq, lastRev: this.#lastRev });
            } else {
                this.#fillGap(Infinity);
            }
        }
        this.#goLive();
    }

    #goLive() {
        this.#live = true;
        this._markConnected({ lastSeq: this.#lastSeq, lastRev: this.#lastRev });
        this.#flush();
        this.#scheduleRead();
    }

    #serverError(event) {
        const error = new ApiError({
            status: 0, code: event.code, message: event.message ?? event.code,
            details: isString(event.field) ? { field: event.field } : null,
            retryAfter: event.code === 'rate_limited' ? 1 : null,
        });
        const item = event.client_id ? this.#queue.find((q) => q.clientId === event.client_id) : null;
        if (item) {
            if (TRANSIENT_SEND_CODES.has(event.code)) {
                if (this.#inFlight === item) { this.#inFlight = null; clearTimeout(this.#ackTimer); }
                this.emit('send_retry', { type: 'send_retry', client_id: item.clientId, error });
                clearTimeout(this.#retryTimer);
                this.#retryTimer = setTimeout(() => { this.#retryTimer = null; this.#flush(); }, 1000);
            } else {
                this.#settle(item.clientId, { error });
            }
            return;
        }
        this.emit('error', { type: 'error', code: event.code, message: event.message ?? event.code, field: event.field ?? null, client_id: event.client_id ?? null });
    }
}

// MARK: - Notifications

/**
 * `GET /ws/notifications`: the unread notifications (`unread_sync`), then each new one, mark-read answers and
 * announcements. Keeps the unread list, so a bell only listens to `unread`.
 */
export class NotificationConnection extends LiveConnection {
    constructor(client, options = {}) {
        super(client, options);
    }

    #unread = new Map();
    #announcements = new Set();

    /** The unread notifications, newest first. */
    get unread() {
        return [...this.#unread.values()].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    }

    get unreadCount() {
        return this.#unread.size;
    }

    /** Marks one read: over the socket when connected, else over REST. */
    async markRead(notificationId) {
        if (!(this.isLive && this._send({ type: 'mark_read', notification_id: notificationId }))) {
            await this.client.markNotificationRead(notificationId);
            this.#removeUnread(notificationId);
        }
    }

    async markAllRead() {
        await this.client.markAllNotificationsRead();
        this.#unread.clear();
        this.#emitUnread();
    }

    _socketPath() {
        return '/ws/notifications';
    }

    _probe() {
        return this.client.me();
    }

    _onEvent(event, raw) {
        const check = notificationEventChecks[event.type];
        if (check) {
            const problem = check(event);
            if (problem) {
                this._protocolError(`${event.type}: ${problem}`, raw);
                return;
            }
        }
        switch (event.type) {
            case 'unread_sync':
                this.#unread = new Map(event.notifications.filter((n) => !n.read_at).map((n) => [n.id, n]));
                this._markConnected();
                this.emit('unread_sync', event);
                this.#emitUnread();
                break;
            case 'notification':
                if (!event.data.read_at) this.#unread.set(event.data.id, event.data);
                this.emit('notification', event);
                this.#emitUnread();
                break;
            case 'mark_read':
                this.emit('mark_read', event);
                this.#removeUnread(event.notification_id);
                break;
            case 'announcement':
                // A socket that reconnects within 24 hours gets the same announcement again.
                if (this.#announcements.has(event.announcement.announcement_id)) break;
                this.#announcements.add(event.announcement.announcement_id);
                this.emit('announcement', event);
                break;
            case 'error':
                this.emit('error', { type: 'error', code: event.code, message: event.message ?? event.code, field: event.field ?? null, client_id: null });
                break;
            case 'pong':
                this.emit('pong', event);
                break;
            default:
                break;
        }
        this.emit('event', event);
    }

    #removeUnread(id) {
        if (this.#unread.delete(id)) this.#emitUnread();
    }

    #emitUnread() {
        this.emit('unread', { type: 'unread', count: this.#unread.size, notifications: this.unread });
    }
}
