// Hand-written declarations of incident-rooms.js: every shape of API.md (revision 2 included) and every event.
// Checked by compiling Clients/js/examples/*.ts with `tsc --strict --noEmit` (scripts/gates/clients-js.sh).

// MARK: - Shapes of API.md

export type Timestamp = string;
export type IncidentType = 'equipment_failure' | 'material_shortage' | 'quality_issue' | 'other';
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type RoomStatus = 'active' | 'resolved' | 'archived';
export type Role = 'OWNER' | 'EDITOR' | 'VIEWER';
export type MessageType = 'text' | 'image_ref' | 'file_ref' | 'system' | 'incident_data';
export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };
export type Readings = { [name: string]: JSONValue };

export interface User {
    user_id: string;
    display_name: string;
    email: string;
    is_admin: boolean;
}

export interface LoginResult {
    token: string;
    token_type: 'Bearer';
    expires_at: Timestamp;
    user: User;
}

export interface Room {
    room_id: string;
    title: string;
    incident_type: IncidentType;
    severity: Severity;
    status: RoomStatus;
    location: string;
    description: string;
    lots: string[];
    created_by: string;
    created_at: Timestamp;
    updated_at: Timestamp;
    resolved_at: Timestamp | null;
    last_activity_at: Timestamp;
    last_sequence_number: number;
    /** The room's revision (this service's addition): resume with it as `lastRev`. */
    rev: number;
    member_count: number;
    my_role: Role | null;
    /** Revision 2. */
    last_read_sequence_number?: number;
    unread_count?: number;
    mention_count?: number;
}

export interface NewRoom {
    title: string;
    incident_type: IncidentType;
    severity: Severity;
    location?: string;
    description?: string;
    lots?: string[];
}

export interface RoomChanges {
    title?: string;
    severity?: Severity;
    status?: RoomStatus;
    location?: string;
    description?: string;
    lots?: string[];
}

export interface RoomFilter {
    status?: RoomStatus;
    incident_type?: IncidentType;
    severity?: Severity;
    q?: string;
    limit?: number;
    offset?: number;
    /** Revision 2: only rooms with unread messages. */
    unread?: boolean;
    /** Revision 2: newest activity first. */
    sort?: 'activity';
}

export interface RoomList {
    rooms: Room[];
    total: number;
    limit: number;
    offset: number;
}

export interface Member {
    user_id: string;
    display_name: string;
    role: Role;
    added_at: Timestamp;
}

export interface Reaction {
    emoji: string;
    count: number;
    user_ids: string[];
}

export interface FileInfo {
    file_id: string;
    room_id: string;
    filename: string;
    content_type: string;
    size: number;
    file_type: 'image' | 'document' | 'log';
    uploaded_by: string;
    uploaded_at: Timestamp;
    download_url: string | null;
}

export interface SystemMetadata {
    event: 'room_created' | 'status_changed' | 'room_updated' | 'member_added' | 'member_removed' | 'role_changed' | string;
    actor: string;
    data: { [key: string]: JSONValue };
}

export interface Message {
    message_id: string;
    room_id: string;
    sequence_number: number;
    rev: number;
    sender_id: string;
    sender_display_name: string;
    message_type: MessageType;
    /** Text; the readings object for `incident_data`; null once deleted. */
    content: string | Readings | null;
    metadata: { [key: string]: JSONValue } | null;
    mentions: string[];
    file: FileInfo | null;
    /** This service's addition: the sender's `client_id`, or null. */
    client_id?: string | null;
    created_at: Timestamp;
    edited_at: Timestamp | null;
    deleted_at: Timestamp | null;
    deleted_by?: string | null;
    reactions: Reaction[];
    /** Revision 2. */
    pinned_at?: Timestamp | null;
    pinned_by?: string | null;
}

export interface NewMessage {
    content: string | Readings;
    message_type?: Exclude<MessageType, 'system'>;
    metadata?: { [key: string]: JSONValue };
    mentions?: string[];
    file_id?: string;
    client_id?: string;
}

export interface HistoryQuery {
    limit?: number;
    before?: Timestamp;
    beforeSeq?: number;
    afterSeq?: number;
    messageType?: MessageType;
    /** Revision 2: `'me'` or a user id. */
    mentions?: string;
}

export interface HistoryPage {
    messages: Message[];
    has_more: boolean;
    next_before_seq?: number | null;
    next_after_seq?: number | null;
}

export interface EditHistory {
    edits: { original_content: string | Readings; edited_by: string; edited_at: Timestamp }[];
}

export interface SearchResults {
    results: { message: Message; highlight: string }[];
    total: number;
}

export interface GlobalSearchResults {
    results: { message: Message; highlight: string; room: { room_id: string; title: string } }[];
    total: number;
}

export interface Presence {
    user_id: string;
    display_name: string;
    connected_at?: Timestamp;
}

export interface Notification {
    id: string;
    type: 'mention' | 'member_added' | 'status_changed';
    title: string;
    message: string;
    room_id: string;
    reference_type: 'message' | 'room';
    reference_id: string;
    created_at: Timestamp;
    read_at: Timestamp | null;
}

export interface NotificationList {
    notifications: Notification[];
    unread_count: number;
}

export interface ReadMarker {
    room_id: string;
    last_read_sequence_number: number;
}

export interface ReadReceipt {
    user_id: string;
    display_name: string;
    last_read_sequence_number: number;
    read_at: Timestamp | null;
}

export interface MentionsPage {
    messages: Message[];
    has_more: boolean;
    next_before: string | null;
}

export interface Person {
    user_id: string;
    display_name: string;
    email: string;
}

export type AnnouncementSeverity = 'info' | 'warning' | 'critical';

export interface Announcement {
    announcement_id: string;
    message: string;
    severity: AnnouncementSeverity;
    created_by: string;
    created_at: Timestamp;
}

export interface Ack {
    client_id: string;
    message_id: string;
    sequence_number: number;
    created_at: Timestamp | null;
}

// MARK: - Errors

export type ErrorCode =
    | 'invalid_request' | 'unauthorized' | 'invalid_credentials' | 'forbidden' | 'insufficient_permissions'
    | 'not_owner' | 'edit_window_expired' | 'not_found' | 'conflict' | 'room_archived' | 'payload_too_large'
    | 'message_too_large' | 'unsupported_media_type' | 'validation_failed' | 'rate_limited' | 'unavailable'
    | 'directory_unavailable' | 'storage_unavailable' | 'invalid_message' | 'method_not_allowed'
    // Client-side codes:
    | 'network_error' | 'timeout' | 'aborted' | 'invalid_response' | 'connection_closed';

export class ApiError extends Error {
    constructor(init?: { status?: number; code?: string; message?: string; details?: object | null; retryAfter?: number | null; cause?: unknown });
    readonly name: 'ApiError';
    /** HTTP status; 0 when no answer came or for a refusal on a socket. */
    status: number;
    code: ErrorCode | (string & {});
    details: { field?: string; retry_after?: number; limit?: number; [key: string]: unknown } | null;
    /** Seconds to wait before trying again, or null. */
    retryAfter: number | null;
    readonly field: string | null;
    readonly retryable: boolean;
}

// MARK: - Events

export type Unsubscribe = () => void;

export declare class Emitter<Events> {
    on<K extends keyof Events & string>(type: K, listener: (event: Events[K]) => void): Unsubscribe;
    once<K extends keyof Events & string>(type: K, listener: (event: Events[K]) => void): Unsubscribe;
    off<K extends keyof Events & string>(type: K, listener: (event: Events[K]) => void): void;
    waitFor<K extends keyof Events & string>(type: K, test?: (event: Events[K]) => boolean, timeoutMs?: number): Promise<Events[K]>;
    listenerCount(type: keyof Events & string): number;
}

export interface ListenerErrorEvent { type: 'listener_error'; event: string; error: unknown }

export interface ClientEvents {
    unauthorized: { type: 'unauthorized'; error: ApiError };
    token: { type: 'token'; token: string | null };
    listener_error: ListenerErrorEvent;
}

export type ConnectionState =
    | { type: 'state'; state: 'idle' }
    | { type: 'state'; state: 'connecting'; attempt: number }
    | { type: 'state'; state: 'connected'; lastSeq?: number | null; lastRev?: number | null }
    | { type: 'state'; state: 'reconnecting' | 'offline'; delayMs: number; attempt: number; retryAt: number }
    | { type: 'state'; state: 'stopped'; reason: StopReason; code?: number; status?: number | null; message?: string | null };

/** `unauthorized`: the token is gone (401 or close 1008); `forbidden`: no longer a member; `closed`: close(). */
export type StopReason = 'unauthorized' | 'forbidden' | 'not_found' | 'closed';

export interface StoppedEvent { type: 'stopped'; reason: StopReason; code?: number; status?: number | null; message?: string | null }
export interface DisconnectedEvent { type: 'disconnected'; code: number; reason: string; status: number | null }
export interface ProtocolErrorEvent { type: 'protocol_error'; reason: string; raw: string }
export interface ConnectionErrorEvent {
    type: 'error';
    code: string;
    message: string;
    field?: string | null;
    client_id?: string | null;
}

/** Any event of the service, as received (unknown types included, for what this version does not know yet). */
export interface RawEvent { type: string; [key: string]: unknown }

export interface ConnectedEvent {
    type: 'connected';
    room_id: string;
    user_id: string;
    role: Role;
    last_sequence_number: number;
    rev: number;
    online: Presence[];
    /** True when this connection resumed from a position (the replay follows). */
    resumed: boolean;
}

export interface MessageEvent { type: 'message'; message: Message; replayed: boolean }
export interface MessageEditedEvent { type: 'message_edited'; message: Message }
export interface MessageDeletedEvent { type: 'message_deleted'; message_id: string; deleted_at: Timestamp | null; deleted_by?: string | null; rev?: number }
export interface ReactionsUpdatedEvent {
    type: 'reactions_updated';
    message_id: string;
    reactions: Reaction[];
    rev?: number;
    /** Absent when replayed by a resume. */
    user_id?: string;
    emoji?: string;
    action?: 'added' | 'removed';
}
export interface MessagePinEvent { type: 'message_pinned' | 'message_unpinned'; message: Message; rev?: number }
export interface TypingEvent { type: 'typing'; user_id: string; display_name: string; is_typing: boolean }
export interface SystemEvent { type: 'system'; event: 'user_joined' | 'user_left'; user_id: string; display_name: string; timestamp: Timestamp }
export interface SyncCompleteEvent { type: 'sync_complete'; last_sequence_number: number; rev: number; truncated?: boolean }
export interface ReloadRequiredEvent { type: 'reload_required'; lastSeq: number | null; lastRev: number | null }
export interface ReadReceiptEvent { type: 'read_receipt'; user_id: string; display_name: string; last_read_sequence_number: number; read_at: Timestamp }
export interface AnnouncementEvent { type: 'announcement'; announcement: Announcement }
export interface PongEvent { type: 'pong' }
export interface PendingMessage extends NewMessage { client_id: string }
export interface PendingEvent { type: 'pending'; pending: PendingMessage[] }
export interface AckEvent extends Ack { type: 'ack' }
export interface SendFailedEvent { type: 'send_failed'; client_id: string; body: NewMessage; error: ApiError }
export interface SendRetryEvent { type: 'send_retry'; client_id: string; error: ApiError }
export interface GapEvent { type: 'gap' | 'gap_filled'; after: number | null; through: number }
export interface PresenceEvent { type: 'presence'; online: Presence[] }

interface LiveEvents {
    state: ConnectionState;
    stopped: StoppedEvent;
    disconnected: DisconnectedEvent;
    protocol_error: ProtocolErrorEvent;
    error: ConnectionErrorEvent;
    pong: PongEvent;
    announcement: AnnouncementEvent;
    event: RawEvent;
    listener_error: ListenerErrorEvent;
}

export interface RoomEvents extends LiveEvents {
    connected: ConnectedEvent;
    message: MessageEvent;
    message_edited: MessageEditedEvent;
    message_deleted: MessageDeletedEvent;
    reactions_updated: ReactionsUpdatedEvent;
    message_pinned: MessagePinEvent;
    message_unpinned: MessagePinEvent;
    typing: TypingEvent;
    system: SystemEvent;
    presence: PresenceEvent;
    sync_complete: SyncCompleteEvent;
    reload_required: ReloadRequiredEvent;
    read_receipt: ReadReceiptEvent;
    pending: PendingEvent;
    ack: AckEvent;
    send_failed: SendFailedEvent;
    send_retry: SendRetryEvent;
    gap: GapEvent;
    gap_filled: GapEvent;
}

export interface UnreadSyncEvent { type: 'unread_sync'; notifications: Notification[] }
export interface NotificationEvent { type: 'notification'; data: Notification }
export interface MarkReadEvent { type: 'mark_read'; notification_id: string }
export interface UnreadEvent { type: 'unread'; count: number; notifications: Notification[] }

export interface NotificationEvents extends LiveEvents {
    unread_sync: UnreadSyncEvent;
    notification: NotificationEvent;
    mark_read: MarkReadEvent;
    unread: UnreadEvent;
}

// MARK: - Sockets

/** What a connection needs of a WebSocket: the browser's, or NodeWebSocket (node-websocket.js). */
export interface WebSocketLike {
    readonly readyState: number;
    send(data: string): void;
    close(code?: number, reason?: string): void;
    terminate?(): void;
    onopen: ((event: any) => void) | null;
    // `any`: the browser's MessageEvent / CloseEvent and NodeWebSocket's events both fit; the library reads `data`,
    // `code`, `reason` and (NodeWebSocket only) `status`.
    onmessage: ((event: any) => void) | null;
    onerror: ((event: any) => void) | null;
    onclose: ((event: any) => void) | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: { headers?: Record<string, string> }) => WebSocketLike;

export interface BackoffOptions {
    /** First delay (1000 ms), doubled each attempt up to `maxMs` (30000 ms). */
    initialMs?: number;
    maxMs?: number;
    /** Up to this share of each delay is taken off at random (0.25). */
    jitter?: number;
}

export interface LiveOptions {
    WebSocket?: WebSocketConstructor;
    backoff?: BackoffOptions;
    /** Application ping every (25000 ms; 0 disables) and the wait for its pong (10000 ms). */
    pingIntervalMs?: number;
    pongTimeoutMs?: number;
    connectTimeoutMs?: number;
    /** A connection live this long resets the backoff (5000 ms). */
    stableMs?: number;
    /** Connect in the next microtask (true); else call start(). */
    autoStart?: boolean;
}

export interface RoomOptions extends LiveOptions {
    /** Resume point, e.g. the newest sequence number and the room's `rev` of the history already shown. */
    lastSeq?: number;
    lastRev?: number;
    /** Messages queued earlier (`connection.pending`, kept e.g. in localStorage), sent first with their client_id. */
    pending?: PendingMessage[];
    /** A resume too far behind (`sync_complete.truncated`): load the rest over REST as `message` events ('fill'),
     *  or jump to the room's end and emit `reload_required` ('reload', for a page that reloads its newest history). */
    onTruncated?: 'fill' | 'reload';
    typingIntervalMs?: number;
    typingIdleMs?: number;
    ackTimeoutMs?: number;
    readThrottleMs?: number;
}

declare class LiveConnection<Events> extends Emitter<Events> {
    readonly client: IncidentClient;
    readonly state: ConnectionState;
    readonly isLive: boolean;
    start(): void;
    reconnectNow(): void;
    drop(): void;
    close(): void;
}

export class RoomConnection extends LiveConnection<RoomEvents> {
    constructor(client: IncidentClient, roomId: string, options?: RoomOptions);
    readonly roomId: string;
    readonly position: { lastSeq: number | null; lastRev: number | null };
    readonly userId: string | null;
    readonly role: Role | null;
    readonly online: Presence[];
    readonly pending: PendingMessage[];
    send(message: string | NewMessage, options?: { clientId?: string }): Promise<Ack>;
    sendReadings(readings: Readings, options?: { clientId?: string; metadata?: { [key: string]: JSONValue } }): Promise<Ack>;
    typing(): void;
    stopTyping(): void;
    markRead(sequenceNumber: number): void;
}

export class NotificationConnection extends LiveConnection<NotificationEvents> {
    constructor(client: IncidentClient, options?: LiveOptions);
    readonly unread: Notification[];
    readonly unreadCount: number;
    markRead(notificationId: string): Promise<void>;
    markAllRead(): Promise<void>;
}

// MARK: - The client

export interface ClientOptions {
    /** Default: the page's origin in a browser, else http://127.0.0.1:8000. */
    baseUrl?: string;
    token?: string | null;
    fetch?: typeof fetch;
    WebSocket?: WebSocketConstructor;
    /** Per request (30000 ms; 0: none). */
    timeoutMs?: number;
    /** `query`: `?token=` (browsers); `header`: `Authorization` (a WebSocket that takes headers). */
    socketAuth?: 'query' | 'header';
}

export interface RequestOptions {
    query?: { [key: string]: string | number | boolean | null | undefined };
    body?: unknown;
    headers?: { [key: string]: string };
    as?: 'json' | 'text' | 'none';
    signal?: AbortSignal;
    auth?: boolean;
    timeoutMs?: number;
}

export class IncidentClient extends Emitter<ClientEvents> {
    constructor(options?: ClientOptions);
    readonly baseUrl: string;
    token: string | null;
    WebSocket: WebSocketConstructor | null;
    timeoutMs: number;
    socketAuth: 'query' | 'header';

    request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<T>;

    healthz(): Promise<{ status: string }>;
    readyz(): Promise<{ status: string }>;
    metrics(): Promise<string>;
    openapi(): Promise<{ openapi: string; paths: { [path: string]: unknown }; [key: string]: unknown }>;

    login(username: string, password: string): Promise<LoginResult>;
    logout(): Promise<void>;
    me(): Promise<User>;

    createRoom(room: NewRoom): Promise<Room>;
    listRooms(filter?: RoomFilter): Promise<RoomList>;
    getRoom(roomId: string): Promise<Room>;
    updateRoom(roomId: string, changes: RoomChanges): Promise<Room>;
    listMembers(roomId: string): Promise<{ members: Member[] }>;
    addMember(roomId: string, userId: string, role?: Role): Promise<Member>;
    changeMemberRole(roomId: string, userId: string, role: Role): Promise<Member>;
    removeMember(roomId: string, userId: string): Promise<void>;
    online(roomId: string): Promise<{ users: Presence[] }>;
    typing(roomId: string): Promise<{ users: Presence[] }>;
    report(roomId: string): Promise<string>;

    listMessages(roomId: string, query?: HistoryQuery): Promise<HistoryPage>;
    messagesAfter(roomId: string, afterSeq?: number, options?: { pageSize?: number; messageType?: MessageType }): AsyncGenerator<Message, void, void>;
    getMessage(roomId: string, messageId: string): Promise<Message>;
    sendMessage(roomId: string, message: string | NewMessage, options?: { retries?: number }): Promise<Message>;
    sendReadings(roomId: string, readings: Readings, options?: { client_id?: string; metadata?: { [key: string]: JSONValue }; retries?: number }): Promise<Message>;
    editMessage(messageId: string, content: string | Readings): Promise<Message>;
    messageHistory(messageId: string): Promise<EditHistory>;
    deleteMessage(messageId: string): Promise<void>;
    addReaction(messageId: string, emoji: string): Promise<Message>;
    removeReaction(messageId: string, emoji: string): Promise<void>;
    searchRoom(roomId: string, q: string, options?: { limit?: number; offset?: number }): Promise<SearchResults>;
    readings(roomId: string, query: { name: string; min?: number; max?: number; limit?: number }): Promise<{ messages: Message[] }>;

    markRead(roomId: string, sequenceNumber: number): Promise<ReadMarker>;
    readReceipts(roomId: string): Promise<{ receipts: ReadReceipt[] }>;
    mentions(options?: { limit?: number; before?: string }): Promise<MentionsPage>;
    search(q: string, options?: { limit?: number; offset?: number }): Promise<GlobalSearchResults>;
    searchUsers(q: string, options?: { limit?: number }): Promise<{ users: Person[] }>;
    pinMessage(messageId: string): Promise<Message>;
    unpinMessage(messageId: string): Promise<void>;
    listPins(roomId: string): Promise<{ messages: Message[] }>;
    createAnnouncement(message: string, severity?: AnnouncementSeverity): Promise<Announcement>;
    listAnnouncements(): Promise<{ announcements: Announcement[] }>;

    uploadFile(
        roomId: string,
        file: Blob | Uint8Array | ArrayBuffer | string,
        options?: { filename?: string; contentType?: string; onProgress?: (progress: { loaded: number; total: number | null }) => void; signal?: AbortSignal },
    ): Promise<FileInfo>;
    listFiles(roomId: string): Promise<{ files: FileInfo[] }>;
    getFile(roomId: string, fileId: string): Promise<FileInfo>;
    deleteFile(roomId: string, fileId: string): Promise<void>;

    listNotifications(options?: { unread?: boolean }): Promise<NotificationList>;
    markNotificationRead(notificationId: string): Promise<void>;
    markAllNotificationsRead(): Promise<void>;

    connectRoom(roomId: string, options?: RoomOptions): RoomConnection;
    connectNotifications(options?: LiveOptions): NotificationConnection;
    socketUrl(path: string, query?: { [key: string]: string | number | undefined | null }): string;
}

export const VERSION: string;
export function newClientId(): string;
export function backoffDelay(attempt: number, options?: BackoffOptions, random?: () => number): number;
