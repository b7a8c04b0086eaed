use chrono::{TimeZone, Utc};

use super::*;

fn ctx() -> IngestContext {
    IngestContext {
        project_id: 7,
        received_at: Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap(),
        client_user_agent: None,
        client_ip: None,
        envelope_event_id: None,
    }
}

#[test]
fn a_browser_sdk_update_becomes_a_row() {
    // As @sentry/browser 11 sends it (`Session.toJSON`).
    let payload = br#"{"sid":"8d4a7c2e0f8b4e7a9f3c2b1a0e9d8c7b","init":true,"started":"2026-12-06T11:59:58.120Z",
        "timestamp":"2026-12-06T11:59:58.120Z","status":"ok","errors":0,"did":"user-1",
        "attrs":{"release":"shop@1.2.0","environment":"staging","user_agent":"Mozilla/5.0"}}"#;
    let row = parse_update(payload, &ctx()).unwrap();
    assert_eq!(row.project_id, 7);
    assert_eq!(row.session_id, "8d4a7c2e0f8b4e7a9f3c2b1a0e9d8c7b");
    assert_eq!((row.release.as_str(), row.environment.as_str()), ("shop@1.2.0", "staging"));
    assert_eq!(row.distinct_id, "user-1");
    assert_eq!(i64::from(row.timestamp), Utc.with_ymd_and_hms(2026, 12, 6, 11, 59, 58).unwrap().timestamp());
    assert_eq!((row.n_started, row.n_errored, row.n_abnormal, row.n_crashed), (1, 0, 0, 0));
}

#[test]
fn errors_or_a_bad_end_make_a_session_errored_and_crashed_only_when_it_crashed() {
    let update = |status: &str, errors: u32| {
        let p = format!(
            r#"{{"sid":"8d4a7c2e-0f8b-4e7a-9f3c-2b1a0e9d8c7b","started":1796558390,"timestamp":1796558399,
                "status":"{status}","errors":{errors},"attrs":{{"release":"r1"}}}}"#
        );
        parse_update(p.as_bytes(), &ctx()).unwrap()
    };
    let ok = update("ok", 1);
    assert_eq!((ok.n_started, ok.n_errored, ok.n_crashed), (0, 1, 0));
    let crashed = update("crashed", 1);
    assert_eq!((crashed.n_errored, crashed.n_crashed, crashed.status.as_str()), (1, 1, "crashed"));
    let abnormal = update("abnormal", 0);
    assert_eq!((abnormal.n_errored, abnormal.n_abnormal, abnormal.n_crashed), (1, 1, 0));
    let unhandled = update("unhandled", 1);
    assert_eq!((unhandled.n_errored, unhandled.n_crashed, unhandled.n_unhandled), (1, 1, 1), "a front end's crash");
    assert_eq!(crashed.n_unhandled, 0);
    let exited = update("exited", 0);
    assert_eq!((exited.n_errored, exited.n_crashed), (0, 0));
    assert_eq!(exited.environment, "production", "the SDKs' default environment");
}

#[test]
fn bad_updates_are_refused_with_their_reason() {
    let base = |fields: &str| {
        format!(
            r#"{{"sid":"8d4a7c2e0f8b4e7a9f3c2b1a0e9d8c7b","started":"2026-12-06T11:00:00Z","timestamp":"2026-12-06T11:00:00Z",{fields}}}"#
        )
    };
    let reason = |p: String| parse_update(p.as_bytes(), &ctx()).unwrap_err();
    assert_eq!(reason(base(r#""status":"exploded","attrs":{"release":"r"}"#)), "invalid_status");
    assert_eq!(reason(base(r#""status":"ok","attrs":{"environment":"prod"}"#)), "missing_release");
    assert_eq!(reason(base(r#""status":"ok""#)), "missing_release");
    assert_eq!(reason(base(r#""attrs":{"release":"a\nb"}"#)), "invalid_release");
    let old = r#"{"sid":"8d4a7c2e0f8b4e7a9f3c2b1a0e9d8c7b","started":"2020-01-01T00:00:00Z","timestamp":"2020-01-01T00:00:00Z","attrs":{"release":"r"}}"#;
    assert_eq!(reason(old.into()), "timestamp_too_old");
    let future =
        r#"{"sid":"8d4a7c2e0f8b4e7a9f3c2b1a0e9d8c7b","timestamp":"2027-06-01T00:00:00Z","attrs":{"release":"r"}}"#;
    assert_eq!(reason(future.into()), "timestamp_in_future");
    let sid = r#"{"sid":"not-a-uuid","attrs":{"release":"r"}}"#;
    assert_eq!(reason(sid.into()), "invalid_session_id");
    assert_eq!(reason("[1,2]".into()), "invalid_payload");
    let backwards = r#"{"sid":"8d4a7c2e0f8b4e7a9f3c2b1a0e9d8c7b","started":"2026-12-06T11:30:00Z","timestamp":"2026-12-06T11:00:00Z","attrs":{"release":"r"}}"#;
    assert_eq!(reason(backwards.into()), "started_after_timestamp");
}

#[test]
fn aggregates_become_one_row_per_group_and_bad_groups_are_counted() {
    let payload = br#"{"aggregates":[
        {"started":"2026-12-06T11:00:00Z","exited":8,"errored":3,"crashed":1,"did":"u1"},
        {"started":"2026-12-06T11:01:00Z","exited":2,"unhandled":1},
        {"started":"2019-01-01T00:00:00Z","exited":5},
        {"exited":1},
        {"started":"2026-12-06T11:02:00Z"}
    ],"attrs":{"release":"r2","environment":"production"}}"#;
    let out = parse_aggregates(payload, &ctx()).unwrap();
    assert_eq!(out.rows.len(), 2, "the empty group is skipped");
    let first = &out.rows[0];
    assert_eq!((first.n_started, first.n_errored, first.n_abnormal, first.n_crashed), (12, 4, 0, 1));
    assert_eq!((first.session_id.as_str(), first.distinct_id.as_str()), ("", "u1"));
    let second = &out.rows[1];
    assert_eq!((second.n_started, second.n_errored, second.n_crashed, second.n_unhandled), (3, 1, 1, 1));
    assert_eq!(out.invalid, vec!["timestamp_too_old", "invalid_timestamp"]);
    let no_release = br#"{"aggregates":[{"started":"2026-12-06T11:00:00Z","exited":1}]}"#;
    assert_eq!(parse_aggregates(no_release, &ctx()).unwrap_err(), "missing_release");
}
