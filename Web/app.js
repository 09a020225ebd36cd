// The web page: sign-in, the room list, one room at a time, notifications. Every call and socket goes through the
// JavaScript client (/js/incident-rooms.js, Clients/js), so the page and the library are one code.
import { IncidentClient, ApiError } from '/js/incident-rooms.js';
import { $, el } from './dom.js';
import { formatTime } from './format.js';
import { t, language, setLanguage, applyLanguage } from './i18n.js';
import { RoomView } from './room.js';
import { showResults } from './search.js';
import { Notifications } from './notifications.js';

const store = globalThis.localStorage;
const client = new IncidentClient({ token: store?.getItem('token') ?? null });
const app = {
    client,
    me: null,
    config: { report_timezone: 'Asia/Taipei', edit_window_seconds: 900, max_upload_bytes: {} },
    get timeZone() { return this.config.report_timezone ?? 'Asia/Taipei'; },
    time(iso) { return formatTime(iso, this.timeZone); },
    navigate(hash) { if (location.hash === hash) route(); else location.hash = hash; },
    errorText,
    announce,
    get view() { return view; },
};
globalThis.incidentApp = app; // For the browser tests and the console: the page's state, never needed by the page.

const TYPES = ['equipment_failure', 'material_shortage', 'quality_issue', 'other'];
const SEVERITIES = ['low', 'medium', 'high', 'critical'];
const STATUSES = ['active', 'resolved', 'archived'];
const PAGE = 20;
let view = null;
let notifications = null;
let listOffset = 0;
let listTimer = null;

/** A sentence for a refused call: the contract's code, in the page's language, with the server's words as detail. */
function errorText(error) {
    if (!(error instanceof ApiError)) return t('error_generic', { m: String(error?.message ?? error) });
    const key = `error_${error.code}`;
    const known = t(key);
    return known === key ? t('error_generic', { m: error.message }) : known;
}

function show(section) {
    for (const id of ['signin', 'rooms', 'room']) $(id).hidden = id !== section;
    const signedIn = section !== 'signin';
    $('signout').hidden = !signedIn;
    $('bell-wrap').hidden = !signedIn;
    $('me').textContent = signedIn && app.me ? app.me.display_name : '';
    document.body.dataset.view = section;
}

// MARK: - Signing in and out

function signedOut(reason) {
    view?.unmount();
    view = null;
    notifications?.close();
    notifications = null;
    client.token = null;
    app.me = null;
    store?.removeItem('token');
    $('conn').textContent = '';
    show('signin');
    $('signin-error').textContent = reason ? t(reason) : '';
    $('username').focus();
}

client.on('unauthorized', () => { if (app.me) signedOut('session_ended'); });

$('signin').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('signin-error').textContent = '';
    const submit = $('signin').querySelector('button[type=submit]');
    submit.disabled = true;
    try {
        const result = await client.login($('username').value.trim(), $('password').value);
        store?.setItem('token', client.token);
        app.me = result.user;
        $('password').value = '';
        startSession();
        route();
    } catch (error) {
        $('signin-error').textContent = error instanceof ApiError && error.code === 'invalid_credentials'
            ? t('error_invalid_credentials') : errorText(error);
    } finally {
        submit.disabled = false;
    }
});

$('signout').addEventListener('click', async () => {
    try { await client.logout(); } catch { /* the token is forgotten either way */ }
    signedOut();
});

function startSession() {
    notifications?.close();
    notifications = new Notifications(app);
}

// MARK: - Routing: #/ (rooms), #/room/<id>, #/room/<id>/m/<seq> (a message to jump to)

async function route() {
    if (!app.me) return;
    const match = /^#\/room\/([0-9a-f-]{36})(?:\/m\/(\d+))?$/i.exec(location.hash);
    if (match) {
        const [, roomId, seq] = match;
        if (view && view.roomId === roomId.toLowerCase()) {
            if (seq) view.jumpTo(Number(seq));
            return;
        }
        view?.unmount();
        show('room');
        view = new RoomView(app, $('room'), roomId.toLowerCase());
        await view.mount(seq ? Number(seq) : null);
        return;
    }
    view?.unmount();
    view = null;
    $('conn').textContent = '';
    show('rooms');
    await loadRooms();
}

window.addEventListener('hashchange', () => route());

// MARK: - The room list

function fillSelect(node, values, allLabel, labelOf) {
    const current = node.value;
    node.replaceChildren(...(allLabel ? [el('option', null, allLabel, { value: '' })] : []),
        ...values.map((v) => el('option', null, labelOf(v), { value: v })));
    node.value = current;
}

function fillChoices() {
    fillSelect($('filter-status'), STATUSES, t('all'), (v) => t(`status_${v}`));
    fillSelect($('filter-type'), TYPES, t('all'), (v) => t(`type_${v}`));
    fillSelect($('filter-severity'), SEVERITIES, t('all'), (v) => t(`severity_${v}`));
    fillSelect($('create-type'), TYPES, null, (v) => t(`type_${v}`));
    fillSelect($('create-severity'), SEVERITIES, null, (v) => t(`severity_${v}`));
}

async function loadRooms() {
    const list = $('room-list');
    const filter = {
        status: $('filter-status').value || undefined,
        incident_type: $('filter-type').value || undefined,
        severity: $('filter-severity').value || undefined,
        q: $('filter-q').value.trim() || undefined,
        unread: $('filter-unread').checked ? 'true' : undefined,
        sort: 'activity', limit: PAGE, offset: listOffset,
    };
    list.setAttribute('aria-busy', 'true');
    try {
        const { rooms, total } = await client.listRooms(filter);
        list.replaceChildren(...rooms.map(roomItem));
        if (rooms.length === 0) list.append(el('li', 'empty', t('no_rooms')));
        $('page-info').textContent = total === 0 ? '' : t('page_info', { from: listOffset + 1, to: listOffset + rooms.length, total });
        $('page-prev').disabled = listOffset === 0;
        $('page-next').disabled = listOffset + rooms.length >= total;
    } catch (error) {
        list.replaceChildren(el('li', 'error', errorText(error)));
    } finally {
        list.removeAttribute('aria-busy');
    }
}

function roomItem(room) {
    const badges = [];
    if (room.unread_count > 0) badges.push(el('span', 'badge unread', String(room.unread_count), { title: t('unread_count', { n: room.unread_count }) }));
    if (room.mention_count > 0) badges.push(el('span', 'badge mention', `@${room.mention_count}`, { title: t('mention_count', { n: room.mention_count }) }));
    const link = el('a', 'room-card', [
        el('span', 'room-title', room.title),
        el('span', 'room-meta', [
            el('span', `chip severity-${room.severity}`, t(`severity_${room.severity}`)),
            el('span', `chip status-${room.status}`, t(`status_${room.status}`)),
            el('span', 'chip', t(`type_${room.incident_type}`)),
            room.location ? el('span', 'location', room.location) : null,
            el('time', 'time', app.time(room.last_activity_at), { datetime: room.last_activity_at }),
        ]),
        el('span', 'badges', badges),
    ], { href: `#/room/${room.room_id}`, dataset: { roomId: room.room_id } });
    return el('li', null, [link]);
}

for (const id of ['filter-status', 'filter-type', 'filter-severity', 'filter-unread']) {
    $(id).addEventListener('change', () => { listOffset = 0; loadRooms(); });
}
$('filter-q').addEventListener('input', () => {
    clearTimeout(listTimer);
    listTimer = setTimeout(() => { listOffset = 0; loadRooms(); }, 250);
});
$('room-filters').addEventListener('submit', (event) => { event.preventDefault(); listOffset = 0; loadRooms(); });
$('page-prev').addEventListener('click', () => { listOffset = Math.max(0, listOffset - PAGE); loadRooms(); });
$('page-next').addEventListener('click', () => { listOffset += PAGE; loadRooms(); });

// MARK: - Search across rooms

$('global-search').addEventListener('submit', async (event) => {
    event.preventDefault();
    const results = $('global-results');
    const q = $('global-q').value.trim();
    results.hidden = q === '';
    if (q) await showResults(results, q, (text) => client.search(text, { limit: 50 }), { time: (iso) => app.time(iso), errorText });
});

// MARK: - Creating an incident

$('new-room').addEventListener('click', () => {
    $('create-form').reset();
    $('create-error').textContent = '';
    $('create-dialog').showModal();
    $('create-title').focus();
});
$('create-cancel').addEventListener('click', () => $('create-dialog').close());
$('create-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('create-error').textContent = '';
    const lots = $('create-lots').value.split(',').map((s) => s.trim()).filter(Boolean);
    try {
        const room = await client.createRoom({
            title: $('create-title').value.trim(),
            incident_type: $('create-type').value,
            severity: $('create-severity').value,
            location: $('create-location').value.trim() || undefined,
            description: $('create-description').value.trim() || undefined,
            lots: lots.length ? lots : undefined,
        });
        $('create-dialog').close();
        app.navigate(`#/room/${room.room_id}`);
    } catch (error) {
        $('create-error').textContent = errorText(error);
    }
});

// MARK: - Announcements (from both sockets; shown once each)

const shownAnnouncements = new Set();
function announce(announcement) {
    if (!announcement?.announcement_id || shownAnnouncements.has(announcement.announcement_id)) return;
    shownAnnouncements.add(announcement.announcement_id);
    const item = el('div', `announcement ${announcement.severity}`, [
        el('strong', null, t(`announcement_${announcement.severity}`)),
        el('span', null, announcement.message),
    ]);
    item.append(el('button', 'icon', '×', { type: 'button', 'aria-label': t('dismiss'), onclick: () => item.remove() }));
    $('announcements').append(item);
}

// MARK: - Language, start

$('lang').addEventListener('change', () => {
    setLanguage($('lang').value);
    fillChoices();
    if (view) view.relabel(); else if (app.me) loadRooms();
    notifications?.render();
});

async function start() {
    $('lang').value = language();
    applyLanguage();
    fillChoices();
    try {
        app.config = { ...app.config, ...await client.request('GET', '/api/config', { auth: false }) };
    } catch { /* the defaults stay */ }
    if (!client.token) return signedOut();
    for (;;) {
        try {
            app.me = await client.me();
            break;
        } catch (error) {
            if (error instanceof ApiError && error.status === 401) return signedOut('session_ended');
            // The service is restarting or the network is down: keep the session and try again.
            $('conn').textContent = t('service_unreachable');
            await new Promise((resolve) => setTimeout(resolve, 3000));
        }
    }
    $('conn').textContent = '';
    startSession();
    await route();
}

start();
