// `@sightline/browser/replay`: session replay, an entry of its own so that
// pages without it do not download rrweb. Load it after `init`, e.g.
// `import('@sightline/browser/replay').then((r) => r.startReplay())`.
export { startReplay, stopReplay, getReplayId } from './replay/recorder';
export type { ReplayOptions } from './replay/recorder';
export type { PrivacyOptions } from './replay/privacy';
