// The bell: unread notifications from /ws/notifications (kept by the client's NotificationConnection), the list,
// mark read / all read, and the alerts a person chose (browser notification while the tab is hidden, a sound,
// vibration), kept in the browser.
import { $, el } from './dom.js';
import { t } from './i18n.js';

const store = globalThis.localStorage;
const PREFS = { desktop: 'pref_desktop', sound: 'pref_sound', vibrate: 'pref_vibrate' };

export class Notifications {
    constructor(app) {
        this.app = app;
        this.connection = app.client.connectNotifications();
        this.connection.on('unread', () => this.render());
        this.connection.on('notification', (event) => this.alert(event.data));
        this.connection.on('announcement', (event) => app.announce(event.announcement));
        this.onToggle = () => this.toggle();
        this.onMarkAll = async () => {
            try { await this.connection.markAllRead(); } catch { /* the list stays as it was */ }
            this.render();
        };
        this.onOutside = (event) => {
            if (!$('bell-wrap').contains(event.target)) this.toggle(false);
        };
        this.onKey = (event) => { if (event.key === 'Escape') this.toggle(false); };
        $('bell').addEventListener('click', this.onToggle);
        $('mark-all').addEventListener('click', this.onMarkAll);
        document.addEventListener('click', this.onOutside);
        document.addEventListener('keydown', this.onKey);
        for (const [name] of Object.entries(PREFS)) {
            const box = $(`pref-${name}`);
            box.checked = store?.getItem(`pref.${name}`) === 'true';
            box.onchange = () => this.setPreference(name, box.checked);
        }
        this.render();
    }

    close() {
        this.connection.close();
        $('bell').removeEventListener('click', this.onToggle);
        $('mark-all').removeEventListener('click', this.onMarkAll);
        document.removeEventListener('click', this.onOutside);
        document.removeEventListener('keydown', this.onKey);
        this.toggle(false);
    }

    async setPreference(name, on) {
        if (name === 'desktop' && on && globalThis.Notification && Notification.permission !== 'granted') {
            const answer = await Notification.requestPermission().catch(() => 'denied');
            if (answer !== 'granted') { $('pref-desktop').checked = false; on = false; }
        }
        store?.setItem(`pref.${name}`, String(on));
    }

    toggle(open = $('bell-panel').hidden) {
        $('bell-panel').hidden = !open;
        $('bell').setAttribute('aria-expanded', String(open));
        if (open) this.render();
    }

    render() {
        const count = this.connection.unreadCount;
        $('bell-count').hidden = count === 0;
        $('bell-count').textContent = count > 99 ? '99+' : String(count);
        $('bell').setAttribute('aria-label', t('notifications_count', { n: count }));
        const list = $('notification-list');
        const items = this.connection.unread;
        list.replaceChildren(...items.map((n) => this.item(n)));
        if (items.length === 0) list.append(el('li', 'empty', t('no_notifications')));
    }

    item(notification) {
        const open = async () => {
            try { await this.connection.markRead(notification.id); } catch { /* shown as unread still */ }
            this.toggle(false);
            let target = `#/room/${notification.room_id}`;
            if (notification.reference_type === 'message') {
                try {
                    const message = await this.app.client.getMessage(notification.room_id, notification.reference_id);
                    target += `/m/${message.sequence_number}`;
                } catch { /* the room alone */ }
            }
            this.app.navigate(target);
        };
        return el('li', 'notification', [
            el('button', 'link notification-open', [
                el('strong', null, notification.title),
                el('span', null, notification.message),
                el('time', 'time', this.app.time(notification.created_at)),
            ], { type: 'button', onclick: open }),
            el('button', 'icon', '✓', { type: 'button', title: t('mark_read'), 'aria-label': t('mark_read'), onclick: async () => {
                try { await this.connection.markRead(notification.id); } catch { /* stays */ }
                this.render();
            } }),
        ]);
    }

    /** A new notification: a browser notification while the tab is hidden or not focused, a sound, a vibration, as chosen. */
    alert(notification) {
        const pref = (name) => store?.getItem(`pref.${name}`) === 'true';
        if (pref('desktop') && (document.hidden || !document.hasFocus()) && globalThis.Notification?.permission === 'granted') {
            try {
                const shown = new Notification(notification.title, { body: notification.message, tag: notification.id });
                shown.onclick = () => { window.focus(); this.app.navigate(`#/room/${notification.room_id}`); };
            } catch { /* some browsers allow notifications only from a service worker */ }
        }
        if (pref('sound')) beep();
        if (pref('vibrate') && typeof navigator.vibrate === 'function') navigator.vibrate([120, 60, 120]);
    }
}

let audio = null;
/** A short two-tone chime made by the page (no sound file to fetch). */
function beep() {
    try {
        audio ??= new AudioContext();
        const now = audio.currentTime;
        for (const [i, frequency] of [880, 660].entries()) {
            const oscillator = audio.createOscillator();
            const gain = audio.createGain();
            oscillator.frequency.value = frequency;
            gain.gain.setValueAtTime(0.15, now + i * 0.15);
            gain.gain.exponentialRampToValueAtTime(0.001, now + i * 0.15 + 0.14);
            oscillator.connect(gain).connect(audio.destination);
            oscillator.start(now + i * 0.15);
            oscillator.stop(now + i * 0.15 + 0.15);
        }
    } catch { /* no audio */ }
}
