//! Allowed origins at the ingest endpoint: a page outside the project's list
//! is refused with 403 and a reason the browser can read (CORS headers stay),
//! listed pages and requests that name no page (server-side SDKs) pass, and
//! a change reaches ingest through NOTIFY without a restart.

use std::time::Duration;

use crate::{fixtures::*, helpers::spawn_app};

#[tokio::test]
async fn only_pages_on_allowed_origins_may_send_events() {
    let app = spawn_app().await;
    sqlx::query("UPDATE projects SET allowed_origins = ARRAY['*.shop.example', 'http://127.0.0.1:4000'] WHERE id = $1")
        .bind(app.project_id)
        .execute(&app.pg)
        .await
        .unwrap();
    // The trigger's NOTIFY reloads the key cache; no explicit reload here.
    let send = |origin: Option<&'static str>, referer: Option<&'static str>| {
        let mut req = app.http.post(app.envelope_url()).body(event_envelope(&js_error(&new_id(), "origins", "f", 1)));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        if let Some(r) = referer {
            req = req.header("referer", r);
        }
        req.send()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    // Sent before the change arrived, and stored: counted below.
    let mut before_reload = 0;
    let refused = loop {
        let resp = send(Some("https://evil.example"), None).await.unwrap();
        if resp.status() == 403 || tokio::time::Instant::now() > deadline {
            break resp;
        }
        before_reload += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused.headers()["x-sentry-error"],
        "invalid origin: https://evil.example is not in the project's allowed origins"
    );
    assert_eq!(refused.headers()["access-control-allow-origin"], "*", "the browser may read the refusal");

    for (origin, referer) in [
        (Some("https://www.shop.example"), None),
        (Some("https://shop.example"), None),
        (Some("http://127.0.0.1:4000"), None),
        (None, Some("https://a.shop.example/checkout?step=2")),
        (None, None),
    ] {
        let resp = send(origin, referer).await.unwrap();
        assert_eq!(resp.status(), 200, "{origin:?} {referer:?}");
    }
    for (origin, referer) in [
        (Some("http://127.0.0.1:4001"), None),
        (Some("null"), None),
        (None, Some("https://shop.example.evil.net/")),
        (Some("https://evil.example"), Some("https://www.shop.example/")),
    ] {
        let resp = send(origin, referer).await.unwrap();
        assert_eq!(resp.status(), 403, "{origin:?} {referer:?}");
    }
    let want = 5 + before_reload;
    assert_eq!(app.wait_for_events(want).await, want, "only the five allowed events were stored");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.wait_for_events(want).await, want);

    // An empty list allows every origin again.
    sqlx::query("UPDATE projects SET allowed_origins = '{}' WHERE id = $1")
        .bind(app.project_id)
        .execute(&app.pg)
        .await
        .unwrap();
    app.reload_keys().await;
    assert_eq!(send(Some("https://evil.example"), None).await.unwrap().status(), 200);
    app.stop().await;
}
