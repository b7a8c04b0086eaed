#!/usr/bin/env python3
"""scripts/check_clickhouse_modern.py — does our ClickHouse SQL run on modern ClickHouse?

Sightline's ClickHouse SQL must run on ClickHouse 18.16 (Debian's server, used
by the Rust integration tests) AND on current ClickHouse (production image).
The Rust tests only exercise 18.16; this script runs the same SQL through chdb
(ClickHouse 26.x in-process, PyPI package `chdb-core`) and, when
--clickhouse-url is given, through that real server too, so both engines run
identical statements:

  * every schema version listed in MIGRATIONS of
    server/src/store/clickhouse.rs (clickhouse_schema.sql, then
    clickhouse_rollups.sql, ...), split exactly like `migrate()` does, in a
    fresh database, twice (it must be idempotent);
  * the statements clickhouse.rs itself runs (ping, CREATE DATABASE,
    schema_migrations DDL/insert/select) — kept in RUST_STATEMENTS below; a
    static check fails when that list and the string literals passed to
    `.query(...)` in clickhouse.rs drift apart;
  * a data round-trip: JSONEachRow inserts into events/transactions (all
    columns, Nullable and Array included), the rollups their materialized
    views fill, typical dashboard queries with expected results, and
    retention via ALTER TABLE ... DROP PARTITION;
  * with --replay-query-log: every distinct SELECT the test suite ran on the
    18.16 test server (its system.query_log, which scripts/test.sh turns on),
    replayed on chdb against that schema and data. So every query the server
    builds (issue list, performance, tags, ...) is known to run on both.

Output: one line per check (`ok   NAME` / `FAIL NAME: ERROR`) and, as the last
line, `N passed, M failed`. Exit status 1 if any check failed.

    python3 scripts/check_clickhouse_modern.py [--clickhouse-url http://127.0.0.1:18123]
                                               [--replay-query-log]

Needs Python 3.11 and chdb (`pip install chdb-core`); nothing else.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLICKHOUSE_RS = ROOT / "server/src/store/clickhouse.rs"

# Every SQL string literal that clickhouse.rs passes to `.query(...)` (whitespace
# normalised; `{database}` is the format! placeholder), mapped to the statement
# this script runs for it (placeholders/`?` bindings filled in as the server
# does). Keep in step with clickhouse.rs: the "rust statements" check fails
# when a literal is added, changed or removed there.
RUST_STATEMENTS = {
    "ping": "SELECT 1",
    "create database": "CREATE DATABASE IF NOT EXISTS {database}",
    "create schema_migrations": (
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version UInt32, name String, applied_at DateTime) "
        "ENGINE = MergeTree ORDER BY version"
    ),
    "read schema_migrations": "SELECT version FROM schema_migrations",
    "record migration": (
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, now())"
    ),
    # Cluster mode only (`migrate_cluster`): the database ON CLUSTER, a sync of
    # the replicated version record, and its read. The cluster suite
    # (scripts/test-cluster.sh) runs them on a real 18.16 cluster; the read is
    # run here too.
    "cluster: create database": "CREATE DATABASE IF NOT EXISTS {} {}",
    "cluster: sync schema_migrations": "SYSTEM SYNC REPLICA schema_migrations",
    "cluster: read schema_migrations": "SELECT DISTINCT version FROM schema_migrations",
}

# --------------------------------------------------------------------------- data
DAY = "2024-05-01"
PARTITION = DAY.replace("-", "")  # PARTITION BY toYYYYMMDD(timestamp)
EVENT = {
    "project_id": 1,
    "event_id": "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab",
    "fingerprint": "fp-typeerror-1",
    "timestamp": f"{DAY} 12:34:56",
    "received_at": f"{DAY} 12:34:57",
    "level": "error",
    "platform": "javascript",
    "exception_type": "TypeError",
    "exception_value": "x is undefined",
    "message": "",
    "title": "TypeError: x is undefined",
    "culprit": "app.js in render",
    "frames": '[{"filename":"app.js","function":"render","lineno":10}]',
    "release": "web@1.2.3",
    "environment": "production",
    "url": "https://example.com/page?q=1",
    "transaction_name": "/page",
    "browser": "Firefox",
    "browser_version": "126.0",
    "os": "Linux",
    "os_version": "",
    "user_id": "u-42",
    "user_email": "a@example.com",
    "user_ip": "203.0.113.7",
    "tags_key": ["browser", "level", "release"],
    "tags_value": ["Firefox", "error", "web@1.2.3"],
    "breadcrumbs": '[{"category":"ui.click","message":"button"}]',
    "contexts": '{"os":{"name":"Linux"}}',
    "sdk_name": "sentry.javascript.browser",
    "sdk_version": "8.0.0",
}
TRANSACTIONS = [
    {
        "project_id": 1,
        "event_id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "timestamp": f"{DAY} 12:40:00",
        "received_at": f"{DAY} 12:40:01",
        "name": "/page",
        "op": "pageload",
        "url": "https://example.com/page",
        "duration_ms": 812.5,
        "lcp": 2500.0,
        "fcp": 900.0,
        "cls": 0.05,
        "inp": 120.0,
        "ttfb": 80.0,
        "browser": "Firefox",
        "browser_version": "126.0",
        "os": "Linux",
        "os_version": "",
        "release": "web@1.2.3",
        "environment": "production",
        "user_id": "u-42",
        "tags_key": ["browser"],
        "tags_value": ["Firefox"],
        "sdk_name": "sentry.javascript.browser",
        "sdk_version": "8.0.0",
    },
]
# A second transaction with every Nullable column NULL (web vitals not measured).
TRANSACTIONS.append(
    dict(
        TRANSACTIONS[0],
        event_id="1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e",
        timestamp=f"{DAY} 13:05:00",
        received_at=f"{DAY} 13:05:00",
        op="navigation",
        duration_ms=140.0,
        lcp=None, fcp=None, cls=None, inp=None, ttfb=None,
        tags_key=[], tags_value=[],
    )
)


def json_each_row(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows)


# (name, SQL, expected TabSeparated output or None). Runs unchanged on both engines.
ROUND_TRIP = [
    ("insert events (JSONEachRow)",
     "INSERT INTO events FORMAT JSONEachRow\n" + json_each_row([EVENT]), None),
    ("insert transactions (JSONEachRow, Nullable NULLs)",
     "INSERT INTO transactions FORMAT JSONEachRow\n" + json_each_row(TRANSACTIONS), None),
    ("count events", "SELECT count() FROM events", "1"),
    ("count transactions", "SELECT count() FROM transactions", "2"),
    ("events row reads back",
     "SELECT event_id, fingerprint, timestamp, tags_key, tags_value, user_ip "
     "FROM events WHERE project_id = 1",
     f"{EVENT['event_id']}\t{EVENT['fingerprint']}\t{EVENT['timestamp']}\t"
     "['browser','level','release']\t['Firefox','error','web@1.2.3']\t203.0.113.7"),
    ("transactions Nullable reads back",
     "SELECT op, lcp, cls, isNull(ttfb) FROM transactions ORDER BY timestamp",
     "pageload\t2500\t0.05\t0\nnavigation\t\\N\t\\N\t1"),
    ("issues by fingerprint",
     "SELECT fingerprint, count(), uniq(user_id), max(timestamp) FROM events "
     "WHERE project_id = 1 GROUP BY fingerprint",
     f"{EVENT['fingerprint']}\t1\t1\t{EVENT['timestamp']}"),
    ("events per hour",
     "SELECT toStartOfHour(timestamp) AS t, count() FROM events GROUP BY t ORDER BY t",
     f"{DAY} 12:00:00\t1"),
    ("web-vitals quantiles",
     "SELECT quantiles(0.5, 0.75, 0.95)(lcp) FROM transactions WHERE lcp IS NOT NULL",
     "[2500,2500,2500]"),
    ("tag counts (ARRAY JOIN)",
     "SELECT tag, count() FROM events ARRAY JOIN tags_key AS tag GROUP BY tag ORDER BY tag",
     "browser\t1\nlevel\t1\nrelease\t1"),
    ("issue rollups (hourly, daily) filled by their views",
     "SELECT * FROM (SELECT fingerprint, toString(bucket) AS b, countMerge(events), uniqIfMerge(users) "
     "FROM issue_hourly GROUP BY fingerprint, bucket UNION ALL "
     "SELECT fingerprint, toString(bucket) AS b, countMerge(events), uniqIfMerge(users) FROM issue_daily "
     "GROUP BY fingerprint, bucket) ORDER BY b",
     f"{EVENT['fingerprint']}\t{DAY} 00:00:00\t1\t1\n{EVENT['fingerprint']}\t{DAY} 12:00:00\t1\t1"),
    ("vitals rollup filled by its view",
     "SELECT countMerge(loads), sumMapMerge(lcp_h), sumMapMerge(cls_h), "
     "countIfMerge(lcp_n), countIfMerge(lcp_good), countIfMerge(cls_poor) FROM vitals_daily",
     # lcp 2500 -> bucket 1 + round(20 ln 2500) = 157; cls 0.05 -> 50 thousandths -> 79
     "2\t([157],[1],[2500])\t([79],[1],[50])\t1\t1\t0"),
    ("retention: drop events partition",
     f"ALTER TABLE events DROP PARTITION {PARTITION}", None),
    ("retention: drop transactions partition",
     f"ALTER TABLE transactions DROP PARTITION {PARTITION}", None),
    *[(f"retention: drop {t} partition", f"ALTER TABLE {t} DROP PARTITION {PARTITION}", None)
      for t in ("issue_hourly", "issue_daily", "vitals_hourly", "vitals_daily",
                "vitals_site_hourly", "vitals_site_daily")],
    ("events empty after drop", "SELECT count() FROM events", "0"),
    ("transactions empty after drop", "SELECT count() FROM transactions", "0"),
]


# --------------------------------------------------------------------------- sources
def schema_statements(text: str) -> list[str]:
    """The schema's statements, split exactly like migrate() in clickhouse.rs."""
    out = []
    for part in text.split("\n;\n"):
        part = part.strip()
        if not part:
            continue
        stmt = "\n".join(l for l in part.splitlines() if not l.lstrip().startswith("--"))
        if stmt.strip():
            out.append(stmt)
    return out


def normalise(sql: str) -> str:
    return " ".join(sql.split())


def rust_query_literals(source: str) -> list[str]:
    """SQL string literals passed to `.query(...)` / `.query(&format!(...))` in Rust source."""
    lits = re.findall(r'\.query\(\s*(?:&\s*format!\(\s*)?"((?:[^"\\]|\\.)*)"', source, re.S)
    # Rust string continuation: backslash-newline swallows the following whitespace.
    return [normalise(re.sub(r"\\\n\s*", "", lit)) for lit in lits]


def statement_label(sql: str) -> str:
    m = re.match(r"\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.`]+)", sql, re.I)
    return f"CREATE TABLE {m.group(1)}" if m else normalise(sql)[:50]


# --------------------------------------------------------------------------- engines
class ChdbEngine:
    def __init__(self) -> None:
        from chdb import session  # noqa: PLC0415 (reported as a check when missing)

        self._dir = tempfile.mkdtemp(prefix="sightline-chdb-")
        self._session = session.Session(self._dir)
        self.name = "chdb " + self.query("SELECT version()").strip()

    def query(self, sql: str, database: str | None = None) -> str:
        if database is not None:
            self._session.query(f"USE {database}", "TabSeparated")
        res = self._session.query(sql, "TabSeparated")
        return "" if res is None else str(res)

    def close(self) -> None:
        try:
            self._session.close()
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)


class HttpEngine:
    def __init__(self, url: str) -> None:
        self._url = url.rstrip("/") + "/"
        self.name = "clickhouse-server " + self.query("SELECT version()").strip()

    def query(self, sql: str, database: str | None = None) -> str:
        # The HTTP interface's default output format is TabSeparated, like ChdbEngine's.
        params = {"database": database} if database is not None else {}
        url = self._url + ("?" + urllib.parse.urlencode(params) if params else "")
        req = urllib.request.Request(url, data=sql.encode(), method="POST")
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.read().decode()
        except urllib.error.HTTPError as e:
            raise RuntimeError(e.read().decode(errors="replace").strip() or str(e)) from None

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- checks
class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def ok(self, name: str) -> None:
        self.passed += 1
        print(f"ok   {name}", flush=True)

    def fail(self, name: str, error: object) -> None:
        self.failed += 1
        print(f"FAIL {name}: {' '.join(str(error).split())}", flush=True)

    def run(self, engine, name: str, sql: str, expect: str | None = None,
            database: str | None = None) -> bool:
        label = f"[{engine.name}] {name}"
        try:
            out = engine.query(sql, database)
        except Exception as e:  # noqa: BLE001 — any rejection is the finding
            self.fail(label, e)
            return False
        if expect is not None and out.strip("\n") != expect:
            self.fail(label, f"expected {expect!r}, got {out.strip(chr(10))!r}")
            return False
        self.ok(label)
        return True


def migrations() -> list[tuple[int, str, list[str]]]:
    """MIGRATIONS of clickhouse.rs: (version, name, statements), in order."""
    found = re.findall(r'\(\s*(\d+)\s*,\s*"([^"]+)"\s*,\s*include_str!\("([^"]+)"\)\s*\)',
                       CLICKHOUSE_RS.read_text())
    return [(int(v), name, schema_statements((CLICKHOUSE_RS.parent / path).read_text()))
            for v, name, path in found]


def static_checks(report: Report) -> list[tuple[int, str, list[str]]]:
    """Checks on the source files; returns the schema versions."""
    versions: list[tuple[int, str, list[str]]] = []
    try:
        versions = migrations()
        if not versions or any(not stmts for _, _, stmts in versions):
            raise ValueError("no MIGRATIONS (or an empty schema file) found in clickhouse.rs")
        for v, name, stmts in versions:
            report.ok(f"parse schema version {v} ({name}): {len(stmts)} statements")
    except Exception as e:  # noqa: BLE001
        report.fail("parse the schema versions of clickhouse.rs", e)

    name = f"statements in {CLICKHOUSE_RS.relative_to(ROOT)} match this script's list"
    try:
        found = rust_query_literals(CLICKHOUSE_RS.read_text())
        listed = {normalise(s) for s in RUST_STATEMENTS.values()}
        problems = [f"not in clickhouse.rs: {s!r}" for s in sorted(listed - set(found))]
        problems += [f"not in this script: {s!r}" for s in sorted(set(found) - listed)]
        if problems:
            raise ValueError("; ".join(problems) + " (update RUST_STATEMENTS)")
        report.ok(name)
    except Exception as e:  # noqa: BLE001
        report.fail(name, e)
    return versions


def sql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def apply_schema(report: Report, engine, db: str, versions, rs: dict, label: str) -> None:
    """Applies every version and records it, as migrate() does."""
    for version, name, statements in versions:
        for i, stmt in enumerate(statements, 1):
            report.run(engine, f"{label}: v{version} #{i} {statement_label(stmt)}", stmt, database=db)
        record = rs["record migration"].replace("?", str(version), 1).replace("?", sql_string(name), 1)
        report.run(engine, f"rust: record migration {version}", record, database=db)


def engine_checks(report: Report, engine, versions, keep: bool = False) -> str:
    """Runs the schema and round-trip checks; returns the database (dropped unless `keep`)."""
    db = f"sightline_modern_check_{uuid.uuid4().hex[:12]}"
    rs = {k: v.replace("{database}", db) for k, v in RUST_STATEMENTS.items()}
    applied = "\n".join(str(v) for v, _, _ in versions)
    try:
        # What the server does on its first start (migrate() in clickhouse.rs) ...
        report.run(engine, "rust: ping", rs["ping"], "1")
        if not report.run(engine, "rust: create database", rs["create database"], database="default"):
            return db  # nothing else can run
        report.run(engine, "rust: create schema_migrations", rs["create schema_migrations"], database=db)
        report.run(engine, "rust: read schema_migrations (empty)", rs["read schema_migrations"], "", database=db)
        report.run(engine, "rust: read schema_migrations (cluster mode, empty)",
                   rs["cluster: read schema_migrations"], "", database=db)
        apply_schema(report, engine, db, versions, rs, "schema pass 1")
        # ... and on its next start; then the schema once more (must be idempotent).
        report.run(engine, "rust: create database again", rs["create database"], database="default")
        report.run(engine, "rust: create schema_migrations again", rs["create schema_migrations"], database=db)
        report.run(engine, "rust: read schema_migrations", rs["read schema_migrations"] + " ORDER BY version",
                   applied, database=db)
        for _, _, statements in versions:
            for i, stmt in enumerate(statements, 1):
                # Backfills and ALTERs run once, like migrate() (18.16 lacks ADD COLUMN IF NOT EXISTS).
                if not stmt.lstrip().upper().startswith(("INSERT", "ALTER")):
                    report.run(engine, f"schema pass 2: #{i} {statement_label(stmt)}", stmt, database=db)
        for name, sql, expect in ROUND_TRIP:
            report.run(engine, f"round-trip: {name}", sql, expect, database=db)
        if keep:  # data for the replayed queries to run on
            report.run(engine, "replay data: events", ROUND_TRIP[0][1], database=db)
            report.run(engine, "replay data: transactions", ROUND_TRIP[1][1], database=db)
    finally:
        if not keep:
            drop(engine, db)
    return db


def drop(engine, db: str) -> None:
    try:
        engine.query(f"DROP DATABASE IF EXISTS {db}", "default")
    except Exception as e:  # noqa: BLE001
        print(f"warning: could not drop database {db} on {engine.name}: {e}", file=sys.stderr)


def logged_queries(server: HttpEngine) -> list[str]:
    """One query of each shape the test suite ran on `server` (literals masked)."""
    server.query("SYSTEM FLUSH LOGS")
    rows = server.query(
        "SELECT query FROM system.query_log WHERE type = 2 AND lower(substring(query, 1, 6)) = 'select' "
        "AND position(query, 'system.') = 0 FORMAT JSONEachRow")
    shapes: dict[str, str] = {}
    for line in rows.splitlines():
        query = re.sub(r"\s+FORMAT\s+\w+\s*$", "", json.loads(line)["query"].strip())
        if query.upper() in ("SELECT 1", "SELECT VERSION()"):
            continue
        shape = re.sub(r"'(?:[^'\\]|\\.)*'|\b\d+(?:\.\d+)?\b", "?", normalise(query))
        shapes.setdefault(shape, query)
    return list(shapes.values())


def replay(report: Report, engine, db: str, queries: list[str]) -> None:
    if not queries:
        report.fail("replay the test suite's queries", "system.query_log holds no SELECT (was it turned on?)")
    for query in queries:
        report.run(engine, f"replay: {normalise(query)[:110]}", query, database=db)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clickhouse-url", metavar="URL",
                    help="also run the identical checks on this ClickHouse HTTP endpoint "
                         "(e.g. the 18.16 test server, http://127.0.0.1:18123)")
    ap.add_argument("--replay-query-log", action="store_true",
                    help="replay on chdb every distinct SELECT in the --clickhouse-url server's query log")
    args = ap.parse_args()
    if args.replay_query_log and not args.clickhouse_url:
        ap.error("--replay-query-log needs --clickhouse-url")

    report = Report()
    versions = static_checks(report)

    queries: list[str] = []
    engines = []
    if args.clickhouse_url:
        try:
            server = HttpEngine(args.clickhouse_url)
            engines.append(server)
            if args.replay_query_log:
                queries = logged_queries(server)
                report.ok(f"read {len(queries)} distinct queries from {server.name}'s query log")
        except Exception as e:  # noqa: BLE001
            report.fail(f"read ClickHouse at {args.clickhouse_url}", e)
    try:
        engines.insert(0, ChdbEngine())
    except ImportError as e:
        report.fail("start chdb", f"{e} (install it: pip install chdb-core)")
    except Exception as e:  # noqa: BLE001
        report.fail("start chdb", e)
    for engine in engines:
        modern = isinstance(engine, ChdbEngine)
        try:
            db = engine_checks(report, engine, versions, keep=modern and args.replay_query_log)
            if modern and args.replay_query_log:
                replay(report, engine, db, queries)
                drop(engine, db)
        finally:
            engine.close()

    print(f"{report.passed} passed, {report.failed} failed", flush=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
