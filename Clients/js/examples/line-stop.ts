// A plant's MES/SCADA script: when a line stops, open an incident room and post the line's readings every minute
// until it runs again. Messages written while incidentd is unreachable wait in the connection's queue and go out,
// once each, when it is back. Node 20: `node line-stop.js` after type-stripping, or the same code as plain JS.
import { ApiError, IncidentClient, type Readings, type Room } from '../incident-rooms.js';
import { NodeWebSocket } from '../node-websocket.js';

declare const process: { env: Record<string, string | undefined>; exit(code: number): never };

interface Line {
    name: string;
    stopped(): Promise<boolean>;
    readings(): Promise<Readings>;
}

export async function watchLine(line: Line): Promise<void> {
    const client = new IncidentClient({
        baseUrl: process.env.INCIDENT_URL ?? 'http://127.0.0.1:8000',
        WebSocket: NodeWebSocket,
        socketAuth: 'header',
    });
    await client.login(process.env.INCIDENT_USER ?? 'mes', process.env.INCIDENT_PASSWORD ?? '');

    while (!(await line.stopped())) await new Promise((r) => setTimeout(r, 5000));

    let room: Room;
    try {
        room = await client.createRoom({
            title: `${line.name} stopped`, incident_type: 'equipment_failure', severity: 'high', location: line.name,
        });
    } catch (error) {
        if (error instanceof ApiError && error.status === 401) process.exit(2);
        throw error;
    }

    const connection = client.connectRoom(room.room_id, { lastSeq: room.last_sequence_number, lastRev: room.rev });
    connection.on('state', (s) => {
        if (s.state === 'reconnecting') console.log(`incidentd unreachable, retrying in ${Math.round(s.delayMs / 1000)} s`);
        if (s.state === 'stopped' && s.reason !== 'closed') {
            console.error(`stopped: ${s.reason} (sign in again)`);
            process.exit(2);
        }
    });
    connection.on('send_failed', (e) => console.error(`refused: ${e.error.code} ${e.error.message}`));

    await connection.send(`Line stopped at ${new Date().toISOString()}; posting readings every minute.`);
    while (await line.stopped()) {
        // Not awaited on purpose: while incidentd is away the reading waits in the queue, in order.
        void connection.sendReadings(await line.readings());
        await new Promise((r) => setTimeout(r, 60_000));
    }
    await connection.send('Line running again.');
    await client.updateRoom(room.room_id, { status: 'resolved' });
    connection.close();
}
