//! Alerts: a project's rules say what a team wants to hear about, and each
//! time one fires the firing is recorded and its notifications are queued in
//! a Postgres outbox. New-issue and regression rules are evaluated inside the
//! issue tracker's flush ([`issue_rules`]), in the same transaction as the
//! issue upsert, so nothing is added to the ingest request path and a crash
//! cannot lose an alert; frequency and Web-Vital rules are evaluated
//! periodically against ClickHouse ([`evaluator`]). [`record`] applies the
//! per-rule throttle (a held-back firing is still recorded and counted in the
//! next alert's digest line) and is idempotent: a firing has a dedup key, so
//! several server processes seeing the same condition record it once. The
//! [`outbox`] worker delivers by e-mail (Resend, then SMTP) and webhook
//! ([`webhook`]) with retries and exponential backoff; [`render`] writes the
//! messages. A webhook reaches only public addresses unless the operator
//! allows private ones: [`destination`] judges each URL when a rule is saved
//! and again, address by address, at every delivery ([`address`] is the
//! table of internal ranges).

pub mod address;
pub mod destination;
pub mod evaluator;
pub mod feedback_rules;
pub mod issue_rules;
pub mod outbox;
pub mod render;
pub mod rule;
pub mod webhook;

use sqlx::PgConnection;

pub use self::rule::Rule;

/// The issue an alert is about.
#[derive(Debug, Clone)]
pub struct IssueRef {
    pub id: i64,
    pub title: String,
    pub culprit: String,
    pub level: String,
    pub times_seen: i64,
}

/// One firing of a rule, before it is recorded.
#[derive(Debug, Clone)]
pub struct Alert {
    pub rule: Rule,
    pub issue: Option<IssueRef>,
    /// What the throttle counts per: `issue:<id>`, `project` or `page:<name>`.
    pub subject: String,
    /// Unique per rule: the same condition seen twice is recorded once.
    pub dedup_key: String,
    /// One line saying what happened, e.g. `New issue: TypeError: x is undefined`.
    pub summary: String,
    /// The measured number (events in the window, the p75), if any.
    pub value: Option<f64>,
    /// The key numbers, as label and value, for the message body.
    pub facts: Vec<(String, String)>,
    /// Where in the dashboard to look.
    pub link: String,
}

/// What [`record`] did with an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Recorded, and notifications were queued.
    Sent { firing_id: i64 },
    /// Recorded, but the rule's throttle held it back.
    Suppressed { firing_id: i64 },
    /// This rule already recorded the same dedup key.
    Duplicate,
}

/// Records `alert` (throttle and digest applied) and queues its
/// notifications, inside the caller's transaction.
pub async fn record(tx: &mut PgConnection, alert: &Alert) -> Result<Recorded, sqlx::Error> {
    let rule = &alert.rule;
    // Serialises firings of one rule across server processes, so two cannot
    // both decide the throttle window is open.
    sqlx::query("SELECT pg_advisory_xact_lock(7245, $1::int4)")
        .bind((rule.id % i32::MAX as i64) as i32)
        .execute(&mut *tx)
        .await?;
    let duplicate: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM alert_firings WHERE rule_id = $1 AND dedup_key = $2)")
            .bind(rule.id)
            .bind(&alert.dedup_key)
            .fetch_one(&mut *tx)
            .await?;
    if duplicate {
        return Ok(Recorded::Duplicate);
    }
    let last_sent: Option<chrono::DateTime<chrono::Utc>> = sqlx::query_scalar(
        "SELECT max(fired_at) FROM alert_firings WHERE rule_id = $1 AND subject = $2 AND NOT suppressed",
    )
    .bind(rule.id)
    .bind(&alert.subject)
    .fetch_one(&mut *tx)
    .await?;
    let throttle = chrono::Duration::minutes(rule.throttle_minutes as i64);
    let suppressed = rule.throttle_minutes > 0 && last_sent.is_some_and(|t| chrono::Utc::now() - t < throttle);
    let held_back: i64 = if suppressed {
        0
    } else {
        sqlx::query_scalar(
            "SELECT count(*) FROM alert_firings WHERE rule_id = $1 AND subject = $2 AND suppressed \
             AND ($3::timestamptz IS NULL OR fired_at > $3)",
        )
        .bind(rule.id)
        .bind(&alert.subject)
        .bind(last_sent)
        .fetch_one(&mut *tx)
        .await?
    };
    let held_back = held_back.min(i32::MAX as i64) as i32;
    let firing_id = insert(tx, alert, suppressed, held_back).await?;
    if suppressed {
        tracing::info!(rule = rule.id, subject = %alert.subject, "alert held back by the rule's throttle");
        return Ok(Recorded::Suppressed { firing_id });
    }
    tracing::info!(rule = rule.id, firing = firing_id, summary = %alert.summary, "alert fired");
    Ok(Recorded::Sent { firing_id })
}

/// What the throttle counts test notifications per; they are never held back.
pub const TEST_SUBJECT: &str = "test";

/// Builds the test notification of `rule`, asked for by `by` (an e-mail
/// address): the same message path as a real alert, without an issue.
pub fn test_alert(rule: Rule, by: &str, link: String) -> Alert {
    Alert {
        summary: format!("Test notification: {}", rule.name),
        subject: TEST_SUBJECT.into(),
        dedup_key: format!("test:{}", uuid::Uuid::new_v4().simple()),
        issue: None,
        value: None,
        facts: vec![
            ("Sent by".into(), by.into()),
            ("Why".into(), "Someone pressed \"Send test\" on this rule; nothing happened in the project.".into()),
        ],
        link,
        rule,
    }
}

/// Records a test notification and queues it on the rule's channels, past
/// the throttle (a test must go out).
pub async fn record_test(tx: &mut PgConnection, alert: &Alert) -> Result<i64, sqlx::Error> {
    let firing_id = insert(tx, alert, false, 0).await?;
    tracing::info!(rule = alert.rule.id, firing = firing_id, "test notification queued");
    Ok(firing_id)
}

/// Inserts the firing and, unless `suppressed`, its outbox rows.
async fn insert(tx: &mut PgConnection, alert: &Alert, suppressed: bool, held_back: i32) -> Result<i64, sqlx::Error> {
    let rule = &alert.rule;
    let firing_id: i64 = sqlx::query_scalar(
        "INSERT INTO alert_firings (rule_id, project_id, issue_id, subject, dedup_key, summary, value, suppressed, held_back, fired_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, clock_timestamp()) RETURNING id",
    )
    .bind(rule.id)
    .bind(rule.project_id)
    .bind(alert.issue.as_ref().map(|i| i.id))
    .bind(&alert.subject)
    .bind(&alert.dedup_key)
    .bind(&alert.summary)
    .bind(alert.value)
    .bind(suppressed)
    .bind(held_back)
    .fetch_one(&mut *tx)
    .await?;
    if suppressed {
        return Ok(firing_id);
    }
    if !rule.email_to.is_empty() {
        let payload = render::email(alert, held_back);
        queue(tx, firing_id, "email", &rule.email_to.join(", "), &payload).await?;
    }
    if let Some(url) = &rule.webhook_url {
        let payload = render::webhook(alert, firing_id, held_back);
        queue(tx, firing_id, "webhook", url, &payload).await?;
    }
    Ok(firing_id)
}

async fn queue(
    tx: &mut PgConnection,
    firing_id: i64,
    channel: &str,
    target: &str,
    payload: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO alert_outbox (firing_id, channel, target, payload) VALUES ($1, $2, $3, $4::jsonb)")
        .bind(firing_id)
        .bind(channel)
        .bind(target)
        .bind(payload.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(())
}
