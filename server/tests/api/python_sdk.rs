//! A real foreign client: the Python `sentry-sdk` from PyPI, configured with
//! our DSN, reports an exception and it lands like any other event.

use clickhouse::Row;
use serde::Deserialize;

use crate::helpers::spawn_app;

const SCRIPT: &str = r#"
import sys
import sentry_sdk

sentry_sdk.init(dsn=sys.argv[1], release="billing@2.3.1", environment="staging")
sentry_sdk.set_tag("tenant", "acme")

def divide(a, b):
    return a / b

try:
    divide(1, 0)
except Exception:
    sentry_sdk.capture_exception()
sentry_sdk.flush(10)
"#;

#[derive(Debug, Row, Deserialize)]
struct Stored {
    exception_type: String,
    platform: String,
    release: String,
    environment: String,
    sdk_name: String,
    frames: String,
    tags_key: Vec<String>,
}

#[tokio::test]
async fn the_python_sentry_sdk_reports_an_exception_that_lands() {
    let python = std::env::var("SIGHTLINE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let app = spawn_app().await;
    let output = tokio::process::Command::new(&python)
        .arg("-c")
        .arg(SCRIPT)
        .arg(app.dsn())
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run {python}: {e} (scripts/test.sh installs sentry-sdk)"));
    assert!(output.status.success(), "python failed: {}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(app.wait_for_events(1).await, 1, "the Python SDK's event arrived");
    let rows: Vec<Stored> = app.rows("events", "").await;
    let e = &rows[0];
    assert_eq!(e.exception_type, "ZeroDivisionError");
    assert_eq!(e.platform, "python");
    assert_eq!((e.release.as_str(), e.environment.as_str()), ("billing@2.3.1", "staging"));
    assert_eq!(e.sdk_name, "sentry.python");
    assert!(e.frames.contains("divide"), "{}", e.frames);
    assert!(e.tags_key.contains(&"tenant".to_string()));
    assert_eq!(app.wait_for_issues(1).await, 1);
    app.stop().await;
}
