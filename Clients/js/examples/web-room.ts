// How the web page (issue 13) uses the library: history first, then the live connection from that position, a
// visible connection state, pending messages, typing, read markers, and notifications for the bell.
import {
    ApiError, IncidentClient, type ConnectionState, type Message, type PendingMessage, type RoomConnection,
} from '../incident-rooms.js';

export function stateText(s: ConnectionState): string {
    switch (s.state) {
        case 'connected': return 'connected';
        case 'connecting': return 'connecting…';
        case 'reconnecting': return `reconnecting in ${Math.ceil(s.delayMs / 1000)} s`;
        case 'offline': return 'offline';
        case 'stopped': return s.reason === 'unauthorized' ? 'signed out' : `stopped (${s.reason})`;
        case 'idle': return '';
    }
}

export async function openRoom(client: IncidentClient, roomId: string, view: {
    show(message: Message): void;
    status(text: string): void;
    pending(list: PendingMessage[]): void;
    signIn(): void;
}): Promise<RoomConnection> {
    const room = await client.getRoom(roomId);
    const page = await client.listMessages(roomId, { limit: 50 });
    for (const message of [...page.messages].reverse()) view.show(message);
    const newest = page.messages[0]?.sequence_number ?? 0;

    const saved = localStorage.getItem(`pending:${roomId}`);
    const pending: PendingMessage[] = saved ? JSON.parse(saved) as PendingMessage[] : [];
    const connection = client.connectRoom(roomId, { lastSeq: newest, lastRev: room.rev, pending, onTruncated: 'reload' });
    connection.on('state', (s) => {
        view.status(stateText(s));
        if (s.state === 'stopped' && s.reason === 'unauthorized') view.signIn();
    });
    connection.on('message', ({ message }) => {
        view.show(message);
        if (document.visibilityState === 'visible') connection.markRead(message.sequence_number);
    });
    connection.on('message_edited', ({ message }) => view.show(message));
    connection.on('pending', ({ pending: list }) => {
        localStorage.setItem(`pending:${roomId}`, JSON.stringify(list));
        view.pending(list);
    });
    connection.on('reload_required', async () => {
        const latest = await client.listMessages(roomId, { limit: 50 });
        for (const message of [...latest.messages].reverse()) view.show(message);
    });
    connection.on('typing', (t) => view.status(t.is_typing ? `${t.display_name} is typing…` : ''));

    const composer = document.querySelector<HTMLTextAreaElement>('#composer');
    composer?.addEventListener('input', () => connection.typing());
    composer?.addEventListener('keydown', (event) => {
        if (event.key !== 'Enter' || event.shiftKey || !composer.value.trim()) return;
        event.preventDefault();
        connection.send(composer.value).catch((error: unknown) => {
            if (error instanceof ApiError) view.status(`not sent: ${error.code}${error.field ? ` (${error.field})` : ''}`);
        });
        composer.value = '';
    });

    // The browser's own WebSocket fits the constructor the library takes.
    const bell = client.connectNotifications({ WebSocket });
    bell.on('unread', ({ count }) => { document.title = count ? `(${count}) Incident rooms` : 'Incident rooms'; });
    bell.on('announcement', ({ announcement }) => view.status(`${announcement.severity}: ${announcement.message}`));

    // The declarations refuse what the library does not offer:
    // @ts-expect-error an unknown event name
    connection.on('mesage', () => {});
    // @ts-expect-error the readings of a message are an object, not a number
    void connection.sendReadings(42);
    // @ts-expect-error a severity outside API.md
    void client.createRoom({ title: 't', incident_type: 'equipment_failure', severity: 'urgent' });
    return connection;
}
