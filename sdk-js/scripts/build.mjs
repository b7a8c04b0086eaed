// Builds dist/: ESM and CJS for bundlers (web-vitals stays an import there, so
// apps share one copy; the ESM build keeps the feedback form as its own chunk),
// minified IIFEs for a script tag (everything, errors only, and the feedback
// form add-on, the session replay add-on), and .d.ts declarations from tsc.
// Session replay (src/replay.ts, `@sightline/browser/replay`) is an entry of
// its own; rrweb stays an import for bundlers, and its compression worker is
// inlined as a string by replayWorkerPlugin.
import { build } from 'esbuild';
import { replayWorkerPlugin } from './replayWorker.mjs';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const common = { bundle: true, target: 'es2020', sourcemap: true, logLevel: 'warning', plugins: [replayWorkerPlugin] };
const external = ['web-vitals', '@rrweb/record'];
rmSync('dist', { recursive: true, force: true });
await Promise.all([
  // ESM is split at dynamic imports: the feedback form is a chunk bundlers fetch on demand.
  build({ ...common, entryPoints: ['src/index.ts', 'src/replay.ts'], format: 'esm', outdir: 'dist', splitting: true, outExtension: { '.js': '.mjs' }, chunkNames: 'chunks/[name]-[hash]', external }),
  build({ ...common, entryPoints: ['src/index.ts'], format: 'cjs', outfile: 'dist/index.cjs', external }),
  // The CJS subpath bundles its own copy of the small shared modules; the client is shared through the global carrier.
  build({ ...common, entryPoints: ['src/replay.ts'], format: 'cjs', outfile: 'dist/replay.cjs', external }),
  build({ ...common, entryPoints: ['src/entries/replay.ts'], format: 'iife', minify: true, outfile: 'dist/sightline.replay.min.js' }),
  build({ ...common, entryPoints: ['src/entries/feedback.ts'], format: 'iife', minify: true, outfile: 'dist/sightline.feedback.min.js' }),
  build({ ...common, entryPoints: ['src/entries/global.ts'], format: 'iife', minify: true, outfile: 'dist/sightline.min.js' }),
  build({ ...common, entryPoints: ['src/entries/errors.ts'], format: 'iife', minify: true, outfile: 'dist/sightline.errors.min.js' }),
]);
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
console.log('built dist/');
