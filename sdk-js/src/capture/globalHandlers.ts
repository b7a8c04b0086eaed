import { exceptionFrom } from '../event/eventFromError';
import { captureEvent } from '../sdk/captureEvent';
import type { Client } from '../sdk/client';
import { listen } from '../sdk/listen';

const RESOURCE_TAGS = /^(IMG|SCRIPT|LINK|AUDIO|VIDEO|SOURCE|IFRAME)$/;

/**
 * Reports uncaught errors, unhandled promise rejections and failed resource
 * loads. One capture-phase `error` listener on window sees both: resource
 * errors do not bubble, but they do pass window in the capture phase.
 */
export function globalHandlers(client: Client): void {
  listen<ErrorEvent>(client, window, 'error', (ev) => {
    const target = ev.target as Element | null;
    if (target && target !== (window as unknown) && (target as Element).tagName) {
      resourceError(target);
    } else if (ev.error != null) {
      captureEvent({ exception: { values: [exceptionFrom(ev.error, 'onerror', false)] } }, { originalException: ev.error });
    } else {
      // Cross-origin scripts without CORS only give "Script error." and no stack.
      const ex = exceptionFrom(new Error(ev.message || 'Unknown error'), 'onerror', false);
      ex.stacktrace = ev.filename ? { frames: [{ filename: ev.filename, abs_path: ev.filename, function: '?', lineno: ev.lineno, colno: ev.colno, in_app: true }] } : undefined;
      captureEvent({ exception: { values: [ex] } });
    }
  }, true);

  listen<PromiseRejectionEvent>(client, window, 'unhandledrejection', (ev) => {
    captureEvent({ exception: { values: [exceptionFrom(ev.reason, 'onunhandledrejection', false)] } }, { originalException: ev.reason });
  });
}

function resourceError(el: Element): void {
  if (!RESOURCE_TAGS.test(el.tagName)) return;
  const kind = el.tagName.toLowerCase();
  const e = el as HTMLImageElement & HTMLLinkElement;
  const url = e.currentSrc || e.src || e.href || '';
  const bare = url.split(/[?#]/)[0];
  captureEvent({
    exception: { values: [{ type: 'ResourceError', value: `Failed to load ${kind}: ${bare}`, mechanism: { type: 'sightline.resource', handled: true } }] },
    tags: { 'sightline.kind': 'resource_error', 'resource.type': kind, 'resource.url': bare.slice(0, 200) },
    // One issue per failing file, not one for every resource error of the site.
    fingerprint: ['sightline.resource', kind, bare],
  });
}
