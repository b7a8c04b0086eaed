import { captureEvent } from '../sdk/captureEvent';
import type { Client } from '../sdk/client';
import { supportsLongTasks } from './longTasks';

const WINDOW_MS = 5_000;
const PERIOD_MS = 30_000;
const LOW_FPS = 20;
const JANK_MS = 300;

/**
 * Samples frame timing with requestAnimationFrame for 5 s out of every 30 s
 * (a permanent rAF loop would cost the user battery): reports sustained low
 * FPS (the whole window under 20 fps while visible) and, where the Long Tasks
 * API is missing (Firefox, Safari), single frames stalled ≥ 300 ms. At most
 * one report of each kind per page view.
 */
export function frameSampler(client: Client): void {
  if (client.options.jank === false || typeof requestAnimationFrame !== 'function') return;
  const reportJank = !supportsLongTasks();
  let sentLowFps = false;
  let sentJank = false;
  let stopped = false;
  client.onRouteChange.push(() => (sentLowFps = sentJank = false));

  const sample = () => {
    if (stopped || document.visibilityState !== 'visible') return;
    const start = performance.now();
    let last = start;
    let frames = 0;
    let worst = 0;
    const tick = (t: number) => {
      if (stopped || document.visibilityState !== 'visible') return;
      frames++;
      worst = Math.max(worst, t - last);
      last = t;
      if (t - start < WINDOW_MS) return void requestAnimationFrame(tick);
      const fps = (frames * 1000) / (t - start);
      if (fps < LOW_FPS && !sentLowFps) {
        sentLowFps = true;
        send('low_fps', `Low frame rate: ${fps.toFixed(1)} fps over ${WINDOW_MS / 1000} s`, { fps: +fps.toFixed(1), worst_frame_ms: Math.round(worst) });
      }
      if (reportJank && worst >= JANK_MS && !sentJank) {
        sentJank = true;
        send('jank', `Jank: a frame took ${Math.round(worst)} ms`, { worst_frame_ms: Math.round(worst), fps: +fps.toFixed(1) });
      }
    };
    requestAnimationFrame(tick);
  };
  const send = (kind: string, message: string, data: Record<string, number>) =>
    captureEvent({ level: 'warning', message, tags: { 'sightline.kind': kind }, contexts: { frames: data }, fingerprint: [`sightline.${kind}`, location.pathname] });

  sample();
  const interval = setInterval(sample, PERIOD_MS);
  client.teardown.push(() => {
    stopped = true;
    clearInterval(interval);
  });
}
