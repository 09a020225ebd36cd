// One incident room: the timeline (history upward, live messages, edits, deletions, reactions, pins, read
// receipts), the composer (mentions, typing, files, readings, pending messages kept across reloads) and the side
// panels (members, readings, settings, report, search).
import { ApiError } from '/js/incident-rooms.js';
import { $, el, button, field, select } from './dom.js';
import { formatFullTime, formatSize, fileKind, mentionAt, parseReading } from './format.js';
import { t } from './i18n.js';
import { showResults } from './search.js';

const store = globalThis.localStorage;
const PAGE = 50;
const EMOJI = ['👍', '✅', '👀', '⚠️', '🔥', '🎉'];
const ROLES = ['OWNER', 'EDITOR', 'VIEWER'];
const SEVERITIES = ['low', 'medium', 'high', 'critical'];

export class RoomView {
    constructor(app, section, roomId) {
        this.app = app;
        this.client = app.client;
        this.section = section;
        this.roomId = roomId;
        this.messages = new Map(); // sequence number -> Message
        this.seqById = new Map();
        this.members = new Map();
        this.receipts = new Map(); // user id -> last read sequence number
        this.online = new Map();
        this.typingUsers = new Map(); // user id -> {name, timer}
        this.oldestSeq = null;
        this.hasMoreBefore = false;
        this.loadingOlder = false;
        this.panel = null;
        this.readingNames = new Set();
        this.disposers = [];
        this.connection = null;
    }

    get me() { return this.app.me; }

    /** OWNER, EDITOR, VIEWER; an admin who is not a member acts as an OWNER (API.md). */
    get role() {
        // The room as last read wins over the socket's `connected`: a role change arrives as a system message.
        return this.room?.my_role ?? this.connection?.role ?? (this.me?.is_admin ? 'OWNER' : 'VIEWER');
    }

    get canManage() { return this.role === 'OWNER' || this.me?.is_admin; }
    get archived() { return this.room?.status === 'archived'; }
    get canWrite() { return !this.archived && (this.role === 'OWNER' || this.role === 'EDITOR'); }

    // MARK: - Opening and closing

    async mount(focusSeq) {
        this.section.replaceChildren(el('p', 'loading', t('loading')));
        try {
            this.room = await this.client.getRoom(this.roomId);
        } catch (error) {
            this.section.replaceChildren(el('p', 'error', this.app.errorText(error)), el('a', null, t('back'), { href: '#/' }));
            return;
        }
        this.build();
        const [page] = await Promise.all([
            this.client.listMessages(this.roomId, { limit: PAGE }).catch(() => ({ messages: [], has_more: false })),
            this.loadMembers(),
            this.loadReceipts(),
            this.loadPins(),
        ]);
        this.readMarker = this.room.last_read_sequence_number ?? 0;
        this.addOlder(page);
        this.renderAll();
        this.scrollToEnd();
        // For scripts/bench-web (performance marks cost nothing when nobody reads them).
        performance.mark('room-rendered');
        this.connect(page);
        if (focusSeq) await this.jumpTo(focusSeq);
    }

    connect(page) {
        const newest = page.messages.reduce((max, m) => Math.max(max, m.sequence_number), 0);
        const pending = readPending(this.roomId);
        const connection = this.client.connectRoom(this.roomId, {
            lastSeq: newest, lastRev: this.room.rev, pending, onTruncated: 'reload',
        });
        this.connection = connection;
        const on = (type, listener) => connection.on(type, listener);
        on('state', (state) => this.renderState(state));
        on('connected', () => { this.renderComposerState(); this.renderHeader(); performance.mark('room-live'); });
        on('message', ({ message }) => this.onMessage(message));
        on('message_edited', ({ message }) => this.upsert(message));
        on('message_pinned', ({ message }) => { this.upsert(message); this.loadPins(); });
        on('message_unpinned', ({ message }) => { this.upsert(message); this.loadPins(); });
        on('message_deleted', (event) => this.onDeleted(event));
        on('reactions_updated', (event) => this.onReactions(event));
        on('typing', (event) => this.onTyping(event));
        on('read_receipt', (event) => { this.receipts.set(event.user_id, event.last_read_sequence_number); this.renderSeenBy(); });
        on('presence', ({ online }) => { this.online = new Map(online.map((u) => [u.user_id, u])); this.renderOnline(); });
        on('pending', ({ pending: items }) => { writePending(this.roomId, items); this.renderPending(); });
        on('send_failed', (event) => this.onSendFailed(event));
        on('error', (event) => { if (!event.client_id) this.toast(this.app.errorText(new ApiError({ code: event.code, message: event.message }))); });
        on('announcement', (event) => this.app.announce(event.announcement));
        on('reload_required', () => this.reloadNewest());
        on('stopped', (event) => this.onStopped(event));
        this.renderPending();
    }

    unmount() {
        this.connection?.close();
        // What was not sent stays in the browser: it is sent when the room is opened again.
        if (this.connection) writePending(this.roomId, this.connection.pending);
        this.connection = null;
        for (const dispose of this.disposers.splice(0)) dispose();
        for (const { timer } of this.typingUsers.values()) clearTimeout(timer);
        this.observer?.disconnect();
        clearInterval(this.stateTimer);
        this.section.replaceChildren();
    }

    relabel() {
        const panel = this.panel;
        this.build();
        this.renderAll();
        this.renderPending();
        if (this.connection) this.renderState(this.connection.state);
        if (panel) this.openPanel(panel);
    }

    listen(target, type, listener, options) {
        target.addEventListener(type, listener, options);
        this.disposers.push(() => target.removeEventListener(type, listener, options));
    }

    // MARK: - Layout

    build() {
        this.observer?.disconnect();
        const panelButton = (name) => button(t(`panel_${name}`), () => this.togglePanel(name), {
            className: 'tab', attributes: { 'aria-pressed': 'false', 'data-panel': name, 'aria-controls': 'side-panel' },
        });
        this.titleNode = el('h2', 'room-name');
        this.chips = el('span', 'room-meta');
        this.onlineNode = el('span', 'online-count');
        this.header = el('div', 'room-head', [
            el('a', 'back', t('back'), { href: '#/', 'aria-label': t('back_to_rooms') }),
            el('div', 'room-heading', [this.titleNode, this.chips]),
            this.onlineNode,
            el('nav', 'tabs', ['members', 'readings', 'search', 'report', 'settings'].map(panelButton), { 'aria-label': t('room_tools') }),
        ]);
        this.pinsNode = el('div', 'pins', null, { 'aria-label': t('key_events') });
        this.timeline = el('ol', 'timeline', null, { role: 'log', 'aria-live': 'polite', 'aria-label': t('timeline'), tabindex: '0' });
        this.pendingNode = el('ol', 'pending-list', null, { 'aria-label': t('pending_messages') });
        this.latestButton = button(t('jump_latest'), () => this.scrollToEnd(), { className: 'latest', attributes: { hidden: true } });
        this.typingNode = el('p', 'typing', '', { 'aria-live': 'polite' });
        this.notice = el('p', 'notice', '', { role: 'status' });
        this.toastNode = el('p', 'toast', '', { role: 'alert' });
        this.buildComposer();
        this.side = el('aside', 'side', null, { id: 'side-panel', hidden: true });
        const scroller = el('div', 'scroller', [this.timeline, this.pendingNode]);
        this.scroller = scroller;
        this.section.replaceChildren(el('div', 'room-layout', [
            el('div', 'room-main', [this.header, this.pinsNode, scroller, this.latestButton, this.typingNode, this.toastNode, this.notice, this.composer]),
            this.side,
        ]));
        this.listen(scroller, 'scroll', () => this.onScroll(), { passive: true });
        for (const type of ['mouseover', 'focusin', 'touchstart']) this.listen(this.timeline, type, (event) => this.revealActions(event), { passive: true });
        this.listen(this.timeline, 'keydown', (event) => this.onTimelineKey(event));
        this.listen(document, 'visibilitychange', () => this.markSeen());
        this.listen(window, 'focus', () => this.markSeen());
        this.listen(this.section, 'dragover', (event) => { if (this.canWrite) { event.preventDefault(); this.section.classList.add('dropping'); } });
        this.listen(this.section, 'dragleave', (event) => { if (event.target === this.section || !this.section.contains(event.relatedTarget)) this.section.classList.remove('dropping'); });
        this.listen(this.section, 'drop', (event) => {
            event.preventDefault();
            this.section.classList.remove('dropping');
            const file = event.dataTransfer?.files?.[0];
            if (file && this.canWrite) this.upload(file);
        });
        this.observer = new IntersectionObserver((entries) => {
            for (const entry of entries) {
                if (entry.isIntersecting) this.visible.add(Number(entry.target.dataset.seq));
                else this.visible.delete(Number(entry.target.dataset.seq));
            }
            this.markSeen();
        }, { root: scroller, threshold: 0.5 });
        this.visible = new Set();
        this.renderHeader();
    }

    buildComposer() {
        this.text = el('textarea', null, null, { id: 'composer-text', rows: '2', 'aria-label': t('message'), placeholder: t('composer_placeholder') });
        this.mentionList = el('ul', 'mentions', null, { role: 'listbox', id: 'mention-list', hidden: true, 'aria-label': t('mention_people') });
        this.text.setAttribute('aria-controls', 'mention-list');
        this.text.setAttribute('aria-autocomplete', 'list');
        this.fileInput = el('input', 'sr', null, { type: 'file', id: 'file-input', 'aria-label': t('attach') });
        this.progress = el('div', 'progress', null, { hidden: true, role: 'status' });
        this.readingsForm = this.buildReadingsForm();
        this.composer = el('form', 'composer', [
            this.progress,
            this.readingsForm,
            el('div', 'composer-row', [
                el('label', 'icon attach', '📎', { for: 'file-input', title: t('attach'), tabindex: '0', role: 'button', 'aria-label': t('attach') }),
                this.fileInput,
                button('📈', () => this.toggleReadingsForm(), { className: 'icon', title: t('add_readings'), ariaLabel: t('add_readings') }),
                el('div', 'composer-text', [this.text, this.mentionList]),
                el('button', 'primary send', t('send'), { type: 'submit' }),
            ]),
        ]);
        this.listen(this.composer, 'submit', (event) => { event.preventDefault(); this.sendText(); });
        this.listen(this.text, 'keydown', (event) => this.onComposerKey(event));
        this.listen(this.text, 'input', () => { this.connection?.typing(); this.updateMentions(); });
        this.listen(this.text, 'blur', () => setTimeout(() => this.closeMentions(), 150));
        this.listen(this.fileInput, 'change', () => {
            const file = this.fileInput.files?.[0];
            this.fileInput.value = '';
            if (file) this.upload(file);
        });
        this.listen(this.composer.querySelector('.attach'), 'keydown', (event) => {
            if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); this.fileInput.click(); }
        });
        this.renderComposerState();
    }

    renderHeader() {
        if (!this.room || !this.titleNode) return;
        this.titleNode.textContent = this.room.title;
        document.title = `${this.room.title} · ${t('app_title')}`;
        this.chips.replaceChildren(...[
            el('span', `chip severity-${this.room.severity}`, t(`severity_${this.room.severity}`)),
            el('span', `chip status-${this.room.status}`, t(`status_${this.room.status}`)),
            el('span', 'chip', t(`type_${this.room.incident_type}`)),
            this.room.location ? el('span', 'location', this.room.location) : null,
            ...(this.room.lots ?? []).map((lot) => el('span', 'chip lot', lot)),
        ].filter(Boolean));
        for (const tab of this.header.querySelectorAll('[data-panel=settings]')) tab.hidden = !this.canManage;
        this.renderOnline();
    }

    renderComposerState() {
        if (!this.composer) return;
        const reason = this.archived ? t('archived_read_only') : !this.canWrite ? t('viewer_read_only') : '';
        this.notice.textContent = reason;
        this.notice.hidden = reason === '';
        this.composer.hidden = reason !== '';
    }

    renderState(state) {
        const conn = $('conn');
        clearInterval(this.stateTimer);
        const paint = () => {
            let text;
            if (state.state === 'connected') text = t('connected');
            else if (state.state === 'offline') text = t('offline');
            else if (state.state === 'reconnecting' && state.retryAt != null) {
                text = t('reconnecting', { s: Math.max(0, Math.ceil((state.retryAt - Date.now()) / 1000)) });
            } else if (state.state === 'stopped') text = t('disconnected');
            else text = t('connecting');
            conn.textContent = text;
            conn.dataset.state = state.state ?? '';
        };
        paint();
        if (state.state === 'reconnecting') this.stateTimer = setInterval(paint, 1000);
        if (state.state === 'connected') this.markSeen();
    }

    onStopped(event) {
        if (event.reason === 'closed') return;
        if (event.reason === 'unauthorized') {
            // Asking REST lets the page sign out once for every kind of ending session (expired, revoked).
            this.client.me().catch(() => {});
            return;
        }
        this.toast(event.reason === 'forbidden' ? t('removed_from_room') : t('room_gone'));
        this.composer.hidden = true;
    }

    toast(text) {
        this.toastNode.textContent = text;
        clearTimeout(this.toastTimer);
        this.toastTimer = setTimeout(() => { this.toastNode.textContent = ''; }, 8000);
    }

    // MARK: - The timeline

    addOlder(page) {
        for (const message of page.messages) this.store(message);
        const smallest = page.messages.reduce((min, m) => Math.min(min, m.sequence_number), Infinity);
        if (Number.isFinite(smallest)) this.oldestSeq = Math.min(this.oldestSeq ?? Infinity, smallest);
        this.hasMoreBefore = Boolean(page.has_more);
    }

    store(message) {
        this.messages.set(message.sequence_number, message);
        this.seqById.set(message.message_id, message.sequence_number);
        if (message.message_type === 'incident_data' && message.content && typeof message.content === 'object') {
            for (const name of Object.keys(message.content)) this.readingNames.add(name);
        }
    }

    renderAll() {
        this.timeline.replaceChildren();
        this.observer.disconnect();
        this.visible.clear();
        const sorted = [...this.messages.keys()].sort((a, b) => a - b);
        const fragment = document.createDocumentFragment();
        if (this.hasMoreBefore) fragment.append(el('li', 'older', t('loading_older')));
        let divider = false;
        for (const seq of sorted) {
            const message = this.messages.get(seq);
            if (!divider && seq > this.readMarker && message.sender_id !== this.me.user_id && this.readMarker > 0) {
                fragment.append(el('li', 'new-divider', t('new_messages'), { role: 'separator' }));
                divider = true;
            }
            fragment.append(this.messageNode(message));
        }
        this.timeline.append(fragment);
        for (const node of this.timeline.querySelectorAll('li.message')) this.observer.observe(node);
        this.renderPins();
    }

    /** Keeps the list in order when a message is added or replaced. */
    upsert(message) {
        const known = this.messages.get(message.sequence_number);
        if (known && message.rev !== undefined && known.rev !== undefined && message.rev < known.rev) return;
        this.store(message);
        const node = this.messageNode(message);
        const existing = this.nodeOf(message.sequence_number);
        if (existing) {
            this.observer.unobserve(existing);
            existing.replaceWith(node);
        } else {
            const after = [...this.timeline.querySelectorAll('li.message')].find((c) => Number(c.dataset.seq) > message.sequence_number);
            this.timeline.insertBefore(node, after ?? null);
        }
        this.observer.observe(node);
        if (message.pinned_at || known?.pinned_at) this.renderPins();
    }

    /** Redraws every loaded message in place (their actions depend on the role and the room's status). */
    rerenderMessages() {
        for (const node of this.timeline.querySelectorAll('li.message')) {
            const message = this.messages.get(Number(node.dataset.seq));
            if (!message) continue;
            const fresh = this.messageNode(message);
            this.observer.unobserve(node);
            node.replaceWith(fresh);
            this.observer.observe(fresh);
        }
    }

    nodeOf(seq) {
        return this.timeline.querySelector(`li.message[data-seq="${Number(seq)}"]`);
    }

    onMessage(message) {
        const atEnd = this.isAtEnd();
        this.upsert(message);
        if (message.message_type === 'system') this.refreshRoomSoon();
        if (atEnd || message.sender_id === this.me.user_id) this.scrollToEnd();
        else this.latestButton.hidden = false;
    }

    onDeleted(event) {
        const seq = this.seqById.get(event.message_id);
        const message = seq && this.messages.get(seq);
        if (!message) return;
        this.upsert({ ...message, content: null, file: null, deleted_at: event.deleted_at, deleted_by: event.deleted_by, pinned_at: null, pinned_by: null, reactions: [], rev: event.rev ?? message.rev });
        this.loadPins();
    }

    onReactions(event) {
        const seq = this.seqById.get(event.message_id);
        const message = seq && this.messages.get(seq);
        if (!message) return;
        this.upsert({ ...message, reactions: event.reactions, rev: event.rev ?? message.rev });
    }

    /** A room change (status, title, members) arrived as a system message: the header and panels follow it. */
    refreshRoomSoon() {
        clearTimeout(this.refreshTimer);
        this.refreshTimer = setTimeout(async () => {
            try {
                this.room = await this.client.getRoom(this.roomId);
                await this.loadMembers();
            } catch { return; }
            this.renderHeader();
            this.renderComposerState();
            this.rerenderMessages();
            if (this.panel === 'members' || this.panel === 'settings') this.openPanel(this.panel);
        }, 150);
    }

    messageNode(message) {
        const mine = message.sender_id === this.me.user_id;
        const node = el('li', `message type-${message.message_type}${mine ? ' mine' : ''}${message.deleted_at ? ' deleted' : ''}${message.pinned_at ? ' pinned' : ''}`, null, {
            dataset: { seq: String(message.sequence_number), id: message.message_id },
            tabindex: '-1',
        });
        const time = el('time', 'time', this.app.time(message.created_at), { datetime: message.created_at, title: formatFullTime(message.created_at, this.app.timeZone) });
        if (message.message_type === 'system') {
            node.append(el('span', 'body', this.systemText(message)), time);
            return node;
        }
        const head = el('div', 'head', [
            el('span', 'who', message.sender_display_name ?? message.sender_id),
            time,
            message.edited_at && !message.deleted_at ? el('span', 'edited', t('edited')) : null,
            message.pinned_at && !message.deleted_at ? el('span', 'pin-mark', t('pinned'), { title: t('pinned_by', { name: this.nameOf(message.pinned_by) }) }) : null,
        ]);
        node.append(head);
        if (message.deleted_at) {
            node.append(el('p', 'body placeholder', t('message_deleted')));
            return node;
        }
        node.append(this.bodyNode(message));
        if (message.reactions?.length) node.append(this.reactionsNode(message));
        if (mine) node.append(el('p', 'seen', this.seenText(message.sequence_number)));
        // The actions are made when the message is pointed at or focused (see build): a room of 1 000 messages
        // would otherwise carry some 10 000 buttons nobody uses.
        return node;
    }

    bodyNode(message) {
        if (message.message_type === 'incident_data' && message.content && typeof message.content === 'object') {
            const rows = Object.entries(message.content).map(([name, value]) => el('tr', null, [
                el('th', null, name, { scope: 'row' }), el('td', null, typeof value === 'string' ? value : JSON.stringify(value)),
            ]));
            return el('table', 'readings', [el('caption', null, t('readings')), el('tbody', null, rows)]);
        }
        const parts = [];
        const file = message.file;
        if (file) {
            if (message.message_type === 'image_ref' && file.download_url) {
                const image = el('img', 'photo', null, { src: file.download_url, alt: file.filename, loading: 'lazy' });
                parts.push(el('a', 'photo-link', [image], { href: file.download_url, target: '_blank', rel: 'noopener noreferrer', title: t('open_full_size') }));
            } else {
                const label = `${file.filename} (${formatSize(file.size)})`;
                parts.push(file.download_url
                    ? el('a', 'file-link', `📄 ${label}`, { href: file.download_url, target: '_blank', rel: 'noopener noreferrer', download: file.filename })
                    : el('span', 'file-link', `📄 ${label}`));
            }
        }
        if (typeof message.content === 'string' && message.content !== '') parts.push(this.textNode(message));
        return el('div', 'body', parts);
    }

    /** The text with mentions of members set off; each piece is text, never HTML. */
    textNode(message) {
        const p = el('p', 'text');
        const names = this.mentionNames();
        const text = message.content;
        let i = 0;
        let plain = '';
        while (i < text.length) {
            if (text[i] === '@') {
                const rest = text.slice(i + 1);
                const name = names.find((n) => rest.startsWith(n)) ?? (/^[^\s@]+@[^\s@]+/.exec(rest)?.[0]);
                if (name) {
                    if (plain) { p.append(document.createTextNode(plain)); plain = ''; }
                    p.append(el('span', 'mention', `@${name}`));
                    i += name.length + 1;
                    continue;
                }
            }
            plain += text[i++];
        }
        if (plain) p.append(document.createTextNode(plain));
        return p;
    }

    /** A room event in the page's language, from its metadata (the stored sentence is English, for the report). */
    systemText(message) {
        const meta = message.metadata;
        const data = meta?.data ?? {};
        const actor = message.sender_display_name ?? this.nameOf(meta?.actor);
        const member = data.member_id ? this.nameOf(data.member_id) : '';
        const role = data.role ? t(`role_${data.role}`) : '';
        const status = (value) => (value ? t(`status_${value}`) : '');
        const fields = (names) => names.map((name) => t(`field_${name}`)).join(t('list_separator'));
        const changed = Object.keys(data).filter((k) => ['title', 'severity', 'location', 'lots', 'description'].includes(k));
        switch (meta?.event) {
            case 'room_created': return t('event_room_created', { actor, title: data.title ?? '' });
            case 'member_added': return t('event_member_added', { actor, member, role });
            case 'member_removed': return t('event_member_removed', { actor, member });
            case 'role_changed': return t('event_role_changed', { actor, member, role });
            case 'status_changed':
                return t('event_status_changed', { actor, from: status(data.from), to: status(data.to) })
                    + (changed.length ? t('event_also_updated', { fields: fields(changed) }) : '');
            case 'room_updated': return t('event_room_updated', { actor, fields: fields(changed) });
            default: return typeof message.content === 'string' ? message.content : '';
        }
    }

    /** Members' display names, longest first (so "@Ann Lee" wins over "@Ann"), computed once per member list. */
    mentionNames() {
        if (this.namesFor !== this.members) {
            this.namesFor = this.members;
            this.names = [...this.members.values()].map((m) => m.display_name).filter(Boolean).sort((a, b) => b.length - a.length);
        }
        return this.names;
    }

    /** The keyboard in the timeline: arrows move between messages (Tab then reaches the focused one's actions),
     *  Home and End go to the first and last loaded message. */
    onTimelineKey(event) {
        if (!['ArrowUp', 'ArrowDown', 'Home', 'End'].includes(event.key) || event.target.closest('textarea, input')) return;
        const nodes = [...this.timeline.querySelectorAll('li.message')];
        if (nodes.length === 0) return;
        const current = nodes.indexOf(event.target.closest('li.message'));
        const index = event.key === 'Home' ? 0 : event.key === 'End' ? nodes.length - 1
            : current < 0 ? nodes.length - 1 : Math.max(0, Math.min(nodes.length - 1, current + (event.key === 'ArrowUp' ? -1 : 1)));
        event.preventDefault();
        nodes[index].focus();
        nodes[index].scrollIntoView({ block: 'nearest' });
    }

    /** Adds the actions of a message when it is first pointed at, tapped or focused. */
    revealActions(event) {
        const node = event.target.closest?.('li.message');
        if (!node || node.querySelector('.actions') || node.classList.contains('pending') || node.classList.contains('failed')) return;
        const message = this.messages.get(Number(node.dataset.seq));
        if (!message || message.deleted_at || message.message_type === 'system') return;
        node.append(this.actionsNode(message));
    }

    reactionsNode(message) {
        return el('div', 'reactions', message.reactions.map((r) => {
            const mineToo = r.user_ids.includes(this.me.user_id);
            const who = r.user_ids.map((id) => this.nameOf(id)).join(', ');
            return button(`${r.emoji} ${r.count}`, () => this.react(message, r.emoji, !mineToo), {
                className: `reaction${mineToo ? ' mine' : ''}`, title: who,
                attributes: { 'aria-pressed': String(mineToo), disabled: !this.canWrite },
            });
        }));
    }

    actionsNode(message) {
        const actions = el('div', 'actions');
        const own = message.sender_id === this.me.user_id;
        if (this.canWrite) {
            const picker = el('span', 'picker', EMOJI.map((emoji) => button(emoji, () => this.react(message, emoji, true), { className: 'icon', title: t('react_with', { e: emoji }) })));
            actions.append(picker);
        }
        actions.append(button(t('copy'), () => this.copy(message), { className: 'link' }));
        const editable = own && this.canWrite && typeof message.content === 'string' && message.message_type === 'text'
            && Date.now() - new Date(message.created_at).getTime() < (this.app.config.edit_window_seconds ?? 900) * 1000;
        if (editable) actions.append(button(t('edit'), () => this.startEdit(message), { className: 'link' }));
        if (!this.archived && (own ? this.canWrite : this.canManage)) {
            const remove = button(t('delete'), async () => {
                if (remove.dataset.confirm !== 'yes') {
                    remove.dataset.confirm = 'yes';
                    remove.textContent = t('confirm_delete');
                    setTimeout(() => { remove.dataset.confirm = ''; remove.textContent = t('delete'); }, 4000);
                    return;
                }
                try { await this.client.deleteMessage(message.message_id); } catch (error) { this.toast(this.app.errorText(error)); }
            }, { className: 'link danger' });
            actions.append(remove);
        }
        if (this.canWrite) {
            actions.append(button(message.pinned_at ? t('unpin') : t('pin'), () => this.togglePin(message), { className: 'link' }));
        }
        return actions;
    }

    async react(message, emoji, add) {
        try {
            const updated = add ? await this.client.addReaction(message.message_id, emoji) : await this.client.removeReaction(message.message_id, emoji);
            if (updated?.message_id) this.upsert(updated);
        } catch (error) {
            this.toast(this.app.errorText(error));
        }
    }

    async togglePin(message) {
        try {
            if (message.pinned_at) await this.client.unpinMessage(message.message_id);
            else await this.client.pinMessage(message.message_id);
            await this.loadPins();
        } catch (error) {
            this.toast(this.app.errorText(error));
        }
    }

    async copy(message) {
        const text = typeof message.content === 'string' ? message.content
            : message.content ? Object.entries(message.content).map(([k, v]) => `${k} = ${v}`).join('\n') : '';
        try {
            await navigator.clipboard.writeText(text);
            this.toast(t('copied'));
        } catch {
            this.toast(t('copy_failed'));
        }
    }

    startEdit(message) {
        const node = this.nodeOf(message.sequence_number);
        const body = node?.querySelector('.body');
        if (!body) return;
        const area = el('textarea', 'edit-text', null, { 'aria-label': t('edit_message'), rows: '2' });
        area.value = message.content;
        const save = async () => {
            const content = area.value.trim();
            if (!content || content === message.content) { this.upsert(message); return; }
            try {
                this.upsert(await this.client.editMessage(message.message_id, content));
            } catch (error) {
                this.toast(this.app.errorText(error));
            }
        };
        area.addEventListener('keydown', (event) => {
            if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) { event.preventDefault(); save(); }
            if (event.key === 'Escape') { event.preventDefault(); this.upsert(message); }
        });
        body.replaceWith(el('div', 'body editing', [area, el('div', 'row', [
            button(t('save'), save, { className: 'primary' }), button(t('cancel'), () => this.upsert(message)),
        ])]));
        area.focus();
    }

    // MARK: - Scrolling, history upward, jumping

    isAtEnd() {
        const s = this.scroller;
        return s.scrollHeight - s.scrollTop - s.clientHeight < 40;
    }

    scrollToEnd() {
        this.scroller.scrollTop = this.scroller.scrollHeight;
        this.latestButton.hidden = true;
        this.markSeen();
    }

    onScroll() {
        if (this.isAtEnd()) this.latestButton.hidden = true;
        if (this.scroller.scrollTop < 300 && this.hasMoreBefore && !this.loadingOlder) this.loadOlder();
    }

    async loadOlder(limit = PAGE) {
        if (this.loadingOlder || !this.hasMoreBefore) return;
        this.loadingOlder = true;
        try {
            const page = await this.client.listMessages(this.roomId, { beforeSeq: this.oldestSeq, limit });
            const height = this.scroller.scrollHeight;
            const top = this.scroller.scrollTop;
            this.addOlder(page);
            const older = this.timeline.querySelector('li.older');
            const first = this.timeline.querySelector('li.message');
            const fragment = document.createDocumentFragment();
            for (const message of [...page.messages].sort((a, b) => a.sequence_number - b.sequence_number)) {
                if (this.nodeOf(message.sequence_number)) continue;
                const node = this.messageNode(message);
                fragment.append(node);
                this.observer.observe(node);
            }
            this.timeline.insertBefore(fragment, first);
            if (!this.hasMoreBefore) older?.remove();
            // Keep what the person was reading where it was.
            this.scroller.scrollTop = top + (this.scroller.scrollHeight - height);
        } catch (error) {
            this.toast(this.app.errorText(error));
        } finally {
            this.loadingOlder = false;
        }
    }

    /** Shows message `seq`, loading older pages until it is there. */
    async jumpTo(seq) {
        while (!this.nodeOf(seq) && this.hasMoreBefore && this.oldestSeq > seq) {
            this.loadingOlder = false;
            await this.loadOlder(200);
        }
        const node = this.nodeOf(seq);
        if (!node) return;
        node.scrollIntoView({ block: 'center' });
        node.classList.add('flash');
        node.focus({ preventScroll: true });
        setTimeout(() => node.classList.remove('flash'), 2500);
    }

    async reloadNewest() {
        const page = await this.client.listMessages(this.roomId, { limit: PAGE }).catch(() => null);
        if (!page) return;
        this.messages.clear();
        this.seqById.clear();
        this.oldestSeq = null;
        this.addOlder(page);
        this.renderAll();
        this.scrollToEnd();
    }

    // MARK: - Read markers and receipts

    /** Moves the read marker to the newest message the person can see (tab visible, message on screen). */
    markSeen() {
        if (!this.connection || document.hidden || !this.visible?.size) return;
        const newest = Math.max(...this.visible);
        if (newest > (this.readMarker ?? 0)) {
            this.readMarker = newest;
            this.connection.markRead(newest);
        }
    }

    async loadReceipts() {
        try {
            const { receipts } = await this.client.readReceipts(this.roomId);
            this.receipts = new Map(receipts.map((r) => [r.user_id, r.last_read_sequence_number]));
        } catch { /* "seen by" stays empty */ }
    }

    seenText(seq) {
        const names = [...this.receipts.entries()]
            .filter(([id, marker]) => id !== this.me.user_id && marker >= seq)
            .map(([id]) => this.nameOf(id));
        return names.length === 0 ? '' : t('seen_by', { names: names.join(', ') });
    }

    renderSeenBy() {
        for (const node of this.timeline.querySelectorAll('li.message.mine')) {
            const seen = node.querySelector('.seen');
            if (seen) seen.textContent = this.seenText(Number(node.dataset.seq));
        }
    }

    // MARK: - Members and presence

    async loadMembers() {
        try {
            const { members } = await this.client.listMembers(this.roomId);
            this.members = new Map(members.map((m) => [m.user_id, m]));
        } catch { /* names fall back to ids */ }
    }

    nameOf(userId) {
        return this.members.get(userId)?.display_name ?? this.online.get(userId)?.display_name ?? userId ?? '';
    }

    renderOnline() {
        if (!this.onlineNode) return;
        const names = [...this.online.values()].map((u) => u.display_name);
        this.onlineNode.textContent = t('online_count', { n: names.length });
        this.onlineNode.title = names.join(', ');
        if (this.panel === 'members') this.renderMembersList();
    }

    onTyping(event) {
        if (event.user_id === this.me.user_id) return;
        const known = this.typingUsers.get(event.user_id);
        if (known) clearTimeout(known.timer);
        if (event.is_typing) {
            // The service announces the end after 3 s; a lost event must not leave the line for ever.
            const timer = setTimeout(() => { this.typingUsers.delete(event.user_id); this.renderTyping(); }, 6000);
            this.typingUsers.set(event.user_id, { name: event.display_name ?? event.user_id, timer });
        } else {
            this.typingUsers.delete(event.user_id);
        }
        this.renderTyping();
    }

    renderTyping() {
        const names = [...this.typingUsers.values()].map((u) => u.name);
        this.typingNode.textContent = names.length === 0 ? '' : t(names.length === 1 ? 'typing_one' : 'typing_many', { names: names.join(', ') });
    }

    // MARK: - Pins ("Key events")

    async loadPins() {
        try {
            const { messages } = await this.client.listPins(this.roomId);
            this.pins = messages;
        } catch { this.pins = this.pins ?? []; }
        this.renderPins();
    }

    renderPins() {
        if (!this.pinsNode) return;
        const pins = this.pins ?? [];
        this.pinsNode.hidden = pins.length === 0;
        this.pinsNode.replaceChildren(el('strong', null, t('key_events')), el('ol', null, pins.map((m) => el('li', null, [
            el('a', 'pin', `${this.app.time(m.created_at)} ${m.sender_display_name}: ${summary(m)}`, {
                href: `#/room/${this.roomId}/m/${m.sequence_number}`, dataset: { seq: String(m.sequence_number) },
            }),
        ]))));
    }

    // MARK: - Composer

    sendText() {
        const content = this.text.value.trim();
        if (!content || !this.connection) return;
        const mentions = [...(this.chosenMentions ?? new Map()).entries()]
            .filter(([name]) => content.includes(`@${name}`)).map(([, id]) => id);
        this.connection.send(mentions.length ? { content, mentions } : { content });
        this.text.value = '';
        this.chosenMentions = new Map();
        this.closeMentions();
        this.scrollToEnd();
    }

    onComposerKey(event) {
        if (!this.mentionList.hidden) {
            const options = [...this.mentionList.children];
            let index = options.findIndex((o) => o.getAttribute('aria-selected') === 'true');
            if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
                event.preventDefault();
                index = (index + (event.key === 'ArrowDown' ? 1 : -1) + options.length) % options.length;
                this.selectMention(index);
                return;
            }
            if ((event.key === 'Enter' || event.key === 'Tab') && index >= 0) {
                event.preventDefault();
                this.chooseMention(options[index].dataset.userId);
                return;
            }
            if (event.key === 'Escape') { event.preventDefault(); this.closeMentions(); return; }
        }
        if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            this.sendText();
        }
    }

    updateMentions() {
        const at = mentionAt(this.text.value, this.text.selectionStart ?? this.text.value.length);
        if (!at) { this.closeMentions(); return; }
        const query = at.query.toLowerCase();
        const matches = [...this.members.values()]
            .filter((m) => m.user_id !== this.me.user_id)
            .filter((m) => m.display_name.toLowerCase().includes(query) || m.user_id.includes(query))
            .slice(0, 8);
        if (matches.length === 0) { this.closeMentions(); return; }
        this.mentionList.replaceChildren(...matches.map((m, i) => el('li', 'option', [
            el('strong', null, m.display_name), el('span', 'muted', ` ${m.user_id}`),
        ], {
            role: 'option', id: `mention-${i}`, 'aria-selected': String(i === 0), dataset: { userId: m.user_id },
            onmousedown: (event) => { event.preventDefault(); this.chooseMention(m.user_id); },
        })));
        this.mentionList.hidden = false;
        this.text.setAttribute('aria-expanded', 'true');
        this.selectMention(0);
    }

    selectMention(index) {
        [...this.mentionList.children].forEach((o, i) => o.setAttribute('aria-selected', String(i === index)));
        this.text.setAttribute('aria-activedescendant', `mention-${index}`);
    }

    chooseMention(userId) {
        const member = this.members.get(userId);
        const caret = this.text.selectionStart ?? this.text.value.length;
        const at = mentionAt(this.text.value, caret);
        if (!member || !at) return;
        const insert = `@${member.display_name} `;
        this.text.value = this.text.value.slice(0, at.start) + insert + this.text.value.slice(caret);
        const position = at.start + insert.length;
        this.text.setSelectionRange(position, position);
        (this.chosenMentions ??= new Map()).set(member.display_name, member.user_id);
        this.closeMentions();
        this.text.focus();
    }

    closeMentions() {
        this.mentionList.hidden = true;
        this.text.setAttribute('aria-expanded', 'false');
        this.text.removeAttribute('aria-activedescendant');
    }

    renderPending() {
        if (!this.pendingNode || !this.connection) return;
        const failed = this.failed ?? new Map();
        const items = this.connection.pending;
        const live = this.connection.isLive;
        this.pendingNode.replaceChildren(
            ...items.map((item) => el('li', 'message mine pending', [
                el('div', 'head', [el('span', 'who', this.me.display_name), el('span', 'state', live ? t('sending') : t('pending'))]),
                el('p', 'text', summary({ ...item, message_type: item.message_type ?? 'text' })),
            ], { dataset: { clientId: item.client_id } })),
            ...[...failed.values()].map((item) => el('li', 'message mine failed', [
                el('div', 'head', [el('span', 'who', this.me.display_name), el('span', 'state error', item.reason)]),
                el('p', 'text', summary(item.body)),
                el('div', 'row', [
                    button(t('edit_again'), () => { this.text.value = typeof item.body.content === 'string' ? item.body.content : ''; failed.delete(item.id); this.renderPending(); this.text.focus(); }, { className: 'link' }),
                    button(t('dismiss'), () => { failed.delete(item.id); this.renderPending(); }, { className: 'link' }),
                ]),
            ])),
        );
    }

    onSendFailed(event) {
        (this.failed ??= new Map()).set(event.client_id, { id: event.client_id, body: event.body, reason: this.app.errorText(event.error) });
        this.renderPending();
    }

    // MARK: - Files

    async upload(file) {
        const kind = fileKind(file.name);
        if (!kind) { this.toast(t('file_type_refused', { name: file.name })); return; }
        const limit = this.app.config.max_upload_bytes?.[kind];
        if (limit && file.size > limit) { this.toast(t('file_too_large', { name: file.name, limit: formatSize(limit) })); return; }
        const caption = this.text.value.trim();
        this.progress.hidden = false;
        const bar = el('progress', null, null, { max: '100', value: '0' });
        this.progress.replaceChildren(el('span', null, t('uploading', { name: file.name })), bar);
        try {
            const stored = await this.client.uploadFile(this.roomId, file, {
                onProgress: ({ loaded, total }) => { if (total) bar.value = String(Math.round((loaded / total) * 100)); },
            });
            this.connection.send({
                message_type: stored.file_type === 'image' ? 'image_ref' : 'file_ref', file_id: stored.file_id, content: caption,
            });
            this.text.value = '';
        } catch (error) {
            this.toast(error instanceof ApiError && error.status === 413 ? t('file_too_large', { name: file.name, limit: formatSize(limit ?? 0) })
                : error instanceof ApiError && error.status === 415 ? t('file_type_refused', { name: file.name })
                    : this.app.errorText(error));
        } finally {
            this.progress.hidden = true;
        }
    }

    // MARK: - Readings form

    buildReadingsForm() {
        const rows = el('div', 'reading-rows');
        const addRow = (name = '', value = '') => {
            const nameInput = el('input', 'reading-name', null, { 'aria-label': t('reading_name'), placeholder: t('reading_name'), value: name, maxlength: '100' });
            const valueInput = el('input', 'reading-value', null, { 'aria-label': t('reading_value'), placeholder: t('reading_value'), value, inputmode: 'decimal' });
            const row = el('div', 'row reading-row', [nameInput, el('span', null, '='), valueInput,
                button('×', () => { row.remove(); if (!rows.children.length) addRow(); }, { className: 'icon', title: t('remove_row'), ariaLabel: t('remove_row') })]);
            rows.append(row);
            return nameInput;
        };
        const form = el('fieldset', 'readings-form', [
            el('legend', null, t('add_readings')),
            rows,
            el('div', 'row', [
                button(t('add_row'), () => addRow().focus(), { className: 'link' }),
                button(t('send_readings'), () => {
                    const readings = {};
                    for (const row of rows.children) {
                        const name = row.querySelector('.reading-name').value.trim();
                        const value = parseReading(row.querySelector('.reading-value').value);
                        if (name && value !== null) readings[name] = value;
                    }
                    if (Object.keys(readings).length === 0) { this.toast(t('readings_empty')); return; }
                    this.connection.sendReadings(readings);
                    rows.replaceChildren();
                    addRow();
                    form.hidden = true;
                }, { className: 'primary send-readings' }),
            ]),
        ], { hidden: true });
        addRow();
        return form;
    }

    toggleReadingsForm() {
        this.readingsForm.hidden = !this.readingsForm.hidden;
        if (!this.readingsForm.hidden) this.readingsForm.querySelector('input')?.focus();
    }

    // MARK: - Side panels

    togglePanel(name) {
        if (this.panel === name) this.closePanel();
        else this.openPanel(name);
    }

    closePanel() {
        this.panel = null;
        this.side.hidden = true;
        for (const tab of this.header.querySelectorAll('[data-panel]')) tab.setAttribute('aria-pressed', 'false');
    }

    openPanel(name) {
        this.panel = name;
        for (const tab of this.header.querySelectorAll('[data-panel]')) tab.setAttribute('aria-pressed', String(tab.dataset.panel === name));
        this.side.hidden = false;
        this.side.dataset.panel = name;
        this.side.replaceChildren(el('div', 'side-head', [
            el('h3', null, t(`panel_${name}`)),
            button('×', () => this.closePanel(), { className: 'icon', title: t('close'), ariaLabel: t('close') }),
        ]));
        this.sideBody = el('div', 'side-body');
        this.side.append(this.sideBody);
        ({
            members: () => this.renderMembersPanel(),
            readings: () => this.renderReadingsPanel(),
            search: () => this.renderSearchPanel(),
            report: () => this.renderReportPanel(),
            settings: () => this.renderSettingsPanel(),
        })[name]?.();
    }

    renderMembersPanel() {
        this.membersList = el('ul', 'members');
        this.sideBody.append(this.membersList);
        if (this.canManage && !this.archived) {
            const input = el('input', null, null, { type: 'search', id: 'people-q', 'aria-label': t('find_people'), placeholder: t('find_people') });
            const role = select(ROLES.map((r) => [r, t(`role_${r}`)]), 'EDITOR', { 'aria-label': t('role') });
            const results = el('ul', 'people');
            let timer = null;
            input.addEventListener('input', () => {
                clearTimeout(timer);
                timer = setTimeout(async () => {
                    const q = input.value.trim();
                    if ([...q].length < 2) { results.replaceChildren(); return; }
                    try {
                        const { users } = await this.client.searchUsers(q, { limit: 10 });
                        results.replaceChildren(...users.filter((u) => !this.members.has(u.user_id)).map((u) => el('li', null, [
                            el('span', null, [el('strong', null, u.display_name), el('span', 'muted', ` ${u.user_id}`)]),
                            button(t('add'), async () => {
                                try {
                                    await this.client.addMember(this.roomId, u.user_id, role.value);
                                    await this.loadMembers();
                                    input.value = '';
                                    results.replaceChildren();
                                    this.renderMembersList();
                                } catch (error) { this.toast(this.app.errorText(error)); }
                            }, { className: 'primary', title: t('add_person', { name: u.display_name }) }),
                        ])));
                        if (users.length === 0) results.append(el('li', 'empty', t('no_people')));
                    } catch (error) { results.replaceChildren(el('li', 'error', this.app.errorText(error))); }
                }, 250);
            });
            this.sideBody.append(el('div', 'add-member', [el('h4', null, t('add_member')), field(t('find_people'), input), field(t('role'), role), results]));
        }
        this.renderMembersList();
    }

    renderMembersList() {
        if (!this.membersList) return;
        const manage = this.canManage && !this.archived;
        this.membersList.replaceChildren(...[...this.members.values()].map((m) => {
            const online = this.online.has(m.user_id);
            const item = el('li', online ? 'member online' : 'member', [
                el('span', 'dot', '', { 'aria-hidden': 'true' }),
                el('span', 'member-name', [el('strong', null, m.display_name), el('span', 'muted', ` ${online ? t('online') : t('away')}`)]),
            ], { dataset: { userId: m.user_id } });
            if (manage) {
                const role = select(ROLES.map((r) => [r, t(`role_${r}`)]), m.role, { 'aria-label': t('role_of', { name: m.display_name }) });
                role.addEventListener('change', async () => {
                    try { await this.client.changeMemberRole(this.roomId, m.user_id, role.value); await this.loadMembers(); } catch (error) {
                        role.value = m.role;
                        this.toast(this.app.errorText(error));
                    }
                });
                item.append(role, button(t('remove'), async () => {
                    try { await this.client.removeMember(this.roomId, m.user_id); await this.loadMembers(); this.renderMembersList(); } catch (error) { this.toast(this.app.errorText(error)); }
                }, { className: 'link danger', title: t('remove_person', { name: m.display_name }) }));
            } else {
                item.append(el('span', 'chip', t(`role_${m.role}`)));
            }
            return item;
        }));
    }

    renderReadingsPanel() {
        const names = [...this.readingNames].sort();
        const nameInput = el('input', null, null, { list: 'reading-names', 'aria-label': t('reading_name'), value: names[0] ?? '' });
        const list = el('datalist', null, names.map((n) => el('option', null, null, { value: n })), { id: 'reading-names' });
        const min = el('input', null, null, { type: 'number', step: 'any', 'aria-label': t('minimum') });
        const max = el('input', null, null, { type: 'number', step: 'any', 'aria-label': t('maximum') });
        const out = el('div', 'reading-chart');
        const draw = async () => {
            const reading = nameInput.value.trim();
            if (!reading) { out.replaceChildren(el('p', 'empty', t('no_readings'))); return; }
            try {
                const { lineChart } = await import('./chart.js');
                const { messages } = await this.client.readings(this.roomId, {
                    name: reading, min: min.value === '' ? undefined : min.value, max: max.value === '' ? undefined : max.value, limit: 200,
                });
                const points = messages.map((m) => ({ t: new Date(m.created_at), v: m.content?.[reading], who: m.sender_display_name }))
                    .filter((p) => typeof p.v === 'number');
                const table = el('table', 'readings', [
                    el('thead', null, [el('tr', null, [el('th', null, t('time')), el('th', null, reading), el('th', null, t('by'))])]),
                    el('tbody', null, messages.map((m) => el('tr', null, [
                        el('td', null, formatFullTime(m.created_at, this.app.timeZone)),
                        el('td', null, String(m.content?.[reading] ?? '')), el('td', null, m.sender_display_name),
                    ]))),
                ]);
                out.replaceChildren(
                    points.length ? lineChart(points.map((p) => ({ ...p, label: `${this.app.time(p.t.toISOString())} ${reading} = ${p.v} (${p.who})` })), { name: reading, formatTime: (d) => this.app.time(d.toISOString()) }) : el('p', 'empty', t('no_numeric_readings')),
                    table,
                );
            } catch (error) { out.replaceChildren(el('p', 'error', this.app.errorText(error))); }
        };
        const form = el('form', 'reading-filter', [field(t('reading_name'), nameInput), list, field(t('minimum'), min), field(t('maximum'), max), el('button', null, t('show'), { type: 'submit' })]);
        form.addEventListener('submit', (event) => { event.preventDefault(); draw(); });
        this.sideBody.append(form, out);
        draw();
    }

    renderSearchPanel() {
        const input = el('input', null, null, { type: 'search', id: 'room-search-q', 'aria-label': t('search_room'), minlength: '2' });
        const results = el('ol', 'results');
        const form = el('form', 'row', [field(t('search_room'), input), el('button', null, t('search'), { type: 'submit' })], { role: 'search' });
        form.addEventListener('submit', (event) => {
            event.preventDefault();
            showResults(results, input.value.trim(), (q) => this.client.searchRoom(this.roomId, q, { limit: 50 }), {
                time: (iso) => this.app.time(iso), errorText: this.app.errorText,
            });
        });
        this.sideBody.append(form, results);
        input.focus();
    }

    async renderReportPanel() {
        const preview = el('article', 'report', t('loading'));
        let markdown = '';
        const copy = button(t('copy_report'), async () => {
            try { await navigator.clipboard.writeText(markdown); this.toast(t('copied')); } catch { this.toast(t('copy_failed')); }
        });
        const download = button(t('download_report'), () => {
            const url = URL.createObjectURL(new Blob([markdown], { type: 'text/markdown' }));
            const a = el('a', null, null, { href: url, download: `incident-${this.roomId.slice(0, 8)}.md` });
            document.body.append(a);
            a.click();
            a.remove();
            setTimeout(() => URL.revokeObjectURL(url), 10000);
        });
        this.sideBody.append(el('div', 'row', [copy, download]), preview);
        try {
            // The renderer is loaded with the first report, not with the page.
            const [text, { renderMarkdown }] = await Promise.all([this.client.report(this.roomId), import('./markdown.js')]);
            markdown = text;
            preview.replaceChildren(renderMarkdown(markdown));
        } catch (error) {
            preview.textContent = this.app.errorText(error);
        }
    }

    renderSettingsPanel() {
        const room = this.room;
        const title = el('input', null, null, { value: room.title, maxlength: '200', required: true });
        const severity = select(SEVERITIES.map((s) => [s, t(`severity_${s}`)]), room.severity);
        const location = el('input', null, null, { value: room.location ?? '', maxlength: '200' });
        const lots = el('input', null, null, { value: (room.lots ?? []).join(', ') });
        const error = el('p', 'error', '', { role: 'alert' });
        const save = async (changes) => {
            error.textContent = '';
            try {
                this.room = await this.client.updateRoom(this.roomId, changes);
                this.renderHeader();
                this.renderComposerState();
                this.openPanel('settings');
            } catch (e) { error.textContent = this.app.errorText(e); }
        };
        const form = el('form', 'stack', [
            field(t('title'), title), field(t('severity'), severity), field(t('location'), location), field(t('lots_hint'), lots),
            el('button', 'primary', t('save'), { type: 'submit' }),
        ]);
        form.addEventListener('submit', (event) => {
            event.preventDefault();
            save({ title: title.value.trim(), severity: severity.value, location: location.value.trim(), lots: lots.value.split(',').map((s) => s.trim()).filter(Boolean) });
        });
        if (this.archived) for (const control of form.elements) control.disabled = true;
        const status = el('div', 'stack status-actions');
        const confirmThen = (label, confirmLabel, question, changes, className = '') => {
            const ask = el('div', 'confirm', [el('p', null, question),
                el('div', 'row', [button(confirmLabel, () => save(changes), { className: `primary ${className}` }), button(t('cancel'), () => { ask.hidden = true; })])], { hidden: true });
            return el('div', null, [button(label, () => { ask.hidden = false; }, { className }), ask]);
        };
        if (room.status === 'active') status.append(confirmThen(t('resolve'), t('confirm_resolve'), t('resolve_question'), { status: 'resolved' }));
        if (room.status === 'resolved') status.append(confirmThen(t('reopen'), t('confirm_reopen'), t('reopen_question'), { status: 'active' }));
        if (room.status !== 'archived') status.append(confirmThen(t('archive'), t('confirm_archive'), t('archive_question'), { status: 'archived' }, 'danger'));
        else status.append(el('p', 'notice', t('archived_read_only')));
        this.sideBody.append(form, error, el('h4', null, t('status')), status);
    }
}

/** One line for a pin or a pending message. */
function summary(message) {
    if (message.message_type === 'incident_data' && message.content && typeof message.content === 'object') {
        return Object.entries(message.content).map(([k, v]) => `${k} = ${v}`).join(', ');
    }
    if (message.message_type === 'image_ref' || message.message_type === 'file_ref') {
        return `${message.file?.filename ?? t('file')}${message.content ? ` ${message.content}` : ''}`;
    }
    return typeof message.content === 'string' ? message.content : '';
}

function readPending(roomId) {
    try {
        const items = JSON.parse(store?.getItem(`pending.${roomId}`) ?? '[]');
        return Array.isArray(items) ? items.filter((i) => i && typeof i.client_id === 'string') : [];
    } catch {
        return [];
    }
}

function writePending(roomId, items) {
    if (items.length === 0) store?.removeItem(`pending.${roomId}`);
    else store?.setItem(`pending.${roomId}`, JSON.stringify(items));
}
