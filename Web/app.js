// The web page: sign-in, the room list and one room, all through the JavaScript client (one code with it).
// Every string from a user, a file name or the directory is written with textContent, never as HTML.
import { IncidentClient, ApiError } from '/js/incident-rooms.js';
import { strings } from '/strings.js';

const $ = (id) => document.getElementById(id);
const store = globalThis.localStorage;
let lang = store?.getItem('lang') ?? (navigator.language?.toLowerCase().startsWith('zh') ? 'zh-TW' : 'en');
let timeZone = 'Asia/Taipei';
const client = new IncidentClient({ token: store?.getItem('token') ?? null });
let room = null;

function t(key, values = {}) {
    const text = strings[lang]?.[key] ?? strings.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

function applyLanguage() {
    document.documentElement.lang = lang;
    $('lang').value = lang;
    for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
}

/** "HH:mm" today and "MM/DD HH:mm" before, in the report time zone (the seed's rule). */
export function formatTime(iso, now = new Date()) {
    const date = new Date(iso);
    const parts = (d) => Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
        timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(d).map((p) => [p.type, p.value]));
    const a = parts(date);
    const b = parts(now);
    const hm = `${a.hour}:${a.minute}`;
    return a.year === b.year && a.month === b.month && a.day === b.day ? hm : `${a.month}/${a.day} ${hm}`;
}

function show(section) {
    for (const id of ['signin', 'rooms', 'room']) $(id).hidden = id !== section;
    $('signout').hidden = section === 'signin';
}

function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
}

function signedOut() {
    room?.close();
    room = null;
    client.token = null;
    store?.removeItem('token');
    $('conn').textContent = '';
    show('signin');
}

client.on('unauthorized', () => signedOut());

async function showRooms() {
    room?.close();
    room = null;
    $('conn').textContent = '';
    show('rooms');
    const list = $('room-list');
    const { rooms } = await client.listRooms({ limit: 50 });
    list.replaceChildren();
    if (rooms.length === 0) list.append(el('li', 'empty', t('no_rooms')));
    for (const r of rooms) {
        const item = el('li');
        const button = el('button', 'room', `${r.title} · ${r.severity} · ${r.status}`);
        button.type = 'button';
        button.dataset.roomId = r.room_id;
        button.addEventListener('click', () => openRoom(r.room_id));
        item.append(button);
        list.append(item);
    }
}

function renderMessage(message) {
    const timeline = $('timeline');
    let item = timeline.querySelector(`[data-seq="${Number(message.sequence_number)}"]`);
    if (!item) {
        item = el('li');
        item.dataset.seq = String(message.sequence_number);
        const after = [...timeline.children].find((c) => Number(c.dataset.seq) > message.sequence_number);
        timeline.insertBefore(item, after ?? null);
    }
    item.replaceChildren();
    if (message.message_type === 'system') item.className = 'system';
    item.append(el('span', 'who', message.sender_display_name ?? ''));
    if (message.deleted_at) item.append(el('span', 'body deleted', t('deleted')));
    else item.append(el('span', 'body', message.content ?? ''));
    item.append(el('time', 'time', formatTime(message.created_at)));
    if (message.edited_at && !message.deleted_at) item.append(el('span', 'note', t('edited')));
}

function renderState(state) {
    const text = { connected: t('connected'), offline: t('offline') }[state.state]
        ?? (state.state === 'reconnecting' && state.retryAt != null
            ? t('reconnecting', { s: Math.max(0, Math.ceil((state.retryAt - Date.now()) / 1000)) }) : t('connecting'));
    $('conn').textContent = text;
    $('conn').dataset.state = state.state ?? '';
}

async function openRoom(roomId) {
    show('room');
    const details = await client.getRoom(roomId);
    $('room-title').textContent = details.title ?? '';
    const timeline = $('timeline');
    timeline.replaceChildren();
    const page = await client.listMessages(roomId, { limit: 50 });
    for (const m of page.messages) renderMessage(m);
    timeline.scrollTop = timeline.scrollHeight;
    room = client.connectRoom(roomId);
    room.on('state', renderState);
    room.on('message', ({ message }) => {
        renderMessage(message);
        timeline.scrollTop = timeline.scrollHeight;
    });
}

$('signin').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('signin-error').textContent = '';
    try {
        await client.login($('username').value, $('password').value);
        store?.setItem('token', client.token);
        $('password').value = '';
        await showRooms();
    } catch (error) {
        $('signin-error').textContent = t('signin_failed', { m: error instanceof ApiError ? error.message : String(error) });
    }
});

$('signout').addEventListener('click', async () => {
    try { await client.logout(); } catch { /* the token is forgotten either way */ }
    signedOut();
});

$('back').addEventListener('click', () => showRooms());
$('lang').addEventListener('change', () => {
    lang = $('lang').value;
    store?.setItem('lang', lang);
    applyLanguage();
});

$('text').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $('composer').requestSubmit();
    }
});
$('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const content = $('text').value.trim();
    if (!content || !room) return;
    room.send({ content });
    $('text').value = '';
});

async function start() {
    applyLanguage();
    try {
        const config = await client.request('GET', '/api/config', { auth: false });
        if (config.report_timezone) timeZone = config.report_timezone;
    } catch { /* the default zone stays */ }
    if (!client.token) return show('signin');
    try {
        await client.me();
        await showRooms();
    } catch {
        signedOut();
    }
}

start();
