// An esbuild plugin that resolves `sightline:replay-worker` to the replay
// compression worker's code (src/replay/worker.ts with fflate, bundled and
// minified) as a string, which src/replay/compress.ts starts from a Blob: the
// worker ships inside the replay chunk, with no file of its own to serve.
import { build } from 'esbuild';

let source;

/** Returns the worker's bundled code (built once per process). */
export async function replayWorkerSource() {
  source ||= build({
    entryPoints: [new URL('../src/replay/worker.ts', import.meta.url).pathname],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    write: false,
    logLevel: 'warning',
  }).then((r) => r.outputFiles[0].text);
  return source;
}

/** The plugin. */
export const replayWorkerPlugin = {
  name: 'sightline-replay-worker',
  setup(b) {
    b.onResolve({ filter: /^sightline:replay-worker$/ }, (args) => ({ path: args.path, namespace: 'sightline-replay-worker' }));
    b.onLoad({ filter: /.*/, namespace: 'sightline-replay-worker' }, async () => ({
      contents: `export default ${JSON.stringify(await replayWorkerSource())};`,
      loader: 'js',
    }));
  },
};
