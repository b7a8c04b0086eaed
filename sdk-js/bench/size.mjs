#!/usr/bin/env node
// Bundle-size benchmark: min+gzip size of script-tag (IIFE) bundles of this
// SDK and of @sentry/browser, all built by the same esbuild call (bundle,
// minify, IIFE, es2020) and gzipped at level 9. Prints a Markdown table.
//
//   npm run size            (from sdk-js/, after npm ci)
import { build, version as esbuildVersion } from 'esbuild';
import { replayWorkerPlugin } from '../scripts/replayWorker.mjs';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const pkg = (name) => JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url))).version;

const CASES = [
  ['Sightline, errors only (`sightline.errors.min.js`)', { entryPoints: ['src/entries/errors.ts'] }],
  ['Sightline, everything incl. web-vitals (`sightline.min.js`)', { entryPoints: ['src/entries/global.ts'] }],
  ['Sightline feedback form add-on (`sightline.feedback.min.js`)', { entryPoints: ['src/entries/feedback.ts'] }],
  [`@sentry/browser ${pkg('@sentry/browser')}, errors only`, { stdin: "import { init, captureException } from '@sentry/browser'; window.Sentry = { init, captureException };" }],
  [`@sentry/browser ${pkg('@sentry/browser')} + browserTracingIntegration`, { stdin: "import { init, captureException, browserTracingIntegration } from '@sentry/browser'; window.Sentry = { init, captureException, browserTracingIntegration };" }],
  [`Sightline session replay add-on (\`sightline.replay.min.js\`: @rrweb/record ${pkg('@rrweb/record')} + fflate worker)`, { entryPoints: ['src/entries/replay.ts'] }],
  [`@sentry/browser ${pkg('@sentry/browser')} errors + replayIntegration`, { stdin: "import { init, captureException, replayIntegration } from '@sentry/browser'; window.Sentry = { init, captureException, replayIntegration };" }],
  [`web-vitals ${pkg('web-vitals')} alone (all five metrics)`, { stdin: "import { onLCP, onINP, onCLS, onFCP, onTTFB } from 'web-vitals'; window.wv = { onLCP, onINP, onCLS, onFCP, onTTFB };" }],
];

async function size({ entryPoints, stdin }) {
  const result = await build({
    ...(stdin ? { stdin: { contents: stdin, resolveDir: process.cwd(), loader: 'js' } } : { entryPoints }),
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    write: false,
    logLevel: 'error',
    plugins: [replayWorkerPlugin],
  });
  const code = result.outputFiles[0].contents;
  return { min: code.length, gz: gzipSync(code, { level: 9 }).length };
}

const kb = (n) => (n / 1024).toFixed(1);
const sizes = {};
console.log(`esbuild ${esbuildVersion}, IIFE, minified, gzip -9; KB = 1024 bytes\n`);
console.log('| bundle | minified | min+gzip |');
console.log('| --- | ---: | ---: |');
for (const [name, input] of CASES) {
  const s = await size(input);
  console.log(`| ${name} | ${kb(s.min)} KB | **${kb(s.gz)} KB** (${s.gz} B) |`);
  sizes[name] = s;
}
// Sentry's replay as what it adds to its errors-only bundle (the add-on rows above stand alone).
const names = Object.keys(sizes);
const sentryErrors = sizes[names.find((n) => n.endsWith(', errors only'))];
const sentryReplay = sizes[names.find((n) => n.endsWith('+ replayIntegration'))];
console.log(`\n@sentry/browser's replayIntegration adds ${kb(sentryReplay.gz - sentryErrors.gz)} KB min+gzip to its errors-only bundle.`);
