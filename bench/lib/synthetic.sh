# shellcheck shell=bash
# bench/lib/synthetic.sh — the synthetic data of the query benchmarks
# (bench/queries.sh, bench/docker-stack.sh): one batch of error events and one
# of page loads as INSERT … SELECT statements, run inside ClickHouse so the
# materialized views fill the rollups as ingest does.
#
# Both read: project, issues, events (the total), span and start (the time
# range in seconds), offset and n (this batch). Rows are in time order.

synthetic_events_sql() {
    echo "INSERT INTO events (project_id, event_id, fingerprint, timestamp, received_at, level, platform,
          exception_type, exception_value, title, culprit, frames, release, environment, url,
          transaction_name, browser, browser_version, os, os_version, user_id, user_ip,
          tags_key, tags_value, breadcrumbs, contexts, sdk_name, sdk_version)
        SELECT $project, generateUUIDv4(), concat('fp', toString(h % $issues)), ts, ts, 'error', 'javascript',
          'TypeError', concat('x', toString(h % $issues), ' is undefined'),
          concat('TypeError: x', toString(h % $issues), ' is undefined'), 'app.js in render',
          '[{\"filename\":\"app.js\",\"function\":\"render\",\"lineno\":10,\"in_app\":true}]',
          concat('web@1.0.', toString(toDayOfYear(ts))), if(n % 3 = 0, 'staging', 'production'),
          concat('https://shop.example/p/', toString(n % 200)), concat('/p/', toString(n % 200)),
          if(n % 2 = 0, 'Chrome', 'Firefox'), '126.0', if(n % 5 = 0, 'macOS', 'Windows'), '',
          concat('u', toString(intHash32(n + 7) % 50000)), '', ['plan'], [if(n % 4 = 0, 'pro', 'free')],
          '[]', '{}', 'sightline.browser', '0.1.0'
        FROM (SELECT number + $offset AS n, intHash64(number + $offset) AS h,
                     toDateTime($start + intDiv((number + $offset) * $span, $events)) AS ts
              FROM system.numbers LIMIT $n)"
}

synthetic_page_loads_sql() {
    echo "INSERT INTO transactions (project_id, event_id, timestamp, received_at, name, op, url, duration_ms,
          lcp, fcp, cls, inp, ttfb, browser, browser_version, os, os_version, release, environment,
          user_id, tags_key, tags_value, sdk_name, sdk_version)
        SELECT $project, generateUUIDv4(), ts, ts, concat('/p/', toString(h % 200)), 'pageload',
          concat('https://shop.example/p/', toString(h % 200)), 1200,
          if(n % 5 = 0, NULL, toFloat64(300 + h % 5000)), toFloat64(200 + (h % 3001)),
          toFloat64(h % 400) / 1000, if(n % 2 = 0, NULL, toFloat64(h % 700)), toFloat64(h % 2000),
          'Chrome', '126.0', 'Windows', '', concat('web@1.0.', toString(toDayOfYear(ts))),
          if(n % 3 = 0, 'staging', 'production'), '', [], [], 'sightline.browser', '0.1.0'
        FROM (SELECT number + $offset AS n, intHash64(number + $offset + 1) AS h,
                     toDateTime($start + intDiv((number + $offset) * $span, $events)) AS ts
              FROM system.numbers LIMIT $n)"
}
