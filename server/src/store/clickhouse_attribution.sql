-- Sightline ClickHouse schema, version 10: Web Vitals attribution on page
-- loads (the LCP element, the first CLS source, the INP target), as
-- @sentry/browser 10+ sends them in span attributes. Plain String columns
-- appended at the end (RowBinary is positional: TransactionRow's field order
-- matches); old rows read as ''. ADD COLUMN without IF NOT EXISTS: 18.16
-- lacks it, and schema_migrations makes the version run once.
ALTER TABLE transactions ADD COLUMN lcp_element String
;
ALTER TABLE transactions ADD COLUMN cls_source String
;
ALTER TABLE transactions ADD COLUMN inp_target String
;
