// Builds dist/: ESM and CJS for bundlers (web-vitals stays an import there, so
// apps share one copy), minified IIFEs for a script tag (everything, and
// errors only), and .d.ts declarations from tsc.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const common = { bundle: true, target: 'es2020', sourcemap: true, logLevel: 'warning' };
rmSync('dist', { recursive: true, force: true });
await Promise.all([
  build({ ...common, entryPoints: ['src/index.ts'], format: 'esm', outfile: 'dist/index.mjs', external: ['web-vitals'] }),
  build({ ...common, entryPoints: ['src/index.ts'], format: 'cjs', outfile: 'dist/index.cjs', external: ['web-vitals'] }),
  build({ ...common, entryPoints: ['src/entries/global.ts'], format: 'iife', minify: true, outfile: 'dist/sightline.min.js' }),
  build({ ...common, entryPoints: ['src/entries/errors.ts'], format: 'iife', minify: true, outfile: 'dist/sightline.errors.min.js' }),
]);
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
console.log('built dist/');
