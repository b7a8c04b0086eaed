import { runInNewContext } from 'node:vm';
import { inflateSync } from 'node:zlib';
import { expect, test } from 'vitest';
import WORKER_SOURCE from 'sightline:replay-worker';
import { createCompressor } from '../src/replay/compress';
import { errorCrumb, isErrorEvent, replayCrumb } from '../src/replay/crumbs';
import { replayEnvelope, type ReplayEvent } from '../src/replay/envelope';
import { maskAttributes, maskText, rrwebPrivacy } from '../src/replay/privacy';
import { isLive } from '../src/replay/session';

/** A stand-in for an Element: `closest` over a fixed set of selectors it matches. */
const element = (matches: string[], type = 'text') => ({ type, closest: (sel: string) => (sel.split(',').some((s) => matches.includes(s)) ? {} : null) });

test('text and input values are masked unless an unmask selector covers them', () => {
  const p = rrwebPrivacy({ unmask: ['.public'] });
  expect(p.maskTextSelector).toBe('*');
  expect(p.maskAllInputs).toBe(true);
  expect(p.maskTextFn('Ada Lovelace', element([]) as never)).toBe('*** ********');
  expect(p.maskTextFn('Hello there', element(['.public']) as never)).toBe('Hello there');
  expect(p.maskInputFn('4242', element([]) as never)).toBe('****');
  expect(p.maskInputFn('visible', element(['.public']) as never)).toBe('visible');
  expect(p.maskInputFn('pw', element(['.public'], 'password') as never)).toBe('**');
});

test('media are blocked by default, except `unblock` selectors; maskAllText false masks only chosen selectors', () => {
  expect(rrwebPrivacy({}).blockSelector.split(',')).toEqual(expect.arrayContaining(['img', 'video', 'canvas', 'svg', '.sl-block']));
  expect(rrwebPrivacy({ unblock: ['.logo'] }).blockSelector).toContain('img:not(.logo)');
  expect(rrwebPrivacy({ blockAllMedia: false }).blockSelector).toBe('.sl-block');
  expect(rrwebPrivacy({ maskAllText: false, mask: ['.pii'] }).maskTextSelector).toBe('.pii,.sl-mask');
});

test('attributes that carry words are masked, a button caption too', () => {
  const attrs: Record<string, unknown> = { title: 'Charge the card', placeholder: 'Card no', id: 'pay', value: 'Pay now', style: { color: 'red' } };
  maskAttributes(attrs, 'button', {}, null);
  expect(attrs).toEqual({ title: '****** *** ****', placeholder: '**** **', id: 'pay', value: '*******', style: { color: 'red' } });
  const kept: Record<string, unknown> = { title: 'Public' };
  maskAttributes(kept, 'div', { unmask: ['.public'] }, element(['.public']) as never);
  expect(kept.title).toBe('Public');
  expect(maskText(' a b\n')).toBe(' * *\n');
});

test('breadcrumbs become Sentry replay breadcrumbs without the clicked element\'s text', () => {
  expect(replayCrumb({ category: 'ui.click', message: 'button#pay', data: { text: 'Pay now' }, timestamp: 5 })).toEqual({
    timestamp: 5, type: 'default', category: 'ui.click', level: undefined, message: 'button#pay', data: undefined,
  });
  expect(replayCrumb({ category: 'fetch', type: 'http', data: { url: '/a', status_code: 200 } }, 2000)).toMatchObject({ timestamp: 2, type: 'http', data: { url: '/a' } });
  expect(replayCrumb({ message: 'no category' })).toBeUndefined();
  const ev = { event_id: 'e1', timestamp: 9, exception: { values: [{ type: 'TypeError', value: 'x is undefined' }] } };
  expect(isErrorEvent(ev)).toBe(true);
  expect(isErrorEvent({ level: 'warning', message: 'Long task' })).toBe(false);
  expect(errorCrumb(ev)).toMatchObject({ category: 'sentry.event', message: 'TypeError: x is undefined', data: { event_id: 'e1' }, timestamp: 9 });
});

test('a segment is framed as Sentry\'s replay envelope, the recording with its length', () => {
  const event = { type: 'replay_event', replay_id: 'a'.repeat(32), segment_id: 3, sdk: { name: 's', version: '1' } } as ReplayEvent;
  const body = new Uint8Array([0x78, 0x9c, 0, 10, 255]);
  const out = Buffer.from(replayEnvelope(event, body, new Date(0)));
  const lines = out.toString('latin1').split('\n');
  expect(JSON.parse(lines[0])).toMatchObject({ event_id: 'a'.repeat(32), sent_at: '1970-01-01T00:00:00.000Z' });
  expect(JSON.parse(lines[1])).toEqual({ type: 'replay_event' });
  expect(JSON.parse(lines[2]).segment_id).toBe(3);
  const head = JSON.parse(lines[3]);
  expect(head.type).toBe('replay_recording');
  const payload = out.subarray(out.length - head.length);
  expect(payload.subarray(0, 17).toString()).toBe('{"segment_id":3}\n');
  expect([...payload.subarray(17)]).toEqual([...body]);
});

test('the worker code zlib-compresses what it is sent', async () => {
  const replies: Array<{ id: number; data: Uint8Array }> = [];
  const self: Record<string, unknown> = { postMessage: (m: { id: number; data: Uint8Array }) => replies.push(m) };
  runInNewContext(WORKER_SOURCE, { self, TextEncoder, Uint8Array, Uint16Array, Int32Array, Uint32Array });
  const text = JSON.stringify([{ type: 4, data: { href: 'https://shop.test/' } }, 'ü'.repeat(1000)]);
  (self.onmessage as (e: { data: unknown }) => void)({ data: { id: 7, text } });
  expect(replies[0].id).toBe(7);
  expect(replies[0].data[0]).toBe(0x78);
  expect(inflateSync(replies[0].data).toString('utf8')).toBe(text);
});

test('without Web Workers segments go uncompressed', async () => {
  const c = createCompressor();
  expect(typeof Worker).toBe('undefined');
  await expect(c.compress('[1,2]')).resolves.toBe('[1,2]');
  c.close();
});

test('a session lives until 15 min idle or 60 min long', () => {
  const s = { id: 'a'.repeat(32), started: 0, lastActivity: 0, segmentId: 0, type: 'session' as const };
  expect(isLive(s, 14 * 60_000, 15 * 60_000, 60 * 60_000)).toBe(true);
  expect(isLive(s, 15 * 60_000, 15 * 60_000, 60 * 60_000)).toBe(false);
  expect(isLive({ ...s, lastActivity: 59 * 60_000 }, 60 * 60_000, 15 * 60_000, 60 * 60_000)).toBe(false);
});
