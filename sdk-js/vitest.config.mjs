import { defineConfig } from 'vitest/config';
import { replayWorkerSource } from './scripts/replayWorker.mjs';

// Unit tests only; e2e/ runs under node's test runner against real servers.
// `sightline:replay-worker` resolves to the built worker code, as in scripts/build.mjs.
const replayWorker = {
  name: 'sightline-replay-worker',
  resolveId: (id) => (id === 'sightline:replay-worker' ? '\0sightline-replay-worker' : undefined),
  load: async (id) => (id === '\0sightline-replay-worker' ? `export default ${JSON.stringify(await replayWorkerSource())};` : undefined),
};

export default defineConfig({ plugins: [replayWorker], test: { include: ['test/**/*.test.ts'], environment: 'node' } });
