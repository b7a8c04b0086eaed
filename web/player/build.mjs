// Builds the replay player (player.mjs with rrweb and rrweb's CSS) into one
// minified ES module: `node player/build.mjs OUT_FILE`. scripts/build-web.sh
// puts it at /replay-player.js, which only the replay page imports.
import { build } from 'esbuild';

const out = process.argv[2];
if (!out) throw new Error('usage: node player/build.mjs OUT_FILE');
await build({
  entryPoints: [new URL('./player.mjs', import.meta.url).pathname],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  outfile: out,
  loader: { '.css': 'text' },
  logLevel: 'warning',
});
