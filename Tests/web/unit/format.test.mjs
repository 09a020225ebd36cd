// The page's pure helpers (Web/format.js), run by `node --test` in scripts/gates/web.sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTime, formatFullTime, formatSize, parseReading, fileKind, mentionAt, decodeEntities } from '../../../Web/format.js';

test('times are "HH:mm" today and "MM/DD HH:mm" before, in the report time zone', () => {
    const now = new Date('2026-03-02T02:00:00Z'); // 10:00 on 03/02 in Taipei
    assert.equal(formatTime('2026-03-01T23:30:00Z', 'Asia/Taipei', now), '07:30');
    assert.equal(formatTime('2026-03-01T15:59:00Z', 'Asia/Taipei', now), '03/01 23:59');
    assert.equal(formatTime('2026-03-01T16:00:00Z', 'Asia/Taipei', now), '00:00');
    // The same instant is "yesterday" in UTC.
    assert.equal(formatTime('2026-03-01T23:30:00Z', 'UTC', new Date('2026-03-02T00:30:00Z')), '03/01 23:30');
    assert.equal(formatTime('not a time', 'UTC', now), '');
    assert.equal(formatFullTime('2026-03-01T23:30:05Z', 'Asia/Taipei'), '2026-03-02 07:30:05');
});

test('sizes are written in powers of 1 000, as the upload limits are', () => {
    assert.equal(formatSize(999), '999 B');
    assert.equal(formatSize(1500), '1.5 KB');
    assert.equal(formatSize(10_000_000), '10 MB');
    assert.equal(formatSize(-1), '');
});

test('readings keep numbers as numbers and text as text', () => {
    assert.equal(parseReading(' 85.5 '), 85.5);
    assert.equal(parseReading('-3e2'), -300);
    assert.equal(parseReading('OK'), 'OK');
    assert.equal(parseReading('12 bar'), '12 bar');
    assert.equal(parseReading('true'), true);
    assert.equal(parseReading(''), null);
    assert.equal(parseReading('1e999'), '1e999');
});

test('file kinds follow the extensions the service accepts', () => {
    assert.equal(fileKind('IMG_001.JPG'), 'image');
    assert.equal(fileKind('report.xlsx'), 'document');
    assert.equal(fileKind('plc.log'), 'log');
    assert.equal(fileKind('setup.exe'), null);
    assert.equal(fileKind('noextension'), null);
});

test('the mention being typed is found just before the caret', () => {
    assert.deepEqual(mentionAt('hi @Ali', 7), { start: 3, query: 'Ali' });
    assert.deepEqual(mentionAt('@', 1), { start: 0, query: '' });
    assert.equal(mentionAt('mail me at a@b', 14), null);
    assert.equal(mentionAt('@Alice done', 11), null);
    assert.deepEqual(mentionAt('請 @林', 4), { start: 2, query: '林' });
});

test('the five escapes of the service and the report decode, and nothing else does', () => {
    assert.equal(decodeEntities('a &lt;img src=x&gt; &amp;amp; &quot;q&quot; &#39;s&#39;'), 'a <img src=x> &amp; "q" \'s\'');
    assert.equal(decodeEntities('&nbsp; &#60; &lt'), '&nbsp; &#60; &lt');
});
