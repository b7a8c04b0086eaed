import type { StackFrame } from '../types';

const MAX_FRAMES = 100;
/** Files that are not the site's own code: dependencies, extensions, the engine. */
const NOT_IN_APP = /(^|\/)node_modules\/|^(chrome|moz|safari(-web)?|ms-browser)-extension:|^\[native code\]$|^<anonymous>$|^native$/;

/**
 * Parses an `Error.stack` string from Chrome/Edge (V8: `    at fn (file:1:2)`),
 * Firefox (`fn@file:1:2`) or Safari (`fn@file:1:2`, `global code@…`,
 * `[native code]`) into Sentry frames, outermost first as Sentry expects.
 * Lines that are not frames (V8's leading `Error: message`) are skipped.
 */
export function parseStack(stack: string | undefined): StackFrame[] {
  if (!stack || typeof stack !== 'string') return [];
  const frames: StackFrame[] = [];
  for (const raw of stack.split('\n')) {
    const line = raw.trim();
    const frame = /^at /.test(line) ? parseV8(line.slice(3)) : parseGecko(line);
    if (frame) frames.push(frame);
    if (frames.length >= MAX_FRAMES) break;
  }
  return frames.reverse();
}

/** `fn (location)`, `location`, `async fn (location)`, `fn (eval at g (file:1:2), <anonymous>:3:4)`. */
function parseV8(rest: string): StackFrame | undefined {
  let fn: string | undefined;
  let location = rest;
  const open = rest.indexOf(' (');
  if (rest.endsWith(')') && open > 0) {
    fn = rest.slice(0, open).replace(/^async /, '');
    location = rest.slice(open + 2, -1);
  } else if (rest.startsWith('async ')) {
    location = rest.slice(6);
  }
  // eval'd code: report the script that called eval, which is what a developer can open.
  // `at async Promise.all (index 0)`: a combinator's slot, not a place in code.
  if (/^index \d+$/.test(location)) return undefined;
  const evalAt = /^eval at [^(]*\((.+?:\d+:\d+)\)/.exec(location);
  if (evalAt) location = evalAt[1];
  return frameAt(fn, location);
}

/** `fn@location`, `@location`, `global code@location`, `fn@file line 2 > eval:1:3`, `[native code]`. */
function parseGecko(line: string): StackFrame | undefined {
  const at = line.indexOf('@');
  if (at < 0) {
    // Safari writes anonymous frames as a bare location.
    if (line === '[native code]') return { function: '?', filename: line, in_app: false };
    return /^[a-z][\w+.-]*:\/\/.+:\d+(:\d+)?$/i.test(line) ? frameAt(undefined, line) : undefined;
  }
  const fn = line.slice(0, at);
  let location = line.slice(at + 1);
  const evalIn = /^(.*?) line (\d+) > (?:eval|Function)/.exec(location);
  if (evalIn) location = `${evalIn[1]}:${evalIn[2]}`;
  if (!location) return undefined;
  return frameAt(fn === 'global code' ? undefined : fn, location);
}

function frameAt(fn: string | undefined, location: string): StackFrame {
  const m = /^(.*?):(\d+)(?::(\d+))?$/.exec(location);
  const filename = m ? m[1] : location;
  const frame: StackFrame = {
    filename,
    abs_path: filename,
    function: fn || '?',
    in_app: !NOT_IN_APP.test(filename),
  };
  if (m) {
    frame.lineno = +m[2];
    if (m[3]) frame.colno = +m[3];
  }
  return frame;
}
