import { parseStack } from '../stack/parseStack';
import { describe } from './describe';
import type { Exception } from '../types';

/**
 * Builds a Sentry exception from anything thrown or rejected. Non-errors
 * (strings, plain objects, `undefined`) still make a readable exception, as
 * `throw "oops"` and `Promise.reject({code: 1})` are common in the wild.
 */
export function exceptionFrom(thrown: unknown, mechanism: string, handled: boolean): Exception {
  const mech = { type: mechanism, handled };
  if (thrown instanceof Error || (thrown && typeof (thrown as Error).stack === 'string')) {
    const err = thrown as Error;
    const frames = parseStack(err.stack);
    const ex: Exception = { type: err.name || err.constructor?.name || 'Error', value: String(err.message ?? ''), mechanism: mech };
    if (frames.length) ex.stacktrace = { frames };
    return ex;
  }
  const what = mechanism === 'onunhandledrejection' ? 'promise rejection' : 'exception';
  return { type: 'Error', value: `Non-Error ${what} captured with value: ${describe(thrown)}`, mechanism: mech };
}
