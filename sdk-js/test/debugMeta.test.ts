import { afterEach, expect, test } from 'vitest';
import { debugMeta } from '../src/event/debugMeta';

const g = globalThis as { _sentryDebugIds?: Record<string, string> };
afterEach(() => {
  delete g._sentryDebugIds;
});

const event = (...files: string[]) => ({
  exception: { values: [{ type: 'Error', value: 'x', stacktrace: { frames: files.map((filename) => ({ filename, lineno: 1, colno: 2 })) } }] },
});

test('files on the stack with an injected debug ID are listed once each', () => {
  // What sentry-cli's snippet stores: the stack taken at the top of each bundle.
  g._sentryDebugIds = {
    'Error\n    at https://shop.example/static/app.1a2b.js:1:95': '4e43aaaa-ce5e-4679-aadb-9a18e48fa6bd',
    'Error\n    at https://shop.example/static/vendor.js:1:95': 'd87f7470-b8be-4d93-acae-218b367d5de3',
  };
  const meta = debugMeta(event('https://shop.example/static/app.1a2b.js', 'https://shop.example/static/app.1a2b.js', 'https://other.example/x.js'));
  expect(meta).toEqual({
    images: [{ type: 'sourcemap', code_file: 'https://shop.example/static/app.1a2b.js', debug_id: '4e43aaaa-ce5e-4679-aadb-9a18e48fa6bd' }],
  });
});

test('without injected debug IDs nothing is added', () => {
  expect(debugMeta(event('https://shop.example/app.js'))).toBeUndefined();
});
