// The compression worker's code (bundled on its own by scripts/build.mjs and
// inlined into the recorder as a string, so no extra file has to be served
// from the page's origin): zlib-deflates each segment's JSON off the main
// thread, as @sentry/browser's replay worker does. One message in, one out.
import { strToU8, zlibSync } from 'fflate';

/** A request: the segment's JSON text and the id to answer with. */
export interface CompressRequest {
  id: number;
  text: string;
}

const scope = self as unknown as { onmessage: ((e: MessageEvent<CompressRequest>) => void) | null; postMessage: (m: unknown, t?: Transferable[]) => void };
scope.onmessage = (e) => {
  const { id, text } = e.data;
  try {
    const data = zlibSync(strToU8(text), { level: 6 });
    scope.postMessage({ id, data }, [data.buffer]);
  } catch (err) {
    scope.postMessage({ id, error: String(err) });
  }
};
