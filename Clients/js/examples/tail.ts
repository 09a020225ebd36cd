// An operations script that tails a room into a log: prints each message once, in order, across drops and server
// restarts, and picks up where it left off when started again (the position is kept in a file by the caller).
import { IncidentClient, type Message } from '../incident-rooms.js';
import { NodeWebSocket } from '../node-websocket.js';

declare const process: { env: Record<string, string | undefined> };

export function format(message: Message): string {
    const text = message.content === null ? '(deleted)'
        : typeof message.content === 'string' ? message.content
        : Object.entries(message.content).map(([name, value]) => `${name}=${String(value)}`).join(' ');
    return `${message.created_at} #${message.sequence_number} ${message.sender_display_name}: ${text}`;
}

export async function tail(roomId: string, token: string, position: { lastSeq?: number; lastRev?: number },
    save: (lastSeq: number, lastRev: number) => void): Promise<() => void> {
    const client = new IncidentClient({ baseUrl: process.env.INCIDENT_URL, token, WebSocket: NodeWebSocket });
    const room = client.connectRoom(roomId, { ...position, onTruncated: 'fill' });
    room.on('message', ({ message }) => {
        console.log(format(message));
        const { lastSeq, lastRev } = room.position;
        if (lastSeq !== null && lastRev !== null) save(lastSeq, lastRev);
    });
    room.on('message_edited', ({ message }) => console.log(`edited #${message.sequence_number}: ${format(message)}`));
    room.on('message_deleted', ({ message_id }) => console.log(`deleted ${message_id}`));
    room.on('protocol_error', ({ reason }) => console.warn(`ignored a malformed event: ${reason}`));
    room.on('stopped', ({ reason }) => console.error(`tail stopped: ${reason}`));
    return () => room.close();
}
