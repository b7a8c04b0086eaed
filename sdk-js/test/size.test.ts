import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { expect, test } from 'vitest';

// The size budget of issue 5 (bench/BENCHMARKS.md has the full table):
// a change that blows it fails here, not in a later benchmark run.
async function gzipped(entry: string): Promise<number> {
  const r = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'iife', target: 'es2020', write: false, logLevel: 'error' });
  return gzipSync(r.outputFiles[0].contents, { level: 9 }).length;
}

test('the errors-only script-tag build stays within 6 KB min+gzip', async () => {
  expect(await gzipped('src/entries/errors.ts')).toBeLessThanOrEqual(6 * 1024);
});

test('the full script-tag build, web-vitals included, stays within 10 KB min+gzip', async () => {
  expect(await gzipped('src/entries/global.ts')).toBeLessThanOrEqual(10 * 1024);
});
