"""Real data for the API fuzz run (scripts/test-api-fuzz.sh), made through the API itself.

Usage: fixture.py BASE_URL OUT.json

Registers a user (its personal team), creates a project, sends it an error
event and a page load through the ingest endpoint and waits for the issue,
adds an alert rule, an invite, a source map and an API token with every
scope, and writes their ids, the session cookie and the token to OUT.json.
Standard library only, so it runs before anything is installed.
"""

import json
import sys
import time
import urllib.error
import urllib.request
import uuid

BASE = sys.argv[1].rstrip("/")
OUT = sys.argv[2]
cookie = ""


def call(method, path, body=None, *, raw=None, content_type="application/json", expect=(200, 201), status=False):
    global cookie
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Origin", BASE)
    if data is not None:
        req.add_header("Content-Type", content_type)
    if cookie:
        req.add_header("Cookie", f"sightline_session={cookie}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status_code, text, headers = r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        status_code, text, headers = e.code, e.read().decode(), e.headers
    if status_code not in expect:
        sys.exit(f"fixture: {method} {path} answered {status_code}: {text}")
    for h in headers.get_all("Set-Cookie") or []:
        if h.startswith("sightline_session="):
            cookie = h.split(";", 1)[0].split("=", 1)[1]
    parsed = json.loads(text) if text else None
    return (status_code, parsed) if status else parsed


me = call("POST", "/api/v1/auth/register",
          {"email": "fuzz-owner@fuzz.example", "password": "fuzz-password-123", "name": "Fuzz Owner"})
team_id = me["teams"][0]["id"]
project = call("POST", f"/api/v1/teams/{team_id}/projects", {"name": "fuzzed", "platform": "javascript"})
project_id, key = project["id"], project["keys"][0]

# One error with a stack trace, tags and breadcrumbs, and one page load with vitals.
now = time.time()
event_id = uuid.uuid4().hex
error = {
    "event_id": event_id, "timestamp": now, "platform": "javascript", "level": "error", "release": "1.0.0",
    "environment": "production", "tags": {"browser": "Chrome", "route": "/checkout"},
    "exception": {"values": [{"type": "TypeError", "value": "x is undefined", "stacktrace": {"frames": [
        {"filename": "https://shop.example/static/app.min.js", "function": "pay", "lineno": 1, "colno": 10,
         "in_app": True}]}}]},
    "breadcrumbs": {"values": [{"category": "ui.click", "message": "button#pay", "timestamp": now}]},
    "request": {"url": "https://shop.example/checkout", "headers": {"User-Agent": "Mozilla/5.0 Chrome/120.0"}},
}
tx_id = uuid.uuid4().hex
page_load = {
    "event_id": tx_id, "type": "transaction", "transaction": "/checkout", "platform": "javascript",
    "start_timestamp": now - 2, "timestamp": now, "release": "1.0.0",
    "contexts": {"trace": {"op": "pageload", "trace_id": uuid.uuid4().hex, "span_id": uuid.uuid4().hex[:16]}},
    "measurements": {"lcp": {"value": 1800.0}, "fcp": {"value": 900.0}, "cls": {"value": 0.05},
                     "ttfb": {"value": 120.0}, "inp": {"value": 150.0}},
}
envelope = "\n".join([
    json.dumps({"event_id": event_id}), json.dumps({"type": "event"}), json.dumps(error),
    json.dumps({"type": "transaction"}), json.dumps(page_load),
]).encode()
# The server's key cache learns the new key within SIGHTLINE_KEY_REFRESH_SECS.
for _ in range(100):
    code, _ = call("POST", f"/api/{project_id}/envelope/?sentry_key={key['public_key']}", raw=envelope,
                   content_type="application/x-sentry-envelope", expect=(200, 401), status=True)
    if code == 200:
        break
    time.sleep(0.2)
else:
    sys.exit("fixture: the project's key never became valid for ingest")

issue_id = None
for _ in range(300):
    issues = call("GET", f"/api/v1/projects/{project_id}/issues?period=24h")
    items = issues["issues"] if isinstance(issues, dict) else issues
    if items:
        issue_id = items[0]["id"]
        break
    time.sleep(0.1)
if issue_id is None:
    sys.exit("fixture: the event never became an issue")
events = call("GET", f"/api/v1/issues/{issue_id}/events")
events = events["events"] if isinstance(events, dict) else events
stored_event_id = events[0]["event_id"] if events else event_id

rule = call("POST", f"/api/v1/projects/{project_id}/alert-rules",
            {"name": "new issues", "kind": "new_issue", "email_to": ["ops@fuzz.example"]})
invite = call("POST", f"/api/v1/teams/{team_id}/invites", {"email": "invitee@fuzz.example", "role": "member"})

release = "1.0.0"
boundary = "fuzzboundary" + uuid.uuid4().hex
js = b"function pay(){x.y}\n//# sourceMappingURL=app.min.js.map\n"
smap = json.dumps({"version": 3, "file": "app.min.js", "sources": ["app.ts"], "names": ["pay"],
                   "mappings": "AAAAA", "sourcesContent": ["function pay() { x.y }"]}).encode()
parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"url_prefix\"\r\n\r\n"
         "https://shop.example/static/\r\n".encode()]
for name, content in (("app.min.js", js), ("app.min.js.map", smap)):
    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
parts.append(f"--{boundary}--\r\n".encode())
uploaded = call("POST", f"/api/v1/projects/{project_id}/releases/{release}/sourcemaps", raw=b"".join(parts),
                content_type=f"multipart/form-data; boundary={boundary}")
artifacts = uploaded["artifacts"] if isinstance(uploaded, dict) else uploaded

token = call("POST", "/api/v1/tokens", {"name": "fuzz", "scopes": ["read", "write", "project:releases"]})

with open(OUT, "w", encoding="utf-8") as f:
    json.dump({
        "cookie": cookie, "token": token["secret"], "token_id": token["token"]["id"], "user_id": me["user"]["id"], "team_id": team_id,
        "project_id": project_id, "key_id": key["id"], "issue_id": issue_id, "event_id": stored_event_id,
        "rule_id": rule["id"], "invite_id": invite["id"], "release": release, "artifact_id": artifacts[0]["id"],
    }, f)
print(f"fixture: team {team_id}, project {project_id}, issue {issue_id}, rule {rule['id']}")
