// Small DOM helpers. Text is always set with textContent: nothing a person typed, no file name and no directory
// entry ever becomes HTML.

export const $ = (id) => document.getElementById(id);

/** An element with a class, and text or children: `el('li', 'room', 'Line 3')`, `el('p', null, [a, b])`. */
export function el(tag, className, content, attributes = {}) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (Array.isArray(content)) node.append(...content.filter((c) => c !== null && c !== undefined && c !== false));
    else if (content !== undefined && content !== null) node.textContent = String(content);
    for (const [name, value] of Object.entries(attributes)) {
        if (value === undefined || value === null || value === false) continue;
        if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
        else if (name === 'dataset') Object.assign(node.dataset, value);
        else node.setAttribute(name, value === true ? '' : String(value));
    }
    return node;
}

/** A button that does `action` on click. */
export function button(label, action, { className = '', title, type = 'button', ...rest } = {}) {
    return el('button', className, label, { type, title, 'aria-label': rest.ariaLabel ?? title, onclick: action, ...rest.attributes });
}

/** An `<svg>` element (namespace-aware). */
export function svg(tag, attributes = {}, children = []) {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    node.append(...children);
    return node;
}

/** A labelled form control: `<label><span>Title</span><input ...></label>`. */
export function field(label, control) {
    return el('label', 'field', [el('span', null, label), control]);
}

export function select(options, value, attributes = {}) {
    const node = el('select', null, options.map(([v, text]) => el('option', null, text, { value: v })), attributes);
    node.value = value ?? '';
    return node;
}
