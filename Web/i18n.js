// The page's language: Traditional Chinese or English, chosen from the browser, switchable, kept in the browser.
import { strings } from './strings.js';

const store = globalThis.localStorage;
let current = store?.getItem('lang') ?? (globalThis.navigator?.languages ?? [navigator.language ?? 'en'])
    .map((l) => String(l).toLowerCase()).find((l) => l.startsWith('zh') || l.startsWith('en'))?.startsWith('zh') ? 'zh-TW' : 'en';
if (!strings[current]) current = 'en';

export const language = () => current;

export function setLanguage(lang) {
    if (!strings[lang]) return;
    current = lang;
    store?.setItem('lang', lang);
    applyLanguage();
}

/** The string `key` of the current language with `{name}` placeholders filled. */
export function t(key, values = {}) {
    const text = strings[current]?.[key] ?? strings.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

/** Fills every `data-i18n` (text), `data-i18n-placeholder` and `data-i18n-label` (aria-label) of the page. */
export function applyLanguage(root = document) {
    document.documentElement.lang = current;
    for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
    for (const node of root.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder);
    for (const node of root.querySelectorAll('[data-i18n-label]')) node.setAttribute('aria-label', t(node.dataset.i18nLabel));
}
