// The feedback form: a small dialog in a shadow root (the page's CSS cannot
// reach it, and its CSS cannot leak into the page) that sends what the
// visitor wrote with captureFeedback. Loaded on demand (showFeedbackWidget),
// so pages that never open it do not pay for it.
import type { FeedbackParams } from '../sdk/captureFeedback';

/** Texts and defaults of the form. */
export interface WidgetOptions {
  title?: string;
  messagePlaceholder?: string;
  submitLabel?: string;
  cancelLabel?: string;
  name?: string;
  email?: string;
  /** The error event the feedback is about. */
  associatedEventId?: string;
}

const CSS =
  ':host{all:initial}form{position:fixed;right:16px;bottom:16px;z-index:2147483647;width:320px;max-width:calc(100vw - 32px);' +
  'background:#fff;color:#1d2330;font:14px/1.4 system-ui,sans-serif;border:1px solid #dde1e8;border-radius:8px;' +
  'box-shadow:0 8px 24px rgba(0,0,0,.18);padding:16px;display:grid;gap:8px}h2{margin:0;font-size:16px}' +
  'input,textarea{font:inherit;padding:6px 8px;border:1px solid #c5cad3;border-radius:6px}textarea{min-height:96px}' +
  '.row{display:flex;gap:8px;justify-content:flex-end}button{font:inherit;padding:6px 12px;border-radius:6px;border:1px solid #c5cad3;background:#fff;cursor:pointer}' +
  'button[type=submit]{background:#3b4fd8;border-color:#3b4fd8;color:#fff}';

/**
 * Opens the form; `send` is the SDK's captureFeedback (passed in, so the
 * script-tag add-on uses the page's one client). Resolves with the feedback
 * id once sent, or undefined when the visitor cancels. One form at a time.
 */
export function openWidget(
  options: WidgetOptions = {},
  send: (p: FeedbackParams) => string | undefined,
): Promise<string | undefined> {
  document.getElementById('sightline-feedback')?.remove();
  const host = document.createElement('div');
  host.id = 'sightline-feedback';
  const root = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = CSS;
  const form = document.createElement('form');
  form.setAttribute('aria-label', options.title || 'Send feedback');
  const field = (tag: 'input' | 'textarea', name: string, label: string, value = '') => {
    const el = document.createElement(tag);
    el.name = name;
    el.setAttribute('aria-label', label);
    el.placeholder = label;
    el.value = value;
    form.append(el);
    return el;
  };
  const h = document.createElement('h2');
  h.textContent = options.title || 'Send feedback';
  form.append(h);
  const name = field('input', 'name', 'Name', options.name);
  const email = field('input', 'email', 'E-mail', options.email);
  const message = field('textarea', 'message', options.messagePlaceholder || 'What happened?');
  message.required = true;
  const row = document.createElement('div');
  row.className = 'row';
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.textContent = options.cancelLabel || 'Cancel';
  const submit = document.createElement('button');
  submit.type = 'submit';
  submit.textContent = options.submitLabel || 'Send';
  row.append(cancel, submit);
  form.append(row);
  root.append(style, form);
  document.body.append(host);
  message.focus();
  return new Promise((resolve) => {
    cancel.onclick = () => (host.remove(), resolve(undefined));
    form.onsubmit = (e) => {
      e.preventDefault();
      const id = send({
        message: message.value,
        name: name.value || undefined,
        email: email.value || undefined,
        source: 'widget',
        associatedEventId: options.associatedEventId,
      });
      if (!id) return;
      host.remove();
      resolve(id);
    };
  });
}
