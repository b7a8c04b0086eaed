//! Span items as `@sentry/browser` 11.12.0 sent them from Chromium (captured
//! envelopes under server/tests/fixtures/spans, child spans trimmed).

use super::*;
use chrono::TimeZone;

fn ctx() -> IngestContext {
    IngestContext {
        project_id: 7,
        received_at: chrono::Utc.timestamp_opt(1_796_507_500, 0).unwrap(),
        client_user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0".into()),
        client_ip: None,
        envelope_event_id: None,
    }
}

/// Returns the payload of the envelope's only item.
fn payload(envelope: &str) -> &[u8] {
    envelope.lines().nth(2).expect("an item payload").as_bytes()
}

const PAGELOAD: &str = include_str!("../../tests/fixtures/spans/browser-11-envelope-1.txt");
const LCP: &str = include_str!("../../tests/fixtures/spans/browser-11-envelope-2.txt");
const INP_CLS: &str = include_str!("../../tests/fixtures/spans/browser-11-envelope-3.txt");
const STATIC_INP: &str = include_str!("../../tests/fixtures/spans/browser-11-static-inp.txt");

#[test]
fn reads_the_streamed_page_load_and_skips_its_child_spans() {
    let item = parse_span_item(payload(PAGELOAD)).unwrap();
    assert_eq!((item.skipped, item.invalid), (3, 0), "resource and paint spans are not page loads");
    let [page] = &item.facts[..] else { panic!("{:?}", item.facts) };
    assert!(page.is_page);
    assert_eq!(page.op, "pageload");
    assert_eq!(page.segment_id, "a919491e0759bf21");
    assert_eq!(page.trace_id, "9e236b3940184423862b5cc9b46d9d1e");
    assert_eq!((page.segment_name.as_str(), page.name_source.as_str()), ("Pageload", "url"));
    assert_eq!(page.url_path, "/products/42");
    assert_eq!((page.release.as_str(), page.environment.as_str()), ("cap@1", "e2e"));
    assert_eq!(page.vitals.fcp, Some(336.0));
    assert!((page.vitals.ttfb.unwrap() - 79.1).abs() < 0.01);
    assert_eq!((page.vitals.lcp, page.vitals.cls), (None, None));
}

#[test]
fn reads_vital_spans_with_their_attribution_and_page_load() {
    let lcp = parse_span_item(payload(LCP)).unwrap();
    let [lcp] = &lcp.facts[..] else { panic!() };
    assert!(!lcp.is_page);
    assert_eq!(lcp.segment_id, "a919491e0759bf21", "joined to the page load");
    assert_eq!(lcp.vitals.lcp, Some(336.0));
    assert_eq!(lcp.vitals.lcp_element, "body > h1#hero-title.big");
    let rest = parse_span_item(payload(INP_CLS)).unwrap();
    assert_eq!(rest.facts.len(), 2);
    assert_eq!(rest.facts[0].vitals.inp, Some(32.0));
    assert_eq!(rest.facts[0].vitals.inp_target, "body > button#b");
    assert_eq!(rest.facts[1].vitals.cls, Some(0.0));
}

#[test]
fn a_page_load_joined_from_three_envelopes_becomes_one_transaction_row() {
    let c = ctx();
    let mut parts = Vec::new();
    for env in [PAGELOAD, LCP, INP_CLS] {
        parts.extend(parse_span_item(payload(env)).unwrap().facts);
    }
    let mut parts = parts.into_iter();
    let mut draft = PageLoadDraft::new(7, parts.next().unwrap(), &c);
    assert!(!draft.is_complete(), "LCP and CLS still to come");
    for p in parts {
        draft.add(p, &c);
    }
    assert!(draft.is_complete());
    let row = draft.clone().into_row();
    assert_eq!(row.project_id, 7);
    assert_eq!(row.name, "/products/42");
    assert_eq!(row.op, "pageload");
    assert_eq!(row.url, "http://127.0.0.1:36271/products/42?x=1");
    assert_eq!((row.lcp, row.fcp, row.cls, row.inp), (Some(336.0), Some(336.0), Some(0.0), Some(32.0)));
    assert_eq!(row.lcp_element, "body > h1#hero-title.big");
    assert_eq!(row.inp_target, "body > button#b");
    assert_eq!(row.browser, "Chrome", "from the span's user_agent.original, not the request's");
    assert_eq!(row.release, "cap@1");
    assert_eq!(row.sdk_name, "sentry.javascript.browser");
    assert_eq!(row.timestamp, 1_796_507_493);
    assert!((row.duration_ms - 336.0).abs() < 0.01, "{}", row.duration_ms);
    assert_eq!(row.event_id, draft.into_row().event_id, "the id is stable for a page load");
}

#[test]
fn a_standalone_inp_span_is_named_after_its_route() {
    let item = parse_span_item(payload(STATIC_INP)).unwrap();
    let [inp] = &item.facts[..] else { panic!() };
    let draft = PageLoadDraft::new(7, inp.clone(), &ctx());
    assert!(!draft.is_complete(), "no page load: waits for it, then stands alone");
    let row = draft.into_row();
    assert_eq!((row.name.as_str(), row.op.as_str()), ("/products/42", "ui.interaction.click"));
    assert_eq!((row.inp, row.lcp), (Some(32.0), None));
    assert_eq!(row.inp_target, "body > button#b");
}

#[test]
fn reads_an_older_v1_span_with_measurements() {
    let v1 = br#"{"span_id":"aa","trace_id":"bb","segment_id":"cc","op":"ui.interaction.click",
        "description":"body > a.buy","timestamp":1796507493.2,"start_timestamp":1796507493.1,
        "data":{"sentry.op":"ui.interaction.click","transaction":"/cart","release":"r1"},
        "measurements":{"inp":{"value":240,"unit":"millisecond"}}}"#;
    let item = parse_span_item(v1).unwrap();
    let [f] = &item.facts[..] else { panic!("{item:?}") };
    assert_eq!((f.segment_id.as_str(), f.release.as_str()), ("cc", "r1"));
    assert_eq!((f.vitals.inp, f.vitals.inp_target.as_str()), (Some(240.0), "body > a.buy"));
}

#[test]
fn unreadable_spans_are_counted_and_bad_containers_rejected() {
    let item =
        parse_span_item(br#"{"version":2,"items":[1,{"name":"no ids"},{"span_id":"a","trace_id":"b"}]}"#).unwrap();
    assert_eq!((item.facts.len(), item.skipped, item.invalid), (0, 1, 2));
    assert!(parse_span_item(b"[]").is_err());
    assert!(parse_span_item(b"{\"items\":{}}").is_err());
    assert!(parse_span_item(b"nope").is_err());
    let huge = br#"{"items":[{"span_id":"a","trace_id":"b","is_segment":true,"attributes":{"sentry.op":{"value":"pageload"},"browser.web_vital.lcp.value":{"value":-5},"browser.web_vital.cls.value":{"value":"x"}}}]}"#;
    let item = parse_span_item(huge).unwrap();
    assert_eq!(
        (item.facts[0].vitals.lcp, item.facts[0].vitals.cls),
        (None, None),
        "negative or text vitals are absent"
    );
}
