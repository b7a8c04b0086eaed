// The session replay player: rrweb's Replayer (npm `@rrweb/replay`, the version the
// SDK records with) with play/pause, speed, skip-inactivity and a scrubber,
// and beside it a timeline of what the recording marks (clicks, navigations,
// console errors, fetch/XHR, error events), each seekable. Built by
// web/player/build.mjs into `replay-player.js`, which the replay page
// imports on demand: the dashboard's other pages never load rrweb.
//
// Segment 0 is fetched first and the player is usable as soon as it is in;
// the later segments are added to the running Replayer as they arrive.
import { Replayer } from '@rrweb/replay';
import css from '@rrweb/replay/dist/style.css';

const SPEEDS = [1, 2, 4, 8];

/** Classifies a recorded breadcrumb or span for the timeline; undefined to leave it out. */
export function timelineEntry(ev) {
  if (ev.type !== 5 || !ev.data) return undefined;
  const { tag, payload: p } = ev.data;
  if (!p) return undefined;
  const at = ev.timestamp;
  if (tag === 'performanceSpan') {
    // @sentry/browser records fetch/XHR and navigations as spans.
    if (/^resource\.(fetch|xhr)$/.test(p.op || '')) return { at, kind: 'network', label: `${p.data?.method || 'GET'} ${p.description || ''} ${p.data?.statusCode ?? ''}`.trim() };
    if (/^navigation\./.test(p.op || '')) return { at, kind: 'navigation', label: p.description || p.op };
    return undefined;
  }
  if (tag !== 'breadcrumb') return undefined;
  const c = p.category || '';
  const d = p.data || {};
  if (c === 'sentry.event') return { at, kind: 'error', label: p.message || 'Error', eventId: d.event_id };
  if (c === 'ui.click') return { at, kind: 'click', label: `Click ${p.message || ''}`.trim() };
  if (c === 'navigation') return { at, kind: 'navigation', label: `Navigate to ${d.to || p.message || ''}`.trim() };
  if (c === 'console' && (p.level === 'error' || p.level === 'warning')) return { at, kind: 'console', label: `console.${p.level === 'error' ? 'error' : 'warn'}: ${p.message || ''}` };
  if (c === 'fetch' || c === 'xhr') return { at, kind: 'network', label: `${c === 'xhr' ? 'XHR' : 'fetch'} ${d.method || 'GET'} ${d.url || ''} ${d.status_code ?? ''}`.trim() };
  return undefined;
}

/** Formats ms as m:ss. */
function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : String(v));
  }
  e.append(...children);
  return e;
}

async function segment(url) {
  // The server stores segments zlib-compressed and says so (Content-Encoding: deflate): fetch inflates.
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`segment ${url}: HTTP ${res.status}`);
  const events = await res.json();
  if (!Array.isArray(events)) throw new Error(`segment ${url}: not an event array`);
  return events;
}

/**
 * Mounts the player in `root`. `opts`: `segments` (URLs, in order), `at`
 * (epoch ms to open at, e.g. an error's time; optional). Resolves once the
 * first segment plays (or failed); `unmount(root)` stops it.
 * The element gets `data-state` (`loading`, `ready`, `error`), and the
 * scrubber's value is the position in ms from the start.
 */
export async function mount(root, opts) {
  root.replaceChildren();
  root.dataset.state = 'loading';
  if (!document.getElementById('rrweb-style')) document.head.append(el('style', { id: 'rrweb-style' }, css));
  const stage = el('div', { class: 'replay-stage' });
  const viewport = el('div', { class: 'replay-viewport' });
  stage.append(viewport);
  const playBtn = el('button', { type: 'button', class: 'replay-play' }, 'Play');
  const speed = el('select', { class: 'replay-speed', 'aria-label': 'Speed' }, ...SPEEDS.map((s) => el('option', { value: s }, `${s}×`)));
  const skip = el('input', { type: 'checkbox', class: 'replay-skip', checked: true });
  const scrub = el('input', { type: 'range', class: 'replay-scrubber', min: 0, max: 0, step: 100, value: 0, 'aria-label': 'Position in the replay' });
  const time = el('span', { class: 'replay-time', 'aria-live': 'off' }, '0:00 / 0:00');
  const controls = el('div', { class: 'replay-controls' }, playBtn, el('label', { class: 'replay-skip-label' }, skip, ' Skip inactivity'), speed, scrub, time);
  const list = el('ol', { class: 'replay-timeline', 'aria-label': 'Timeline' });
  const status = el('p', { class: 'muted small replay-status', role: 'status' }, 'Loading the recording…');
  const side = el('aside', { class: 'replay-side' }, el('h2', {}, 'Timeline'), status, list);
  root.append(el('div', { class: 'replay-layout' }, el('div', { class: 'replay-main' }, stage, controls), side));

  let replayer;
  let playing = false;
  let raf = 0;
  let destroyed = false;
  const entries = [];
  const start = () => replayer.getMetaData().startTime;
  const total = () => replayer.getMetaData().totalTime;
  const position = () => Math.min(total(), Math.max(0, replayer.getCurrentTime()));

  const render = () => {
    const pos = position();
    scrub.max = String(total());
    scrub.value = String(Math.round(pos));
    root.dataset.position = String(Math.round(pos));
    time.textContent = `${clock(pos)} / ${clock(total())}`;
    for (const li of list.children) li.classList.toggle('past', Number(li.dataset.offset) <= pos);
  };
  const tick = () => {
    render();
    if (playing) raf = requestAnimationFrame(tick);
  };
  const seek = (offset) => {
    offset = Math.max(0, Math.min(total(), offset));
    if (playing) replayer.play(offset);
    else replayer.pause(offset);
    render();
  };
  const setPlaying = (on) => {
    if (on === playing) return;
    playing = on;
    playBtn.textContent = on ? 'Pause' : 'Play';
    if (on) {
      const pos = position();
      replayer.play(pos >= total() - 50 ? 0 : pos);
      raf = requestAnimationFrame(tick);
    } else {
      replayer.pause();
      cancelAnimationFrame(raf);
      render();
    }
  };
  const addEntries = (events) => {
    for (const ev of events) {
      const t = timelineEntry(ev);
      if (t) entries.push(t);
    }
    entries.sort((a, b) => a.at - b.at);
    list.replaceChildren(
      ...entries.map((t) => {
        const offset = t.at - start();
        const btn = el('button', { type: 'button', class: 'replay-seek', onclick: () => seek(offset) }, el('span', { class: 'replay-at' }, clock(offset)), ' ', t.label);
        return el('li', { class: `replay-entry kind-${t.kind}`, 'data-offset': Math.round(offset), 'data-event-id': t.eventId }, btn);
      }),
    );
  };
  const fit = (w, h) => {
    // The recorded viewport is scaled to the stage's width.
    const scale = Math.min(1, stage.clientWidth / w || 1);
    viewport.style.transform = `scale(${scale})`;
    viewport.style.width = `${w}px`;
    stage.style.height = `${h * scale}px`;
  };

  root._slDestroy = () => {
    destroyed = true;
    cancelAnimationFrame(raf);
    try {
      replayer?.pause();
      replayer?.destroy?.();
    } catch {
      // Already gone.
    }
    root.replaceChildren();
  };
  try {
    const first = await segment(opts.segments[0]);
    if (destroyed) return;
    replayer = new Replayer(first, { root: viewport, skipInactive: true, showWarning: false, mouseTail: false, triggerFocus: false, speed: 1 });
    replayer.on('resize', (d) => fit(d.width, d.height));
    replayer.on('finish', () => setPlaying(false));
    const meta = first.find((e) => e.type === 4);
    if (meta) fit(meta.data.width, meta.data.height);
    const iframe = viewport.querySelector('iframe');
    iframe?.setAttribute('title', 'The recorded page');
    addEntries(first);
    playBtn.addEventListener('click', () => setPlaying(!playing));
    speed.addEventListener('change', () => replayer.setConfig({ speed: Number(speed.value) }));
    skip.addEventListener('change', () => replayer.setConfig({ skipInactive: skip.checked }));
    scrub.addEventListener('input', () => seek(Number(scrub.value)));
    let pendingAt = opts.at && opts.at - start() > total() ? opts.at : undefined;
    seek(opts.at ? opts.at - start() : 0);
    root.dataset.state = 'ready';
    status.textContent = opts.segments.length > 1 ? `Loading segment 2 of ${opts.segments.length}…` : '';
    // The rest load while the first plays.
    for (let i = 1; i < opts.segments.length && !destroyed; i++) {
      const more = await segment(opts.segments[i]);
      for (const ev of more) replayer.addEvent(ev);
      addEntries(more);
      status.textContent = i + 1 < opts.segments.length ? `Loading segment ${i + 2} of ${opts.segments.length}…` : '';
      // An `at` beyond the first segments is reached once its segment is in.
      if (pendingAt !== undefined && pendingAt - start() <= total() && !playing) {
        seek(pendingAt - start());
        pendingAt = undefined;
      }
      render();
    }
    root.dataset.loaded = 'all';
  } catch (e) {
    root.dataset.state = root.dataset.state === 'ready' ? 'ready' : 'error';
    status.textContent = `The recording could not be loaded: ${e.message}`;
    status.setAttribute('role', 'alert');
  }
}

/** Stops and removes the player mounted in `root` (the page is left). */
export function unmount(root) {
  root?._slDestroy?.();
}
