-- Alerts: rules per project, every firing (sent or held back by a throttle),
-- and the outbox of notifications, whose delivered rows are the delivery log.

CREATE TABLE alert_rules (
    id               BIGSERIAL PRIMARY KEY,
    project_id       BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('new_issue', 'regression', 'frequency', 'vital')),
    enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    -- Only events of this environment / level count; NULL = any.
    environment      TEXT,
    level            TEXT,
    -- New-issue rules wait until the issue has this many events.
    quiet_until      INTEGER NOT NULL DEFAULT 0 CHECK (quiet_until >= 0),
    -- At most one alert per issue (or per project/page) per this many minutes.
    throttle_minutes INTEGER NOT NULL DEFAULT 0 CHECK (throttle_minutes >= 0),
    -- Frequency: 'issue' or 'project'; vital: lcp, inp, cls, fcp, ttfb.
    scope            TEXT,
    vital            TEXT,
    page             TEXT,
    -- Frequency: events; vital: the p75 limit (ms, CLS unitless).
    threshold        DOUBLE PRECISION,
    window_minutes   INTEGER CHECK (window_minutes IS NULL OR window_minutes > 0),
    email_to         TEXT[] NOT NULL DEFAULT '{}',
    webhook_url      TEXT,
    webhook_secret   TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX alert_rules_project ON alert_rules (project_id, kind) WHERE enabled;

CREATE TABLE alert_firings (
    id          BIGSERIAL PRIMARY KEY,
    rule_id     BIGINT NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    project_id  BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    issue_id    BIGINT REFERENCES issues (id) ON DELETE SET NULL,
    -- What the throttle counts per: 'issue:<id>', 'project' or 'page:<name>'.
    subject     TEXT NOT NULL,
    -- Several evaluators may see the same condition: one firing per key.
    dedup_key   TEXT NOT NULL,
    summary     TEXT NOT NULL,
    value       DOUBLE PRECISION,
    -- True when the throttle held this one back (no notification sent).
    suppressed  BOOLEAN NOT NULL DEFAULT FALSE,
    -- Firings held back since the previous notification of this subject.
    held_back   INTEGER NOT NULL DEFAULT 0,
    fired_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (rule_id, dedup_key)
);
CREATE INDEX alert_firings_project ON alert_firings (project_id, fired_at DESC);
CREATE INDEX alert_firings_subject ON alert_firings (rule_id, subject, fired_at DESC);

CREATE TABLE alert_outbox (
    id              BIGSERIAL PRIMARY KEY,
    firing_id       BIGINT NOT NULL REFERENCES alert_firings (id) ON DELETE CASCADE,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    -- Recipients (comma-separated) or the webhook URL, for the log.
    target          TEXT NOT NULL,
    -- The rendered message: {to, subject, text, html} or {url, body}.
    payload         JSONB NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error      TEXT,
    -- resend, smtp, logged (mail off) or webhook.
    path            TEXT,
    delivered_at    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX alert_outbox_firing ON alert_outbox (firing_id);
