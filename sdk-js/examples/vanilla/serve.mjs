#!/usr/bin/env node
// A tiny static server for the example (and the e2e tests): serves sdk-js/
// (so /dist/ and /examples/vanilla/ are reachable) and /config.js with the DSN.
//
//   SIGHTLINE_DSN=http://KEY@127.0.0.1:8000/1 npm run example   # then open http://127.0.0.1:5173/
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.map': 'application/json', '.css': 'text/css', '.png': 'image/png' };

/** Starts the server; resolves to { url, close() }. `port` 0 picks a free port. */
export function startStaticServer({ port = 0, host = '127.0.0.1', dsn = '', root = ROOT } = {}) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/') return send(res, 302, '', { location: '/examples/vanilla/' });
    if (path === '/config.js') return send(res, 200, `window.SIGHTLINE_DSN = ${JSON.stringify(dsn)};\n`, { 'content-type': TYPES['.js'] });
    let file = normalize(join(root, path));
    if (!file.startsWith(root) || file.includes('node_modules')) return send(res, 403, 'forbidden');
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
    } catch {
      // SPA routes of the example (/examples/vanilla/products/42) fall back to its page.
      if (path.startsWith('/examples/vanilla/') && !extname(path)) file = join(root, 'examples/vanilla/index.html');
    }
    try {
      const body = await readFile(file);
      send(res, 200, body, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
    } catch {
      send(res, 404, 'not found');
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const url = `http://${host}:${server.address().port}`;
      ok({ url, close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(() => done()); }) });
    });
  });
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, headers);
  res.end(body);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dsn = process.env.SIGHTLINE_DSN || '';
  if (!dsn) console.warn('SIGHTLINE_DSN is not set: the page will load but the SDK stays disabled.');
  const { url } = await startStaticServer({ port: Number(process.env.PORT || 5173), dsn });
  console.log(`example at ${url}/examples/vanilla/  (DSN: ${dsn || 'none'})`);
}
