// The errors-only script-tag build: the same `window.Sightline` API, with
// `init` = initErrorsOnly (no Web Vitals, white-screen or jank code).
import { addBreadcrumb } from '../sdk/addBreadcrumb';
import { captureException } from '../sdk/captureException';
import { captureMessage } from '../sdk/captureMessage';
import { flush } from '../sdk/flush';
import { initErrorsOnly } from '../sdk/initErrorsOnly';
import { close } from '../sdk/initWith';
import { setContext, setTag, setTags, setUser } from '../sdk/scope';

(globalThis as Record<string, unknown>).Sightline = { init: initErrorsOnly, close, captureException, captureMessage, setUser, setTag, setTags, setContext, addBreadcrumb, flush };
