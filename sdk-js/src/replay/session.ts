// The replay session: one replay id spanning the page loads of a visit, kept
// in sessionStorage as @sentry/browser keeps its replay session, so a
// multi-page site gives one replay rather than one per page. A session ends
// after `idleMs` without user activity or `maxMs` after it began.

/** What is kept between page loads. */
export interface ReplaySession {
  id: string;
  /** Epoch ms. */
  started: number;
  lastActivity: number;
  /** The next segment's id. */
  segmentId: number;
  type: 'session' | 'buffer';
}

const KEY = 'sightline.replay';

/** Returns true while the session may go on at `now`. */
export function isLive(s: ReplaySession, now: number, idleMs: number, maxMs: number): boolean {
  return now - s.lastActivity < idleMs && now - s.started < maxMs;
}

/** Reads the stored session when it is still live. */
export function loadSession(now: number, idleMs: number, maxMs: number): ReplaySession | undefined {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) || 'null') as ReplaySession | null;
    if (s && /^[0-9a-f]{32}$/.test(s.id) && typeof s.segmentId === 'number' && isLive(s, now, idleMs, maxMs)) return s;
  } catch {
    // No storage (sandboxed iframe, privacy mode) or junk in it: a new session.
  }
  return undefined;
}

/** Stores the session (or, with undefined, forgets it). */
export function saveSession(s: ReplaySession | undefined): void {
  try {
    if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
    else sessionStorage.removeItem(KEY);
  } catch {
    // The replay goes on for this page only.
  }
}
