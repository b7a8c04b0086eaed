import { defineConfig } from 'vitest/config';

// Unit tests only; e2e/ runs under node's test runner against real servers.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], environment: 'node' } });
