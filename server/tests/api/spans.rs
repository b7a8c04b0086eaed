//! Page loads as `@sentry/browser` 11 streams them: `span` items captured from
//! the real SDK in Chromium (server/tests/fixtures/spans), the page load in
//! one envelope and its LCP, INP and CLS spans in two later ones, join into
//! one `transactions` row that the performance API shows with its LCP element.

use clickhouse::Row;
use serde::Deserialize;

use crate::{alerts_support::AlertsApp, fixtures::*, helpers::spawn_app};

const ENVELOPES: [&str; 3] = [
    include_str!("../fixtures/spans/browser-11-envelope-1.txt"),
    include_str!("../fixtures/spans/browser-11-envelope-2.txt"),
    include_str!("../fixtures/spans/browser-11-envelope-3.txt"),
];

/// Moves the captured envelope's epoch-second timestamps (1796507xxx) to the last half hour.
fn recent(envelope: &str) -> String {
    let now = (chrono::Utc::now().timestamp() / 1000 - 1).to_string();
    envelope.replace("1796507", &now)
}

#[derive(Debug, Row, Deserialize)]
struct PageLoad {
    name: String,
    op: String,
    lcp: Option<f64>,
    fcp: Option<f64>,
    cls: Option<f64>,
    inp: Option<f64>,
    ttfb: Option<f64>,
    release: String,
    environment: String,
    browser: String,
    lcp_element: String,
    inp_target: String,
}

#[tokio::test]
async fn a_page_load_streamed_in_three_span_envelopes_is_one_row_with_its_vitals_and_lcp_element() {
    let app = spawn_app().await;
    for envelope in ENVELOPES {
        let resp = app.post_envelope(recent(envelope)).await;
        assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    }
    let count = format!("SELECT count() FROM transactions WHERE project_id = {}", app.project_id);
    assert_eq!(app.wait_for_count(&count, 1).await, 1);
    let rows: Vec<PageLoad> = app.rows("transactions", "").await;
    let [row] = &rows[..] else { panic!("{rows:?}") };
    assert_eq!((row.name.as_str(), row.op.as_str()), ("/products/42", "pageload"));
    assert_eq!((row.lcp, row.fcp, row.cls, row.inp), (Some(336.0), Some(336.0), Some(0.0), Some(32.0)));
    assert!(row.ttfb.is_some_and(|t| (t - 79.1).abs() < 0.01), "{:?}", row.ttfb);
    assert_eq!((row.release.as_str(), row.environment.as_str()), ("cap@1", "e2e"));
    assert_eq!(row.browser, "Chrome", "from the span, not reqwest's User-Agent");
    assert_eq!((row.lcp_element.as_str(), row.inp_target.as_str()), ("body > h1#hero-title.big", "body > button#b"));

    let browser = AlertsApp::member_of(&app).await;
    let (status, perf) = browser.get(&format!("/api/v1/projects/{}/performance?period=24h", app.project_id)).await;
    assert_eq!(status, 200, "{perf}");
    assert_eq!(perf["pages"][0]["name"], "/products/42");
    let p75 = perf["pages"][0]["lcp"].as_f64().unwrap();
    assert!((p75 - 336.0).abs() < 336.0 * 0.03, "p75 from the rollup's histogram: {p75}");
    let path = format!("/api/v1/projects/{}/performance/attribution?page=%2Fproducts%2F42", app.project_id);
    let (status, blamed) = browser.get(&path).await;
    assert_eq!(status, 200, "{blamed}");
    assert_eq!(blamed["lcp"][0]["selector"], "body > h1#hero-title.big");
    assert_eq!(blamed["lcp"][0]["samples"], 1);
    assert_eq!(blamed["inp"][0]["selector"], "body > button#b");
    let (status, err) = browser.get(&format!("/api/v1/projects/{}/performance/attribution", app.project_id)).await;
    assert_eq!((status.as_u16(), err["error"]["code"].as_str()), (422, Some("validation")), "a page is required");
    app.stop().await;
}

#[tokio::test]
async fn a_page_load_still_waiting_for_its_vitals_is_written_at_shutdown() {
    let app = spawn_app().await;
    assert_eq!(app.post_envelope(recent(ENVELOPES[0])).await.status(), 200);
    let (ch, project_id) = (app.ch.clone(), app.project_id);
    app.stop().await;
    let n: u64 = ch
        .query(&format!("SELECT count() FROM transactions WHERE project_id = {project_id} AND lcp IS NULL AND fcp > 0"))
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(n, 1, "the page load with its FCP and TTFB, not lost");
}

#[tokio::test]
async fn an_unreadable_span_item_is_refused_alone_and_the_rest_of_the_envelope_kept() {
    let app = spawn_app().await;
    let id = new_id();
    let body = envelope(
        serde_json::json!({"event_id": id}),
        &[
            ("span", br#"{"version":2,"items":"not a list"}"#.to_vec()),
            ("event", serde_json::to_vec(&js_error(&id, "still stored", "f", 1)).unwrap()),
        ],
    );
    assert_eq!(app.post_envelope(body).await.status(), 200);
    assert_eq!(app.wait_for_events(1).await, 1);
    app.stop().await;
}
