// A steady stream of envelopes for scripts/test-docker.sh, loopback only:
//   node web/e2e-docker/load.mjs send DSN RATE SECONDS TAG OUT.json
//     sends RATE error events per second for SECONDS (each with its own event_id,
//     all with the exception value `load TAG`, so they form one issue), at most
//     200 in flight; writes {sent, acked: [event ids], refused: {status: n}, errors}.
//   node web/e2e-docker/load.mjs verify OUT.json STORED.tsv [KILLED_AT_MS]
//     STORED.tsv: `event_id<TAB>count` rows from ClickHouse. Fails unless every
//     acknowledged event is stored exactly once and no request was refused.
//     With KILLED_AT_MS (epoch ms of a `kill -9` of the server): refusals and
//     network errors while it restarts are counted, not failed (nothing was
//     acknowledged by them); every acknowledged event must still be stored
//     exactly once, those acknowledged just before the kill included: the
//     server answers 200 only after the rows are synced to its write-ahead
//     log, which the restarted process replays.
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseDsn } from '../e2e/harness.mjs';

const [mode, ...args] = process.argv.slice(2);
if (mode === 'send') {
  const [dsn, rate, seconds, tag, out] = args;
  const { url } = parseDsn(dsn);
  const total = Math.round(Number(rate) * Number(seconds));
  const acked = [];
  const ackedAt = [];
  const refused = {};
  let errors = 0;
  let inFlight = 0;
  const pending = [];
  const start = Date.now();
  for (let n = 0; n < total; n++) {
    const due = start + (n * 1000) / Number(rate);
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inFlight >= 200) await new Promise((r) => setTimeout(r, 5));
    const id = randomUUID().replace(/-/g, '');
    const event = {
      event_id: id, timestamp: Date.now() / 1000, platform: 'javascript', level: 'error',
      exception: { values: [{ type: 'Error', value: `load ${tag}`, stacktrace: { frames: [{ filename: 'https://shop.example.com/app.js', function: 'tick', lineno: 1, colno: 1, in_app: true }] } }] },
    };
    const body = `${JSON.stringify({ event_id: id, dsn })}\n${JSON.stringify({ type: 'event' })}\n${JSON.stringify(event)}\n`;
    inFlight++;
    pending.push(fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(60_000) })
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.status === 200) { acked.push(id); ackedAt.push(Date.now()); }
        else refused[res.status] = (refused[res.status] ?? 0) + 1;
      })
      .catch(() => { errors++; })
      .finally(() => { inFlight--; }));
  }
  await Promise.all(pending);
  writeFileSync(out, JSON.stringify({ sent: total, acked, ackedAt, refused, errors, seconds: (Date.now() - start) / 1000 }));
  console.log(`load ${tag}: sent ${total}, acknowledged ${acked.length}, refused ${JSON.stringify(refused)}, network errors ${errors}, ${((Date.now() - start) / 1000).toFixed(1)} s`);
} else if (mode === 'verify') {
  const [out, stored, killedAt] = args;
  const summary = JSON.parse(readFileSync(out, 'utf8'));
  const counts = new Map(readFileSync(stored, 'utf8').split('\n').filter(Boolean).map((l) => {
    const [id, c] = l.split('\t');
    return [id.replace(/-/g, ''), Number(c)];
  }));
  const missing = summary.acked.filter((id) => !counts.has(id));
  const dup = [...counts].filter(([, c]) => c !== 1);
  const problems = [];
  if (!killedAt && (Object.keys(summary.refused).length || summary.errors)) problems.push(`refused ${JSON.stringify(summary.refused)}, network errors ${summary.errors}`);
  if (missing.length) problems.push(`${missing.length} acknowledged events not stored (e.g. ${missing.slice(0, 3).join(', ')})`);
  if (dup.length) problems.push(`${dup.length} events stored more than once (e.g. ${dup.slice(0, 3).map(([i, c]) => `${i}×${c}`).join(', ')})`);
  if (problems.length) { console.error(problems.join('; ')); process.exit(1); }
  if (killedAt) {
    console.log(`kill -9: all ${summary.acked.length} acknowledged events stored exactly once; refused ${JSON.stringify(summary.refused)}, network errors ${summary.errors}`);
  } else {
    console.log(`all ${summary.acked.length} acknowledged events stored exactly once; none refused`);
  }
} else {
  console.error('usage: load.mjs send|verify …');
  process.exit(2);
}
