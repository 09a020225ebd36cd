// Search hits, in a room or across rooms. `highlight` is the text the service HTML-escaped with each match in
// <mark>...</mark>: it is split on those two tags and its entities decoded, so it is never parsed as HTML at all.
import { el } from './dom.js';
import { decodeEntities } from './format.js';
import { t } from './i18n.js';

/**
 * Runs `search(q)` and lists its hits in `list` (an <ol>), or says why not: too short a query, nothing found, or
 * the error in words (`errorText`). `time` formats a timestamp.
 */
export async function showResults(list, q, search, { time, errorText }) {
    if ([...q].length < 2) { list.replaceChildren(el('li', 'error', t('search_too_short'))); return; }
    try {
        const found = await search(q);
        list.replaceChildren(...found.results.map((r) => searchResult(r, r.room ?? null, time)));
        if (found.results.length === 0) list.append(el('li', 'empty', t('no_results')));
    } catch (error) {
        list.replaceChildren(el('li', 'error', errorText(error)));
    }
}

function searchResult(result, room, time) {
    const snippet = el('span', 'snippet', markedText(result.highlight ?? ''));
    const head = el('span', 'result-head', [
        room ? el('strong', 'result-room', room.title) : null,
        el('span', 'who', result.message.sender_display_name ?? ''),
        el('time', 'time', time(result.message.created_at)),
    ]);
    const roomId = room?.room_id ?? result.message.room_id;
    return el('li', null, [el('a', 'result', [head, snippet], {
        href: `#/room/${roomId}/m/${result.message.sequence_number}`,
        dataset: { seq: String(result.message.sequence_number) },
    })]);
}

/** Text nodes and <mark> elements for a highlight: "a &lt;b&gt; <mark>c</mark>" -> text "a <b> ", mark "c". */
export function markedText(highlight) {
    const out = [];
    highlight.split('<mark>').forEach((part, index) => {
        const [marked, rest] = index === 0 ? [null, part] : splitOnce(part, '</mark>');
        if (marked !== null) out.push(el('mark', null, decodeEntities(marked)));
        if (rest) out.push(document.createTextNode(decodeEntities(rest)));
    });
    return out;
}

function splitOnce(text, separator) {
    const at = text.indexOf(separator);
    return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + separator.length)];
}
