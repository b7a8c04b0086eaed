// What the recording may contain. Private by default, as @sentry/browser's
// replayIntegration: every text node and input value is replaced by `*`
// (keeping its length, so the layout replays), media are blocked (a
// placeholder box of the same size), and the attributes that carry words
// (`title`, `placeholder`, `alt`, `aria-label`, a button's `value`) are
// masked too. The page opts elements back in by selector.

/** Privacy options of `startReplay`. */
export interface PrivacyOptions {
  /** Mask every text node (default true). False masks only `mask` selectors and `.sl-mask`. */
  maskAllText?: boolean;
  /** Mask every input, select and textarea value (default true). Passwords are always masked. */
  maskAllInputs?: boolean;
  /** Replace img, video, audio, canvas, svg, picture, embed and object by placeholders (default true). */
  blockAllMedia?: boolean;
  /** Extra selectors whose text and values are masked. */
  mask?: string[];
  /** Selectors whose text and input values are recorded as they are (e.g. `.public`, `nav`). */
  unmask?: string[];
  /** Extra selectors of elements left out (a placeholder box is recorded). */
  block?: string[];
  /** Selectors of media that are recorded even with `blockAllMedia`. */
  unblock?: string[];
}

const MEDIA = ['img', 'image', 'svg', 'video', 'audio', 'canvas', 'picture', 'embed', 'object', 'map'];
/** Attributes whose values are words a visitor reads. */
export const MASKED_ATTRIBUTES = ['title', 'placeholder', 'alt', 'aria-label', 'aria-description', 'label'];

/** Replaces every non-space character with `*`: the text's shape without its content. */
export function maskText(text: string): string {
  return text.replace(/\S/g, '*');
}

/** Returns true when `el` or an ancestor matches one of `selectors` (invalid selectors never match). */
export function matchesAnySelector(el: Element | null | undefined, selectors: string[] | undefined): boolean {
  if (!el || !selectors || !selectors.length || typeof el.closest !== 'function') return false;
  try {
    return !!el.closest(selectors.join(','));
  } catch {
    return false;
  }
}

/** The rrweb `record()` options implementing these privacy options. */
export function rrwebPrivacy(o: PrivacyOptions) {
  const unmask = o.unmask || [];
  const mediaSelectors = o.blockAllMedia === false ? [] : MEDIA.map((t) => (o.unblock?.length ? `${t}:not(${o.unblock.join(',')})` : t));
  const block = [...mediaSelectors, ...(o.block || []), '.sl-block'];
  const mask = [...(o.mask || []), '.sl-mask'];
  return {
    // rrweb masks a text node when its parent matches; '*' matches every element.
    maskTextSelector: o.maskAllText === false ? mask.join(',') : '*',
    maskAllInputs: o.maskAllInputs !== false,
    blockSelector: block.join(','),
    // Called only for text rrweb decided to mask: `unmask` selectors win back their text.
    maskTextFn: (text: string, el: HTMLElement | null) => (matchesAnySelector(el, unmask) ? text : maskText(text)),
    // Called only for values rrweb decided to mask.
    maskInputFn: (text: string, el: HTMLElement) =>
      (el as HTMLInputElement | null)?.type !== 'password' && matchesAnySelector(el, unmask) ? text : '*'.repeat(text.length),
  };
}

/**
 * Masks the word-carrying attributes of a recorded node, in place, unless an
 * `unmask` selector covers it. rrweb has no hook for attributes, so the
 * recorder applies this to full snapshots and attribute mutations.
 */
export function maskAttributes(attrs: Record<string, unknown> | undefined, tag: string | undefined, o: PrivacyOptions, el?: Element | null): void {
  if (!attrs || matchesAnySelector(el, o.unmask)) return;
  for (const name of MASKED_ATTRIBUTES) {
    if (typeof attrs[name] === 'string') attrs[name] = maskText(attrs[name] as string);
  }
  // A button's or a submit input's value is its caption.
  if (o.maskAllInputs !== false && typeof attrs.value === 'string' && (tag === 'button' || tag === 'input' || tag === 'option')) {
    attrs.value = '*'.repeat((attrs.value as string).length);
  }
}
