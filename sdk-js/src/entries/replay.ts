// The script-tag add-on for session replay: load `sightline.replay.min.js`
// after `sightline.min.js` (and `Sightline.init`), then call
// `Sightline.startReplay()`. Kept out of the main file, whose size budget
// holds for pages that do not record; it finds the main file's client
// through the global carrier (src/sdk/client.ts), so the page keeps one.
import { getReplayId, startReplay, stopReplay } from '../replay/recorder';

const g = globalThis as { Sightline?: Record<string, unknown> };
g.Sightline = { ...g.Sightline, startReplay, stopReplay, getReplayId };
