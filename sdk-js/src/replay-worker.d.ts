// The compression worker's bundled code, injected by scripts/build.mjs (an
// esbuild plugin) and by vitest.config.mjs.
declare module 'sightline:replay-worker' {
  const source: string;
  export default source;
}
