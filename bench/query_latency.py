#!/usr/bin/env python3
"""bench/query_latency.py — p50/p95/max of dashboard API requests.

    query_latency.py --base http://127.0.0.1:PORT --cookies JAR [--rounds 50] [--warmup 3] \
        "label=/api/v1/path?query" ...

Sends each request WARMUP times untimed, then ROUNDS times timed, one request
at a time over one keep-alive connection, with the session cookie from the
curl cookie jar JAR. Every answer must be 200 with a JSON body, or the script
fails. Prints a Markdown table (request, p50, p95, max in ms) on stdout.
Standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import time
import urllib.parse


def session_cookie(jar: str) -> str:
    """The cookies of a curl (Netscape format) cookie jar as a Cookie header."""
    pairs = []
    with open(jar, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#HttpOnly_"):
                line = line[len("#HttpOnly_"):]
            elif line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) == 7:
                pairs.append(f"{fields[5]}={fields[6]}")
    if not pairs:
        raise SystemExit(f"no cookies in {jar}")
    return "; ".join(pairs)


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, round(p / 100 * len(sorted_ms) + 0.5 - 1e-9))
    return sorted_ms[min(rank, len(sorted_ms)) - 1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--cookies", required=True)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("requests", nargs="+", metavar="LABEL=PATH")
    args = ap.parse_args()

    base = urllib.parse.urlsplit(args.base)
    conn = http.client.HTTPConnection(base.hostname, base.port, timeout=60)
    headers = {"Cookie": session_cookie(args.cookies), "Accept": "application/json"}

    def get(path: str) -> float:
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        elapsed = (time.perf_counter() - t0) * 1000
        if resp.status != 200:
            raise SystemExit(f"GET {path}: {resp.status} {body[:300]!r}")
        json.loads(body)
        return elapsed

    print("| request | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|")
    for spec in args.requests:
        label, _, path = spec.partition("=")
        for _ in range(args.warmup):
            get(path)
        times = sorted(get(path) for _ in range(args.rounds))
        print(f"| {label} | {statistics.median(times):.0f} | {percentile(times, 95):.0f} | {times[-1]:.0f} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
