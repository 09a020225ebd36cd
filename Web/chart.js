// The readings chart: one reading over time as an SVG line with its points, drawn by the page (no library).
import { svg } from './dom.js';

/**
 * `points` are `{t: Date, v: number, label}` in time order. Returns an <svg> with axes, a min/max scale and one
 * circle per point (its <title> says the time and value, for hover and screen readers).
 */
export function lineChart(points, { width = 640, height = 220, name = '', formatTime = (d) => d.toISOString() } = {}) {
    const pad = { left: 48, right: 12, top: 12, bottom: 28 };
    const root = svg('svg', {
        viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': name, preserveAspectRatio: 'xMidYMid meet',
    });
    if (points.length === 0) return root;
    const times = points.map((p) => p.t.getTime());
    const values = points.map((p) => p.v);
    let [t0, t1] = [Math.min(...times), Math.max(...times)];
    let [v0, v1] = [Math.min(...values), Math.max(...values)];
    if (t0 === t1) { t0 -= 60000; t1 += 60000; }
    if (v0 === v1) { v0 -= 1; v1 += 1; }
    const x = (t) => pad.left + ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
    const y = (v) => height - pad.bottom - ((v - v0) / (v1 - v0)) * (height - pad.top - pad.bottom);
    const axis = { stroke: 'currentColor', 'stroke-width': 1, opacity: 0.5 };
    root.append(
        svg('line', { x1: pad.left, y1: height - pad.bottom, x2: width - pad.right, y2: height - pad.bottom, ...axis }),
        svg('line', { x1: pad.left, y1: pad.top, x2: pad.left, y2: height - pad.bottom, ...axis }),
    );
    const label = (text, attributes) => {
        const node = svg('text', { 'font-size': 11, fill: 'currentColor', ...attributes });
        node.textContent = text;
        return node;
    };
    root.append(
        label(String(round(v1)), { x: pad.left - 4, y: pad.top + 4, 'text-anchor': 'end' }),
        label(String(round(v0)), { x: pad.left - 4, y: height - pad.bottom, 'text-anchor': 'end' }),
        label(formatTime(new Date(t0)), { x: pad.left, y: height - 8, 'text-anchor': 'start' }),
        label(formatTime(new Date(t1)), { x: width - pad.right, y: height - 8, 'text-anchor': 'end' }),
    );
    const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t.getTime()).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
    root.append(svg('path', { d: path, fill: 'none', stroke: 'var(--accent)', 'stroke-width': 2, class: 'series' }));
    for (const p of points) {
        const dot = svg('circle', { cx: x(p.t.getTime()).toFixed(1), cy: y(p.v).toFixed(1), r: 3.5, fill: 'var(--accent)', class: 'point' });
        const title = svg('title');
        title.textContent = p.label ?? `${formatTime(p.t)}: ${p.v}`;
        dot.append(title);
        root.append(dot);
    }
    return root;
}

function round(value) {
    return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100;
}
