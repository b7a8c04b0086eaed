// Searches every text column of every table of a test's ClickHouse database
// for strings that must not be there (a typed password, the page's text),
// looking inside compressed values too: each value is read as hex (so binary
// survives JSON), and a value that inflates as zlib or gzip is searched
// inflated. Used by the session replay e2e tests (privacy by default).
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

/** Returns the value's readable forms: itself, and inflated when it is zlib/gzip/raw deflate. */
function readable(buf) {
  const out = [buf.toString('latin1')];
  for (const inflate of [inflateSync, gunzipSync, inflateRawSync]) {
    try {
      out.push(inflate(buf).toString('utf8'));
    } catch {
      // Not this format.
    }
  }
  // A stored recording may keep the SDK's `{"segment_id":N}\n` line before the compressed body.
  const nl = buf.indexOf(10);
  if (nl > 0 && nl < 64) {
    try {
      out.push(inflateSync(buf.subarray(nl + 1)).toString('utf8'));
    } catch {
      // Not a header + zlib body.
    }
  }
  return out;
}

/**
 * Returns `[{table, column, needle}]` for every needle found. `ch(sql)` runs a
 * SELECT on the database and returns rows (the e2e harness's `ch`).
 */
export async function grepClickHouse(ch, needles) {
  const columns = await ch(
    "SELECT table, name, type FROM system.columns WHERE database = currentDatabase() AND (type LIKE '%String%') ORDER BY table, name",
  );
  const found = [];
  let searched = 0;
  for (const { table, name, type } of columns) {
    const expr = type.startsWith('Array(') ? `arrayStringConcat(\`${name}\`, '\\n')` : `toString(\`${name}\`)`;
    const rows = await ch(`SELECT hex(${expr}) AS h FROM \`${table}\``);
    for (const { h } of rows) {
      searched++;
      const texts = readable(Buffer.from(h, 'hex'));
      for (const needle of needles) {
        if (texts.some((t) => t.includes(needle))) found.push({ table, column: name, needle });
      }
    }
  }
  return { found, searched, columns: columns.length };
}
