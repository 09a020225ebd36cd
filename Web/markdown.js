// A renderer for the Markdown subset of the incident report (GenerateReport.swift): headings, paragraphs, "- "
// lists with indented continuation lines and tables, tables, **bold**, *italic*, [links](url), backslash escapes
// and the entities &lt; &gt; &amp;. It builds DOM nodes and sets every piece of text with textContent, so nothing in
// a report (which quotes what people typed) can become HTML; links are kept only for http(s) and same-site paths.

import { decodeEntities, entityAt } from './format.js';

/** Renders `markdown` into a DocumentFragment of `doc`. */
export function renderMarkdown(markdown, doc = document) {
    const fragment = doc.createDocumentFragment();
    const lines = String(markdown).replace(/\r\n?/g, '\n').split('\n');
    let list = null;
    let paragraph = null;
    let table = null;
    const end = () => { paragraph = null; table = null; };
    for (const raw of lines) {
        const line = raw.trimEnd();
        const trimmed = line.trimStart();
        if (trimmed === '') { paragraph = null; table = null; continue; }
        if (trimmed.startsWith('|')) {
            const cells = splitRow(trimmed);
            if (cells.every((c) => /^:?-{3,}:?$/.test(c))) continue; // the header separator
            if (!table) {
                table = { node: doc.createElement('table'), head: true };
                const inList = list && raw.startsWith('  ');
                (inList ? list.lastElementChild : fragment).append(table.node);
                if (!inList) list = null;
            }
            const row = doc.createElement('tr');
            for (const cell of cells) {
                const td = doc.createElement(table.head ? 'th' : 'td');
                appendInline(td, cell, doc);
                row.append(td);
            }
            table.head = false;
            table.node.append(row);
            paragraph = null;
            continue;
        }
        table = null;
        const heading = /^(#{1,6}) (.*)$/.exec(line);
        if (heading) {
            const h = doc.createElement(`h${Math.min(6, heading[1].length + 1)}`);
            appendInline(h, heading[2], doc);
            fragment.append(h);
            list = null; end();
            continue;
        }
        if (line.startsWith('- ')) {
            if (!list) { list = doc.createElement('ul'); fragment.append(list); }
            const item = doc.createElement('li');
            appendInline(item, line.slice(2), doc);
            list.append(item);
            paragraph = null;
            continue;
        }
        if (list && raw.startsWith('  ')) {
            list.lastElementChild.append(doc.createElement('br'));
            appendInline(list.lastElementChild, trimmed, doc);
            continue;
        }
        list = null;
        if (!paragraph) { paragraph = doc.createElement('p'); fragment.append(paragraph); } else paragraph.append(doc.createElement('br'));
        appendInline(paragraph, trimmed, doc);
    }
    return fragment;
}

function splitRow(line) {
    const cells = [];
    let current = '';
    for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (c === '\\' && i + 1 < line.length) { current += c + line[i + 1]; i++; continue; }
        if (c === '|') { cells.push(current.trim()); current = ''; continue; }
        current += c;
    }
    if (current.trim() !== '') cells.push(current.trim());
    return cells.slice(1);
}

/** Appends the inline content of `text` to `parent`. */
export function appendInline(parent, text, doc = document) {
    const stack = [{ node: parent, marker: null }];
    let buffer = '';
    const flush = () => {
        if (buffer) { stack[stack.length - 1].node.append(doc.createTextNode(buffer)); buffer = ''; }
    };
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === '\\' && i + 1 < text.length) { buffer += text[++i]; continue; }
        if (c === '&') {
            const entity = entityAt(text, i);
            if (entity) { buffer += entity.text; i += entity.length - 1; continue; }
        }
        if (c === '*') {
            const marker = text.startsWith('**', i) ? '**' : '*';
            const top = stack[stack.length - 1];
            if (top.marker === marker) {
                flush();
                stack.pop();
                i += marker.length - 1;
                continue;
            }
            if (text.indexOf(marker, i + marker.length) > i + marker.length - 1) {
                flush();
                const node = doc.createElement(marker === '**' ? 'strong' : 'em');
                top.node.append(node);
                stack.push({ node, marker });
                i += marker.length - 1;
                continue;
            }
        }
        if (c === '[') {
            const link = parseLink(text, i);
            if (link) {
                flush();
                const a = doc.createElement('a');
                a.textContent = link.label;
                if (safeUrl(link.url)) { a.href = link.url; a.rel = 'noopener noreferrer'; a.target = '_blank'; }
                stack[stack.length - 1].node.append(a);
                i = link.end;
                continue;
            }
        }
        buffer += c;
    }
    flush();
}

function parseLink(text, start) {
    let label = '';
    let i = start + 1;
    for (; i < text.length && text[i] !== ']'; i++) {
        if (text[i] === '\\' && i + 1 < text.length) { label += text[++i]; continue; }
        label += text[i];
    }
    if (text[i] !== ']' || text[i + 1] !== '(') return null;
    const close = text.indexOf(')', i + 2);
    if (close < 0) return null;
    return { label: decodeEntities(label), url: text.slice(i + 2, close), end: close };
}

function safeUrl(url) {
    return /^https?:\/\//i.test(url) || (url.startsWith('/') && !url.startsWith('//'));
}
