// A search hit, in a room or across rooms. `highlight` is the only HTML the page takes from the server: the
// service escaped the text and added only <mark>; it is parsed inertly and only text and <mark> are kept.
import { el } from './dom.js';

export function searchResult(result, room, time) {
    const snippet = el('span', 'snippet');
    snippet.append(...markedText(result.highlight ?? ''));
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

/** Text and <mark> runs of `html`, as nodes (a template is inert: nothing in it loads or runs). */
export function markedText(html) {
    const template = document.createElement('template');
    template.innerHTML = html;
    const out = [];
    for (const node of template.content.childNodes) {
        if (node.nodeName === 'MARK') out.push(el('mark', null, node.textContent));
        else out.push(document.createTextNode(node.textContent ?? ''));
    }
    return out;
}
