"""Schemathesis hooks for scripts/test-api-fuzz.sh (loaded via SCHEMATHESIS_HOOKS).

How the fuzzer authenticates, and which real data it may touch:

* SL_FUZZ_MODE=cookie: every operation that needs a caller gets the session
  cookie of the fixture user, plus `Origin: <public URL>` (the CSRF check of
  cookie-authenticated writes in server/src/api/caller.rs). Log-out would end
  that session and leave the rest of the run testing only 401s, so
  `POST /api/v1/auth/logout` gets a *fresh* session per example: a throw-away
  account registered just for it.
* SL_FUZZ_MODE=token: every caller operation gets `Authorization: Bearer` with
  the fixture's API token (scopes read, write, project:releases).

Path parameters are half the time the ids of the fixture's real team,
project, issue, event, key, rule, artifact and release (so handlers run on
real rows, not only into 404), except on operations that would destroy the
fixture or the caller's own access (every DELETE, leaving a team, changing a
member's role): those never get a fixture id, neither from this mapping nor
from the ids schemathesis picks up from earlier answers (a filter drops such
cases), and scripts/test-api-fuzz.sh moves every id sequence far away from
small numbers so generated ids do not hit them by chance. They still run on
everything else, including what the run itself created.

Webhook URLs in alert-rule bodies are pinned to a closed loopback port: a
generated host name must never receive traffic from this machine (the project
sends nothing anywhere but 127.0.0.1 and package registries).
"""

import json
import os
import uuid

import requests
import schemathesis
from hypothesis import strategies as st

BASE = os.environ["SL_FUZZ_URL"].rstrip("/")
MODE = os.environ["SL_FUZZ_MODE"]
with open(os.environ["SL_FUZZ_FIXTURE"], encoding="utf-8") as f:
    FIXTURE = json.load(f)

# The real values a path parameter may take (by its name in the document).
REAL = {
    "team_id": FIXTURE["team_id"],
    "project_id": FIXTURE["project_id"],
    "issue_id": FIXTURE["issue_id"],
    "event_id": FIXTURE["event_id"],
    "key_id": FIXTURE["key_id"],
    "rule_id": FIXTURE["rule_id"],
    "artifact_id": FIXTURE["artifact_id"],
    "release": FIXTURE["release"],
    "invite_id": FIXTURE["invite_id"],
}
# Routes the fixture must survive: they only ever get generated ids.
NEVER_REAL = ("/leave", "/members/{user_id}")
WEBHOOK_SINK = "http://127.0.0.1:9/fuzz-webhook"
PUBLIC = ("/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/password-reset",
          "/api/v1/auth/password-reset/confirm", "/api/v1/openapi.json")


def _op(ctx):
    op = ctx.operation
    return op.method.upper(), op.path


@schemathesis.hook
def flatmap_path_parameters(ctx, path_parameters):
    method, path = _op(ctx)
    if not path_parameters or method == "DELETE" or any(p in path for p in NEVER_REAL):
        return st.just(path_parameters)
    real = dict(path_parameters)
    for name in real:
        if name in REAL:
            real[name] = REAL[name]
    return st.sampled_from([path_parameters, real])


# Schemathesis also reuses ids it read from earlier answers (`GET /api/v1/tokens`
# lists the fixture's own token), so destructive operations are kept off every
# fixture id here, whatever produced the value.
PROTECTED = {str(v) for v in (*REAL.values(), FIXTURE["token_id"], FIXTURE["user_id"])}


@schemathesis.hook
def before_call(ctx, case, kwargs):
    """Points a destructive call that names a fixture id at id 1 instead (no row has it)."""
    method, path = case.operation.method.upper(), case.operation.path
    if method != "DELETE" and not any(p in path for p in NEVER_REAL):
        return
    params = case.path_parameters or {}
    for name, value in params.items():
        if str(value) in PROTECTED:
            params[name] = 1


@schemathesis.hook
def map_body(ctx, body):
    if isinstance(body, dict) and isinstance(body.get("webhook_url"), str):
        body = dict(body, webhook_url=WEBHOOK_SINK)
    return body


def _set_cookie(case, value):
    case.cookies = dict(case.cookies or {}, sightline_session=value)
    case.headers = dict(case.headers or {}, Origin=BASE)


@schemathesis.auth(refresh_interval=None).apply_to(method="POST", path="/api/v1/auth/logout")
class FreshSession:
    """A new account's session for each log-out example (cookie mode)."""

    def get(self, case, ctx):
        if MODE != "cookie":
            return None
        email = f"logout-{uuid.uuid4().hex}@fuzz.example"
        r = requests.post(f"{BASE}/api/v1/auth/register", timeout=30, headers={"Origin": BASE},
                          json={"email": email, "password": "fuzz-password-123", "name": "logout"})
        r.raise_for_status()
        return r.cookies["sightline_session"]

    def set(self, case, data, ctx):
        _set_cookie(case, data)


@schemathesis.auth(refresh_interval=None).skip_for(path=list(PUBLIC))
class Fixture:
    """The fixture user's session cookie, or its API token."""

    def get(self, case, ctx):
        return FIXTURE["cookie"] if MODE == "cookie" else FIXTURE["token"]

    def set(self, case, data, ctx):
        if MODE == "cookie":
            _set_cookie(case, data)
        else:
            case.headers = dict(case.headers or {}, Authorization=f"Bearer {data}")
