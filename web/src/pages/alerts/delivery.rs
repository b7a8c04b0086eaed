//! The delivery log of a project's alerts: each alert fired (or held back by
//! a throttle) and, per notification, its channel, target, status, path,
//! attempts and last error, in one line a reader can scan.

use leptos::prelude::*;
use sightline_api_types::AlertFiring;

use crate::format;

/// The table of fired alerts, newest first as the API returns them.
#[component]
pub(super) fn DeliveryLog(alerts: Vec<AlertFiring>) -> impl IntoView {
    view! {
        <table class="plain delivery-log">
            <thead><tr><th>"When"</th><th>"Rule"</th><th>"Alert"</th><th>"Delivery"</th></tr></thead>
            <tbody>
                {alerts.into_iter().map(|a| {
                    let deliveries = if a.suppressed {
                        "held back by the throttle".to_string()
                    } else {
                        a.deliveries.iter().map(|d| {
                            let mut s = format!("{} {}: {}", d.channel, d.target, d.status);
                            if let Some(path) = &d.path { s.push_str(&format!(" via {path}")); }
                            s.push_str(&format!(", {} attempt{}", d.attempts, if d.attempts == 1 { "" } else { "s" }));
                            if let Some(e) = &d.last_error { s.push_str(&format!(" (last error: {e})")); }
                            s
                        }).collect::<Vec<_>>().join("; ")
                    };
                    let held = (a.held_back > 0).then(|| format!(" (+{} held back)", a.held_back));
                    view! {
                        <tr class:muted=a.suppressed>
                            <td title=a.fired_at.clone()>{format::relative(&a.fired_at)}</td>
                            <td>{a.rule_name.clone()}</td>
                            <td>{a.test.then(|| view! { <span class="badge">"test"</span> " " })}{a.summary.clone()}{held}</td>
                            <td class="delivery">{deliveries}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
