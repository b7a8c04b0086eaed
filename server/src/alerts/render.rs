//! The words of an alert: the e-mail (subject, plain text and HTML) and the
//! webhook's JSON body, both rendered when the alert fires and stored in the
//! outbox row, so a retry sends exactly what the first attempt tried.

use serde_json::{json, Value};

use super::Alert;

/// Renders the e-mail as the outbox payload `{to, subject, text, html}`.
pub fn email(alert: &Alert, held_back: i32) -> Value {
    let rule = &alert.rule;
    let subject = format!("[{}] {}", rule.project_name, alert.summary);
    let mut lines = vec![alert.summary.clone(), String::new()];
    lines.push(format!("Project: {}", rule.project_name));
    lines.push(format!("Rule: {}", rule.name));
    for (label, value) in &alert.facts {
        lines.push(format!("{label}: {value}"));
    }
    if let Some(line) = digest(held_back) {
        lines.push(String::new());
        lines.push(line);
    }
    lines.push(String::new());
    lines.push(format!("Open in Sightline: {}", alert.link));
    let text = lines.join("\n");

    let mut rows = vec![row("Project", &rule.project_name), row("Rule", &rule.name)];
    rows.extend(alert.facts.iter().map(|(l, v)| row(l, v)));
    let digest_html = digest(held_back).map(|d| format!("<p><em>{}</em></p>", escape(&d))).unwrap_or_default();
    let html = format!(
        "<h2 style=\"font-family:sans-serif\">{}</h2><table style=\"font-family:sans-serif\">{}</table>{}\
         <p style=\"font-family:sans-serif\"><a href=\"{}\">Open in Sightline</a></p>",
        escape(&alert.summary),
        rows.join(""),
        digest_html,
        escape(&alert.link),
    );
    json!({ "to": rule.email_to, "subject": subject, "text": text, "html": html })
}

/// Renders the webhook payload `{url, body}`; `body` is the exact JSON text
/// POSTed (and signed), documented in the README.
pub fn webhook(alert: &Alert, firing_id: i64, held_back: i32) -> Value {
    let rule = &alert.rule;
    let mut text = format!("[{}] {} <{}>", rule.project_name, alert.summary, alert.link);
    if let Some(line) = digest(held_back) {
        text.push('\n');
        text.push_str(&line);
    }
    let facts: serde_json::Map<String, Value> =
        alert.facts.iter().map(|(l, v)| (l.clone(), Value::String(v.clone()))).collect();
    let body = json!({
        "text": text,
        "alert": {
            "id": firing_id,
            "kind": rule.kind,
            "test": alert.subject == super::TEST_SUBJECT,
            "summary": alert.summary,
            "value": alert.value,
            "held_back": held_back,
            "url": alert.link,
            "facts": facts,
            "rule": { "id": rule.id, "name": rule.name },
            "project": { "id": rule.project_id, "name": rule.project_name },
            "issue": alert.issue.as_ref().map(|i| json!({
                "id": i.id, "title": i.title, "culprit": i.culprit, "level": i.level, "times_seen": i.times_seen,
            })),
        }
    });
    json!({ "url": rule.webhook_url, "body": body.to_string() })
}

/// Says how many alerts the throttle held back since the last one sent.
fn digest(held_back: i32) -> Option<String> {
    match held_back {
        0 => None,
        1 => Some("1 more alert of this rule was held back by its throttle since the last one.".into()),
        n => Some(format!("{n} more alerts of this rule were held back by its throttle since the last one.")),
    }
}

fn row(label: &str, value: &str) -> String {
    format!("<tr><th align=\"left\">{}</th><td>{}</td></tr>", escape(label), escape(value))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}
