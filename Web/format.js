// Formatting the page shows: times in the report time zone, sizes, readings. Pure functions (tested in Node).

/** "HH:mm" today and "MM/DD HH:mm" before, in `timeZone` (the seed's rule). */
export function formatTime(iso, timeZone, now = new Date()) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return '';
    const a = zoneParts(date, timeZone);
    const b = zoneParts(now, timeZone);
    const hm = `${a.hour}:${a.minute}`;
    return a.year === b.year && a.month === b.month && a.day === b.day ? hm : `${a.month}/${a.day} ${hm}`;
}

/** "YYYY-MM-DD HH:mm:ss" in `timeZone`, for titles and the readings table. */
export function formatFullTime(iso, timeZone) {
    const p = zoneParts(new Date(iso), timeZone);
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

const formatters = new Map();
function zoneParts(date, timeZone) {
    let formatter = formatters.get(timeZone);
    if (!formatter) {
        formatter = new Intl.DateTimeFormat('en-CA', {
            timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
            second: '2-digit', hourCycle: 'h23',
        });
        formatters.set(timeZone, formatter);
    }
    return Object.fromEntries(formatter.formatToParts(date).map((p) => [p.type, p.value]));
}

/** 1 234 567 bytes -> "1.2 MB" (powers of 1 000, as the upload limits are written). */
export function formatSize(bytes) {
    if (!Number.isFinite(bytes) || bytes < 0) return '';
    if (bytes < 1000) return `${bytes} B`;
    const units = ['KB', 'MB', 'GB'];
    let value = bytes / 1000;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit++; }
    return `${value >= 10 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`;
}

/** A reading's value as typed: "85.5" -> 85.5, "OK" -> "OK", "" -> null. */
export function parseReading(text) {
    const trimmed = String(text ?? '').trim();
    if (trimmed === '') return null;
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) {
        const number = Number(trimmed);
        if (Number.isFinite(number)) return number;
    }
    if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
    return trimmed;
}

/** The upload kinds of API.md's limits, by extension: `image`, `document`, `log`, or null (refused). */
export function fileKind(name) {
    const extension = String(name ?? '').toLowerCase().split('.').pop();
    if (['jpg', 'jpeg', 'png', 'gif', 'webp'].includes(extension)) return 'image';
    if (['pdf', 'docx', 'xlsx', 'txt', 'csv'].includes(extension)) return 'document';
    if (extension === 'log') return 'log';
    return null;
}

/** The `@word` being typed just before `caret` in `text`: `{start, query}` or null. */
export function mentionAt(text, caret) {
    const before = text.slice(0, caret);
    const match = /(^|\s)@([^\s@]{0,40})$/u.exec(before);
    if (!match) return null;
    return { start: caret - match[2].length - 1, query: match[2] };
}

const ENTITIES = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'" };

/** Text with the five entities the service and the report escape decoded ("&lt;b&gt;" -> "<b>"); nothing else. */
export function decodeEntities(text) {
    return String(text).replace(/&lt;|&gt;|&amp;|&quot;|&#39;/g, (entity) => ENTITIES[entity]);
}

/** The entity `text` starts with at `index` and what it stands for, or null. */
export function entityAt(text, index) {
    const entity = Object.keys(ENTITIES).find((e) => text.startsWith(e, index));
    return entity ? { length: entity.length, text: ENTITIES[entity] } : null;
}
