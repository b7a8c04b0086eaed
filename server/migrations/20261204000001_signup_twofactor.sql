-- Two-factor log-in (TOTP, RFC 6238) with one-time recovery codes, the log-in
-- challenges between the password step and the code step, and the team
-- setting that requires two-factor log-in of every member.

-- The base32 TOTP secret (NULL = two-factor off), a secret being set up and
-- not yet confirmed, and the last time step accepted so a code works once.
ALTER TABLE users
    ADD COLUMN totp_secret         TEXT,
    ADD COLUMN totp_pending_secret TEXT,
    ADD COLUMN totp_enabled_at     TIMESTAMPTZ,
    ADD COLUMN totp_last_step      BIGINT NOT NULL DEFAULT 0;

CREATE TABLE recovery_codes (
    id        BIGSERIAL PRIMARY KEY,
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMPTZ,
    UNIQUE (user_id, code_hash)
);

-- A password that was right, waiting for its second factor: no session yet.
CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL,
    attempts   INT NOT NULL DEFAULT 0
);
CREATE INDEX login_challenges_user ON login_challenges (user_id);

ALTER TABLE teams ADD COLUMN require_two_factor BOOLEAN NOT NULL DEFAULT FALSE;
