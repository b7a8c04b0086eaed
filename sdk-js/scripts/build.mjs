// Builds dist/: ESM and CJS for bundlers (web-vitals stays an import there, so
// apps share one copy; the ESM build keeps the feedback form as its own chunk),
// minified IIFEs for a script tag (everything, errors only, and the feedback
// form add-on), and .d.ts declarations from tsc.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const common = { bundle: true, target: 'es2020', sourcemap: true, logLevel: 'warning' };
rmSync('dist', { recursive: true, force: true });
await Promise.all([
  // ESM is split at dynamic imports: the feedback form is a chunk bundlers fetch on demand.
  build({ ...common, entryPoints: ['src/index.ts'], format: 'esm', outdir: 'dist', splitting: true, outExtension: { '.js': '.mjs' }, chunkNames: 'chunks/[name]-[hash]', external: ['web-vitals'] }),
  build({ ...common, entryPoints: ['src/index.ts'], format: 'cjs', outfile: 'dist/index.cjs', external: ['web-vitals'] }),
  build({ ...common, entryPoints: ['src/entries/feedback.ts'], format: 'iife', minify: true, outfile: 'dist/sightline.feedback.min.js' }),
  build({ ...common, entryPoints: ['src/entries/global.ts'], format: 'iife', minify: true, outfile: 'dist/sightline.min.js' }),
  build({ ...common, entryPoints: ['src/entries/errors.ts'], format: 'iife', minify: true, outfile: 'dist/sightline.errors.min.js' }),
]);
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
console.log('built dist/');
