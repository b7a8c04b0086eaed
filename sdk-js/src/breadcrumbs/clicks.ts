import type { Client } from '../sdk/client';
import { listen } from '../sdk/listen';

/** Records a `ui.click` breadcrumb for every click: a short CSS path and the element's text. */
export function clickBreadcrumbs(client: Client): void {
  listen<MouseEvent>(client, document, 'click', (ev) => {
    const el = ev.target as Element | null;
    if (!el || !el.tagName) return;
    const text = ((el as HTMLElement).innerText || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60);
    client.breadcrumbs.add({ category: 'ui.click', message: cssPath(el), data: text ? { text } : undefined });
  }, true);
}

/** Returns `div#app > button.buy` for the element and up to 4 ancestors. */
export function cssPath(el: Element): string {
  const parts: string[] = [];
  for (let cur: Element | null = el; cur && parts.length < 5 && cur.tagName !== 'HTML'; cur = cur.parentElement) {
    let part = cur.tagName.toLowerCase();
    if (cur.id) part += `#${cur.id}`;
    // getAttribute, not className: on SVG elements className is an object.
    const cls = (cur.getAttribute('class') || '').split(/\s+/).filter(Boolean).slice(0, 2);
    if (cls.length) part += `.${cls.join('.')}`;
    parts.unshift(part);
    if (cur.id) break;
  }
  return parts.join(' > ');
}
