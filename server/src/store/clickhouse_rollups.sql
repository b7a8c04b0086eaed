-- Sightline ClickHouse schema, version 2: rollups that the dashboard reads
-- instead of scanning raw rows (bench/BENCHMARKS.md, "Dashboard queries").
-- Materialized views fill them on every insert into events/transactions; the
-- INSERT ... SELECT statements at the end backfill rows written before this
-- version. Hourly rollups serve periods up to two days and hourly
-- sparklines, daily ones everything longer. Partitioned by day like the raw
-- tables, so retention drops the same partitions everywhere (which also
-- prunes a period's days). Issue rollups are ordered by fingerprint so one
-- issue's numbers (a page of the list, the detail) read only its granules;
-- rows hold large aggregate states, hence granules of 1024 rows.
-- vitals_site_* are vitals_* without the page: the summary and the time
-- series read them (a day is a few rows, not one per page).
-- Vitals are kept as histograms: sumMap of bucket -> (count, sum), bucket 0
-- for values under one unit, else 1 + round(20 * ln(value)) (buckets 5 %
-- wide), so merging a day costs its few dozen buckets, not its samples; CLS
-- is counted in thousandths. server/src/performance/histogram.rs reads the
-- percentiles back (within 2.5 %). The bucket formula, the good/poor
-- thresholds and the CLS scale must
-- equal VITALS in server/src/performance.rs (a unit test there compares them).
;
CREATE TABLE IF NOT EXISTS issue_hourly (
    project_id UInt64,
    bucket DateTime,
    fingerprint String,
    environment String,
    release String,
    events AggregateFunction(count),
    users AggregateFunction(uniqIf, String, UInt8)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (project_id, fingerprint, bucket, environment, release)
SETTINGS index_granularity = 1024
;
CREATE MATERIALIZED VIEW IF NOT EXISTS issue_hourly_mv TO issue_hourly AS
SELECT project_id, toStartOfHour(timestamp) AS bucket, fingerprint, environment, release,
    countState() AS events,
    uniqIfState(if(user_id != '', user_id, if(user_email != '', user_email, user_ip)), if(user_id != '', user_id, if(user_email != '', user_email, user_ip)) != '') AS users
FROM events GROUP BY project_id, bucket, fingerprint, environment, release
;
CREATE TABLE IF NOT EXISTS vitals_hourly (
    project_id UInt64,
    bucket DateTime,
    environment String,
    name String,
    loads AggregateFunction(count),
    lcp_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    lcp_n AggregateFunction(countIf, UInt8),
    lcp_good AggregateFunction(countIf, UInt8),
    lcp_poor AggregateFunction(countIf, UInt8),
    inp_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    inp_n AggregateFunction(countIf, UInt8),
    inp_good AggregateFunction(countIf, UInt8),
    inp_poor AggregateFunction(countIf, UInt8),
    cls_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    cls_n AggregateFunction(countIf, UInt8),
    cls_good AggregateFunction(countIf, UInt8),
    cls_poor AggregateFunction(countIf, UInt8),
    fcp_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    fcp_n AggregateFunction(countIf, UInt8),
    fcp_good AggregateFunction(countIf, UInt8),
    fcp_poor AggregateFunction(countIf, UInt8),
    ttfb_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    ttfb_n AggregateFunction(countIf, UInt8),
    ttfb_good AggregateFunction(countIf, UInt8),
    ttfb_poor AggregateFunction(countIf, UInt8)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (project_id, bucket, environment, name)
SETTINGS index_granularity = 1024
;
CREATE MATERIALIZED VIEW IF NOT EXISTS vitals_hourly_mv TO vitals_hourly AS
SELECT project_id, toStartOfHour(timestamp) AS bucket, environment, name,
    countState() AS loads,
    sumMapState(if(lcp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(lcp, 0) < 1, 0, least(1 + round(log(ifNull(lcp, 0)) * 20), 1000)))]), if(lcp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(lcp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(lcp, 0))])) AS lcp_h,
    countIfState(lcp IS NOT NULL) AS lcp_n,
    countIfState(ifNull(lcp <= 2500, 0)) AS lcp_good,
    countIfState(ifNull(lcp > 4000, 0)) AS lcp_poor,
    sumMapState(if(inp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(inp, 0) < 1, 0, least(1 + round(log(ifNull(inp, 0)) * 20), 1000)))]), if(inp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(inp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(inp, 0))])) AS inp_h,
    countIfState(inp IS NOT NULL) AS inp_n,
    countIfState(ifNull(inp <= 200, 0)) AS inp_good,
    countIfState(ifNull(inp > 500, 0)) AS inp_poor,
    sumMapState(if(cls IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(cls, 0) * 1000 < 1, 0, least(1 + round(log(ifNull(cls, 0) * 1000) * 20), 1000)))]), if(cls IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(cls IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(cls, 0) * 1000)])) AS cls_h,
    countIfState(cls IS NOT NULL) AS cls_n,
    countIfState(ifNull(cls <= 0.1, 0)) AS cls_good,
    countIfState(ifNull(cls > 0.25, 0)) AS cls_poor,
    sumMapState(if(fcp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(fcp, 0) < 1, 0, least(1 + round(log(ifNull(fcp, 0)) * 20), 1000)))]), if(fcp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(fcp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(fcp, 0))])) AS fcp_h,
    countIfState(fcp IS NOT NULL) AS fcp_n,
    countIfState(ifNull(fcp <= 1800, 0)) AS fcp_good,
    countIfState(ifNull(fcp > 3000, 0)) AS fcp_poor,
    sumMapState(if(ttfb IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(ttfb, 0) < 1, 0, least(1 + round(log(ifNull(ttfb, 0)) * 20), 1000)))]), if(ttfb IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(ttfb IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(ttfb, 0))])) AS ttfb_h,
    countIfState(ttfb IS NOT NULL) AS ttfb_n,
    countIfState(ifNull(ttfb <= 800, 0)) AS ttfb_good,
    countIfState(ifNull(ttfb > 1800, 0)) AS ttfb_poor
FROM transactions GROUP BY project_id, bucket, environment, name
;
CREATE TABLE IF NOT EXISTS issue_daily (
    project_id UInt64,
    bucket DateTime,
    fingerprint String,
    environment String,
    release String,
    events AggregateFunction(count),
    users AggregateFunction(uniqIf, String, UInt8)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (project_id, fingerprint, bucket, environment, release)
SETTINGS index_granularity = 1024
;
CREATE MATERIALIZED VIEW IF NOT EXISTS issue_daily_mv TO issue_daily AS
SELECT project_id, toStartOfDay(timestamp) AS bucket, fingerprint, environment, release,
    countState() AS events,
    uniqIfState(if(user_id != '', user_id, if(user_email != '', user_email, user_ip)), if(user_id != '', user_id, if(user_email != '', user_email, user_ip)) != '') AS users
FROM events GROUP BY project_id, bucket, fingerprint, environment, release
;
CREATE TABLE IF NOT EXISTS vitals_daily (
    project_id UInt64,
    bucket DateTime,
    environment String,
    name String,
    loads AggregateFunction(count),
    lcp_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    lcp_n AggregateFunction(countIf, UInt8),
    lcp_good AggregateFunction(countIf, UInt8),
    lcp_poor AggregateFunction(countIf, UInt8),
    inp_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    inp_n AggregateFunction(countIf, UInt8),
    inp_good AggregateFunction(countIf, UInt8),
    inp_poor AggregateFunction(countIf, UInt8),
    cls_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    cls_n AggregateFunction(countIf, UInt8),
    cls_good AggregateFunction(countIf, UInt8),
    cls_poor AggregateFunction(countIf, UInt8),
    fcp_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    fcp_n AggregateFunction(countIf, UInt8),
    fcp_good AggregateFunction(countIf, UInt8),
    fcp_poor AggregateFunction(countIf, UInt8),
    ttfb_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    ttfb_n AggregateFunction(countIf, UInt8),
    ttfb_good AggregateFunction(countIf, UInt8),
    ttfb_poor AggregateFunction(countIf, UInt8)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (project_id, bucket, environment, name)
SETTINGS index_granularity = 1024
;
CREATE MATERIALIZED VIEW IF NOT EXISTS vitals_daily_mv TO vitals_daily AS
SELECT project_id, toStartOfDay(timestamp) AS bucket, environment, name,
    countState() AS loads,
    sumMapState(if(lcp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(lcp, 0) < 1, 0, least(1 + round(log(ifNull(lcp, 0)) * 20), 1000)))]), if(lcp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(lcp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(lcp, 0))])) AS lcp_h,
    countIfState(lcp IS NOT NULL) AS lcp_n,
    countIfState(ifNull(lcp <= 2500, 0)) AS lcp_good,
    countIfState(ifNull(lcp > 4000, 0)) AS lcp_poor,
    sumMapState(if(inp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(inp, 0) < 1, 0, least(1 + round(log(ifNull(inp, 0)) * 20), 1000)))]), if(inp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(inp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(inp, 0))])) AS inp_h,
    countIfState(inp IS NOT NULL) AS inp_n,
    countIfState(ifNull(inp <= 200, 0)) AS inp_good,
    countIfState(ifNull(inp > 500, 0)) AS inp_poor,
    sumMapState(if(cls IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(cls, 0) * 1000 < 1, 0, least(1 + round(log(ifNull(cls, 0) * 1000) * 20), 1000)))]), if(cls IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(cls IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(cls, 0) * 1000)])) AS cls_h,
    countIfState(cls IS NOT NULL) AS cls_n,
    countIfState(ifNull(cls <= 0.1, 0)) AS cls_good,
    countIfState(ifNull(cls > 0.25, 0)) AS cls_poor,
    sumMapState(if(fcp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(fcp, 0) < 1, 0, least(1 + round(log(ifNull(fcp, 0)) * 20), 1000)))]), if(fcp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(fcp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(fcp, 0))])) AS fcp_h,
    countIfState(fcp IS NOT NULL) AS fcp_n,
    countIfState(ifNull(fcp <= 1800, 0)) AS fcp_good,
    countIfState(ifNull(fcp > 3000, 0)) AS fcp_poor,
    sumMapState(if(ttfb IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(ttfb, 0) < 1, 0, least(1 + round(log(ifNull(ttfb, 0)) * 20), 1000)))]), if(ttfb IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(ttfb IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(ttfb, 0))])) AS ttfb_h,
    countIfState(ttfb IS NOT NULL) AS ttfb_n,
    countIfState(ifNull(ttfb <= 800, 0)) AS ttfb_good,
    countIfState(ifNull(ttfb > 1800, 0)) AS ttfb_poor
FROM transactions GROUP BY project_id, bucket, environment, name
;
CREATE TABLE IF NOT EXISTS vitals_site_hourly (
    project_id UInt64,
    bucket DateTime,
    environment String,
    loads AggregateFunction(count),
    lcp_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    lcp_n AggregateFunction(countIf, UInt8),
    lcp_good AggregateFunction(countIf, UInt8),
    lcp_poor AggregateFunction(countIf, UInt8),
    inp_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    inp_n AggregateFunction(countIf, UInt8),
    inp_good AggregateFunction(countIf, UInt8),
    inp_poor AggregateFunction(countIf, UInt8),
    cls_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    cls_n AggregateFunction(countIf, UInt8),
    cls_good AggregateFunction(countIf, UInt8),
    cls_poor AggregateFunction(countIf, UInt8),
    fcp_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    fcp_n AggregateFunction(countIf, UInt8),
    fcp_good AggregateFunction(countIf, UInt8),
    fcp_poor AggregateFunction(countIf, UInt8),
    ttfb_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    ttfb_n AggregateFunction(countIf, UInt8),
    ttfb_good AggregateFunction(countIf, UInt8),
    ttfb_poor AggregateFunction(countIf, UInt8)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (project_id, bucket, environment)
SETTINGS index_granularity = 1024
;
CREATE MATERIALIZED VIEW IF NOT EXISTS vitals_site_hourly_mv TO vitals_site_hourly AS
SELECT project_id, toStartOfHour(timestamp) AS bucket, environment,
    countState() AS loads,
    sumMapState(if(lcp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(lcp, 0) < 1, 0, least(1 + round(log(ifNull(lcp, 0)) * 20), 1000)))]), if(lcp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(lcp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(lcp, 0))])) AS lcp_h,
    countIfState(lcp IS NOT NULL) AS lcp_n,
    countIfState(ifNull(lcp <= 2500, 0)) AS lcp_good,
    countIfState(ifNull(lcp > 4000, 0)) AS lcp_poor,
    sumMapState(if(inp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(inp, 0) < 1, 0, least(1 + round(log(ifNull(inp, 0)) * 20), 1000)))]), if(inp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(inp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(inp, 0))])) AS inp_h,
    countIfState(inp IS NOT NULL) AS inp_n,
    countIfState(ifNull(inp <= 200, 0)) AS inp_good,
    countIfState(ifNull(inp > 500, 0)) AS inp_poor,
    sumMapState(if(cls IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(cls, 0) * 1000 < 1, 0, least(1 + round(log(ifNull(cls, 0) * 1000) * 20), 1000)))]), if(cls IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(cls IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(cls, 0) * 1000)])) AS cls_h,
    countIfState(cls IS NOT NULL) AS cls_n,
    countIfState(ifNull(cls <= 0.1, 0)) AS cls_good,
    countIfState(ifNull(cls > 0.25, 0)) AS cls_poor,
    sumMapState(if(fcp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(fcp, 0) < 1, 0, least(1 + round(log(ifNull(fcp, 0)) * 20), 1000)))]), if(fcp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(fcp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(fcp, 0))])) AS fcp_h,
    countIfState(fcp IS NOT NULL) AS fcp_n,
    countIfState(ifNull(fcp <= 1800, 0)) AS fcp_good,
    countIfState(ifNull(fcp > 3000, 0)) AS fcp_poor,
    sumMapState(if(ttfb IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(ttfb, 0) < 1, 0, least(1 + round(log(ifNull(ttfb, 0)) * 20), 1000)))]), if(ttfb IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(ttfb IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(ttfb, 0))])) AS ttfb_h,
    countIfState(ttfb IS NOT NULL) AS ttfb_n,
    countIfState(ifNull(ttfb <= 800, 0)) AS ttfb_good,
    countIfState(ifNull(ttfb > 1800, 0)) AS ttfb_poor
FROM transactions GROUP BY project_id, bucket, environment
;
CREATE TABLE IF NOT EXISTS vitals_site_daily (
    project_id UInt64,
    bucket DateTime,
    environment String,
    loads AggregateFunction(count),
    lcp_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    lcp_n AggregateFunction(countIf, UInt8),
    lcp_good AggregateFunction(countIf, UInt8),
    lcp_poor AggregateFunction(countIf, UInt8),
    inp_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    inp_n AggregateFunction(countIf, UInt8),
    inp_good AggregateFunction(countIf, UInt8),
    inp_poor AggregateFunction(countIf, UInt8),
    cls_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    cls_n AggregateFunction(countIf, UInt8),
    cls_good AggregateFunction(countIf, UInt8),
    cls_poor AggregateFunction(countIf, UInt8),
    fcp_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    fcp_n AggregateFunction(countIf, UInt8),
    fcp_good AggregateFunction(countIf, UInt8),
    fcp_poor AggregateFunction(countIf, UInt8),
    ttfb_h AggregateFunction(sumMap, Array(UInt16), Array(UInt64), Array(Float64)),
    ttfb_n AggregateFunction(countIf, UInt8),
    ttfb_good AggregateFunction(countIf, UInt8),
    ttfb_poor AggregateFunction(countIf, UInt8)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (project_id, bucket, environment)
SETTINGS index_granularity = 1024
;
CREATE MATERIALIZED VIEW IF NOT EXISTS vitals_site_daily_mv TO vitals_site_daily AS
SELECT project_id, toStartOfDay(timestamp) AS bucket, environment,
    countState() AS loads,
    sumMapState(if(lcp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(lcp, 0) < 1, 0, least(1 + round(log(ifNull(lcp, 0)) * 20), 1000)))]), if(lcp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(lcp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(lcp, 0))])) AS lcp_h,
    countIfState(lcp IS NOT NULL) AS lcp_n,
    countIfState(ifNull(lcp <= 2500, 0)) AS lcp_good,
    countIfState(ifNull(lcp > 4000, 0)) AS lcp_poor,
    sumMapState(if(inp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(inp, 0) < 1, 0, least(1 + round(log(ifNull(inp, 0)) * 20), 1000)))]), if(inp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(inp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(inp, 0))])) AS inp_h,
    countIfState(inp IS NOT NULL) AS inp_n,
    countIfState(ifNull(inp <= 200, 0)) AS inp_good,
    countIfState(ifNull(inp > 500, 0)) AS inp_poor,
    sumMapState(if(cls IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(cls, 0) * 1000 < 1, 0, least(1 + round(log(ifNull(cls, 0) * 1000) * 20), 1000)))]), if(cls IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(cls IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(cls, 0) * 1000)])) AS cls_h,
    countIfState(cls IS NOT NULL) AS cls_n,
    countIfState(ifNull(cls <= 0.1, 0)) AS cls_good,
    countIfState(ifNull(cls > 0.25, 0)) AS cls_poor,
    sumMapState(if(fcp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(fcp, 0) < 1, 0, least(1 + round(log(ifNull(fcp, 0)) * 20), 1000)))]), if(fcp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(fcp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(fcp, 0))])) AS fcp_h,
    countIfState(fcp IS NOT NULL) AS fcp_n,
    countIfState(ifNull(fcp <= 1800, 0)) AS fcp_good,
    countIfState(ifNull(fcp > 3000, 0)) AS fcp_poor,
    sumMapState(if(ttfb IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(ttfb, 0) < 1, 0, least(1 + round(log(ifNull(ttfb, 0)) * 20), 1000)))]), if(ttfb IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(ttfb IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(ttfb, 0))])) AS ttfb_h,
    countIfState(ttfb IS NOT NULL) AS ttfb_n,
    countIfState(ifNull(ttfb <= 800, 0)) AS ttfb_good,
    countIfState(ifNull(ttfb > 1800, 0)) AS ttfb_poor
FROM transactions GROUP BY project_id, bucket, environment
;
INSERT INTO issue_hourly
SELECT project_id, toStartOfHour(timestamp) AS bucket, fingerprint, environment, release,
    countState() AS events,
    uniqIfState(if(user_id != '', user_id, if(user_email != '', user_email, user_ip)), if(user_id != '', user_id, if(user_email != '', user_email, user_ip)) != '') AS users
FROM events GROUP BY project_id, bucket, fingerprint, environment, release
;
INSERT INTO vitals_hourly
SELECT project_id, toStartOfHour(timestamp) AS bucket, environment, name,
    countState() AS loads,
    sumMapState(if(lcp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(lcp, 0) < 1, 0, least(1 + round(log(ifNull(lcp, 0)) * 20), 1000)))]), if(lcp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(lcp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(lcp, 0))])) AS lcp_h,
    countIfState(lcp IS NOT NULL) AS lcp_n,
    countIfState(ifNull(lcp <= 2500, 0)) AS lcp_good,
    countIfState(ifNull(lcp > 4000, 0)) AS lcp_poor,
    sumMapState(if(inp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(inp, 0) < 1, 0, least(1 + round(log(ifNull(inp, 0)) * 20), 1000)))]), if(inp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(inp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(inp, 0))])) AS inp_h,
    countIfState(inp IS NOT NULL) AS inp_n,
    countIfState(ifNull(inp <= 200, 0)) AS inp_good,
    countIfState(ifNull(inp > 500, 0)) AS inp_poor,
    sumMapState(if(cls IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(cls, 0) * 1000 < 1, 0, least(1 + round(log(ifNull(cls, 0) * 1000) * 20), 1000)))]), if(cls IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(cls IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(cls, 0) * 1000)])) AS cls_h,
    countIfState(cls IS NOT NULL) AS cls_n,
    countIfState(ifNull(cls <= 0.1, 0)) AS cls_good,
    countIfState(ifNull(cls > 0.25, 0)) AS cls_poor,
    sumMapState(if(fcp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(fcp, 0) < 1, 0, least(1 + round(log(ifNull(fcp, 0)) * 20), 1000)))]), if(fcp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(fcp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(fcp, 0))])) AS fcp_h,
    countIfState(fcp IS NOT NULL) AS fcp_n,
    countIfState(ifNull(fcp <= 1800, 0)) AS fcp_good,
    countIfState(ifNull(fcp > 3000, 0)) AS fcp_poor,
    sumMapState(if(ttfb IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(ttfb, 0) < 1, 0, least(1 + round(log(ifNull(ttfb, 0)) * 20), 1000)))]), if(ttfb IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(ttfb IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(ttfb, 0))])) AS ttfb_h,
    countIfState(ttfb IS NOT NULL) AS ttfb_n,
    countIfState(ifNull(ttfb <= 800, 0)) AS ttfb_good,
    countIfState(ifNull(ttfb > 1800, 0)) AS ttfb_poor
FROM transactions GROUP BY project_id, bucket, environment, name
;
INSERT INTO issue_daily
SELECT project_id, toStartOfDay(timestamp) AS bucket, fingerprint, environment, release,
    countState() AS events,
    uniqIfState(if(user_id != '', user_id, if(user_email != '', user_email, user_ip)), if(user_id != '', user_id, if(user_email != '', user_email, user_ip)) != '') AS users
FROM events GROUP BY project_id, bucket, fingerprint, environment, release
;
INSERT INTO vitals_daily
SELECT project_id, toStartOfDay(timestamp) AS bucket, environment, name,
    countState() AS loads,
    sumMapState(if(lcp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(lcp, 0) < 1, 0, least(1 + round(log(ifNull(lcp, 0)) * 20), 1000)))]), if(lcp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(lcp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(lcp, 0))])) AS lcp_h,
    countIfState(lcp IS NOT NULL) AS lcp_n,
    countIfState(ifNull(lcp <= 2500, 0)) AS lcp_good,
    countIfState(ifNull(lcp > 4000, 0)) AS lcp_poor,
    sumMapState(if(inp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(inp, 0) < 1, 0, least(1 + round(log(ifNull(inp, 0)) * 20), 1000)))]), if(inp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(inp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(inp, 0))])) AS inp_h,
    countIfState(inp IS NOT NULL) AS inp_n,
    countIfState(ifNull(inp <= 200, 0)) AS inp_good,
    countIfState(ifNull(inp > 500, 0)) AS inp_poor,
    sumMapState(if(cls IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(cls, 0) * 1000 < 1, 0, least(1 + round(log(ifNull(cls, 0) * 1000) * 20), 1000)))]), if(cls IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(cls IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(cls, 0) * 1000)])) AS cls_h,
    countIfState(cls IS NOT NULL) AS cls_n,
    countIfState(ifNull(cls <= 0.1, 0)) AS cls_good,
    countIfState(ifNull(cls > 0.25, 0)) AS cls_poor,
    sumMapState(if(fcp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(fcp, 0) < 1, 0, least(1 + round(log(ifNull(fcp, 0)) * 20), 1000)))]), if(fcp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(fcp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(fcp, 0))])) AS fcp_h,
    countIfState(fcp IS NOT NULL) AS fcp_n,
    countIfState(ifNull(fcp <= 1800, 0)) AS fcp_good,
    countIfState(ifNull(fcp > 3000, 0)) AS fcp_poor,
    sumMapState(if(ttfb IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(ttfb, 0) < 1, 0, least(1 + round(log(ifNull(ttfb, 0)) * 20), 1000)))]), if(ttfb IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(ttfb IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(ttfb, 0))])) AS ttfb_h,
    countIfState(ttfb IS NOT NULL) AS ttfb_n,
    countIfState(ifNull(ttfb <= 800, 0)) AS ttfb_good,
    countIfState(ifNull(ttfb > 1800, 0)) AS ttfb_poor
FROM transactions GROUP BY project_id, bucket, environment, name
;
INSERT INTO vitals_site_hourly
SELECT project_id, toStartOfHour(timestamp) AS bucket, environment,
    countState() AS loads,
    sumMapState(if(lcp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(lcp, 0) < 1, 0, least(1 + round(log(ifNull(lcp, 0)) * 20), 1000)))]), if(lcp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(lcp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(lcp, 0))])) AS lcp_h,
    countIfState(lcp IS NOT NULL) AS lcp_n,
    countIfState(ifNull(lcp <= 2500, 0)) AS lcp_good,
    countIfState(ifNull(lcp > 4000, 0)) AS lcp_poor,
    sumMapState(if(inp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(inp, 0) < 1, 0, least(1 + round(log(ifNull(inp, 0)) * 20), 1000)))]), if(inp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(inp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(inp, 0))])) AS inp_h,
    countIfState(inp IS NOT NULL) AS inp_n,
    countIfState(ifNull(inp <= 200, 0)) AS inp_good,
    countIfState(ifNull(inp > 500, 0)) AS inp_poor,
    sumMapState(if(cls IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(cls, 0) * 1000 < 1, 0, least(1 + round(log(ifNull(cls, 0) * 1000) * 20), 1000)))]), if(cls IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(cls IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(cls, 0) * 1000)])) AS cls_h,
    countIfState(cls IS NOT NULL) AS cls_n,
    countIfState(ifNull(cls <= 0.1, 0)) AS cls_good,
    countIfState(ifNull(cls > 0.25, 0)) AS cls_poor,
    sumMapState(if(fcp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(fcp, 0) < 1, 0, least(1 + round(log(ifNull(fcp, 0)) * 20), 1000)))]), if(fcp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(fcp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(fcp, 0))])) AS fcp_h,
    countIfState(fcp IS NOT NULL) AS fcp_n,
    countIfState(ifNull(fcp <= 1800, 0)) AS fcp_good,
    countIfState(ifNull(fcp > 3000, 0)) AS fcp_poor,
    sumMapState(if(ttfb IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(ttfb, 0) < 1, 0, least(1 + round(log(ifNull(ttfb, 0)) * 20), 1000)))]), if(ttfb IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(ttfb IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(ttfb, 0))])) AS ttfb_h,
    countIfState(ttfb IS NOT NULL) AS ttfb_n,
    countIfState(ifNull(ttfb <= 800, 0)) AS ttfb_good,
    countIfState(ifNull(ttfb > 1800, 0)) AS ttfb_poor
FROM transactions GROUP BY project_id, bucket, environment
;
INSERT INTO vitals_site_daily
SELECT project_id, toStartOfDay(timestamp) AS bucket, environment,
    countState() AS loads,
    sumMapState(if(lcp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(lcp, 0) < 1, 0, least(1 + round(log(ifNull(lcp, 0)) * 20), 1000)))]), if(lcp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(lcp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(lcp, 0))])) AS lcp_h,
    countIfState(lcp IS NOT NULL) AS lcp_n,
    countIfState(ifNull(lcp <= 2500, 0)) AS lcp_good,
    countIfState(ifNull(lcp > 4000, 0)) AS lcp_poor,
    sumMapState(if(inp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(inp, 0) < 1, 0, least(1 + round(log(ifNull(inp, 0)) * 20), 1000)))]), if(inp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(inp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(inp, 0))])) AS inp_h,
    countIfState(inp IS NOT NULL) AS inp_n,
    countIfState(ifNull(inp <= 200, 0)) AS inp_good,
    countIfState(ifNull(inp > 500, 0)) AS inp_poor,
    sumMapState(if(cls IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(cls, 0) * 1000 < 1, 0, least(1 + round(log(ifNull(cls, 0) * 1000) * 20), 1000)))]), if(cls IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(cls IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(cls, 0) * 1000)])) AS cls_h,
    countIfState(cls IS NOT NULL) AS cls_n,
    countIfState(ifNull(cls <= 0.1, 0)) AS cls_good,
    countIfState(ifNull(cls > 0.25, 0)) AS cls_poor,
    sumMapState(if(fcp IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(fcp, 0) < 1, 0, least(1 + round(log(ifNull(fcp, 0)) * 20), 1000)))]), if(fcp IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(fcp IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(fcp, 0))])) AS fcp_h,
    countIfState(fcp IS NOT NULL) AS fcp_n,
    countIfState(ifNull(fcp <= 1800, 0)) AS fcp_good,
    countIfState(ifNull(fcp > 3000, 0)) AS fcp_poor,
    sumMapState(if(ttfb IS NULL, emptyArrayUInt16(), [toUInt16(if(ifNull(ttfb, 0) < 1, 0, least(1 + round(log(ifNull(ttfb, 0)) * 20), 1000)))]), if(ttfb IS NULL, emptyArrayUInt64(), [toUInt64(1)]), if(ttfb IS NULL, emptyArrayFloat64(), [toFloat64(ifNull(ttfb, 0))])) AS ttfb_h,
    countIfState(ttfb IS NOT NULL) AS ttfb_n,
    countIfState(ifNull(ttfb <= 800, 0)) AS ttfb_good,
    countIfState(ifNull(ttfb > 1800, 0)) AS ttfb_poor
FROM transactions GROUP BY project_id, bucket, environment
;
