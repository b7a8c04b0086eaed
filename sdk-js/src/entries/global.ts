// The script-tag build of everything: `window.Sightline`. A plain object
// literal rather than esbuild's `globalName` namespace, whose getter
// boilerplate costs a few hundred bytes.
import { addBreadcrumb } from '../sdk/addBreadcrumb';
import { captureException } from '../sdk/captureException';
import { captureFeedback } from '../sdk/captureFeedback';
import { captureMessage } from '../sdk/captureMessage';
import { flush } from '../sdk/flush';
import { init } from '../sdk/init';
import { close } from '../sdk/initWith';
import { setContext, setTag, setTags, setUser } from '../sdk/scope';

(globalThis as Record<string, unknown>).Sightline = { init, close, captureException, captureMessage, captureFeedback, setUser, setTag, setTags, setContext, addBreadcrumb, flush };
