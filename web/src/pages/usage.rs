//! Usage of a project: what became of the items its SDKs sent, per day (a
//! stacked bar chart of accepted / filtered / rate limited / invalid / dropped
//! by the SDK) and broken down by outcome, category and reason.

use leptos::prelude::*;
use sightline_api_types::{Usage as UsageData, UsageDay};

use crate::{
    api,
    components::{
        layout::ProjectHeader,
        period::{self, PeriodFilter},
        states::{Empty, ErrorBox, Loading},
    },
    pages::param_id,
};

/// The outcomes in stacking order, with their labels.
const OUTCOMES: [(&str, &str); 5] = [
    ("accepted", "Accepted"),
    ("filtered", "Filtered"),
    ("rate_limited", "Rate limited"),
    ("invalid", "Invalid"),
    ("client_discard", "Dropped by the SDK"),
];

fn pick(d: &UsageDay, outcome: &str) -> u64 {
    match outcome {
        "accepted" => d.accepted,
        "filtered" => d.filtered,
        "rate_limited" => d.rate_limited,
        "invalid" => d.invalid,
        _ => d.client_discard,
    }
}

/// Shows a project's usage.
#[component]
pub fn Usage() -> impl IntoView {
    let id = param_id("project");
    let period = RwSignal::new("30d".to_string());
    let data = LocalResource::new(move || {
        let p = period.get();
        async move { api::usage(id.get(), &p).await }
    });
    let body = move || match data.get() {
        None => view! { <Loading label="Loading usage…"/> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
        Some(Ok(u)) if u.lines.is_empty() => view! {
            <Empty title="Nothing received in this period">
                <p>"Every item an SDK sends is counted here: stored, filtered, rate limited or invalid."</p>
            </Empty>
        }
        .into_any(),
        Some(Ok(u)) => view! { <UsageView usage=u/> }.into_any(),
    };
    view! {
        <ProjectHeader id/>
        <PeriodFilter period choices=period::LONG/>
        {body}
    }
}

#[component]
fn UsageView(usage: UsageData) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Items per day"</h2>
            <DayBars days=usage.series/>
            <ul class="legend">
                {OUTCOMES.iter().map(|(k, label)| view! { <li><span class=format!("swatch outcome-{k}")></span>{*label}</li> }).collect_view()}
            </ul>
        </section>
        <section class="card">
            <h2>"Breakdown"</h2>
            <div class="table-wrap">
                <table class="usage">
                    <thead><tr><th>"Outcome"</th><th>"Category"</th><th>"Reason"</th><th class="num">"Items"</th></tr></thead>
                    <tbody>
                        {usage.lines.into_iter().map(|l| view! {
                            <tr data-outcome=l.outcome.clone()>
                                <td>{OUTCOMES.iter().find(|(k, _)| *k == l.outcome).map_or(l.outcome.clone(), |(_, label)| label.to_string())}</td>
                                <td>{l.category}</td>
                                <td>{if l.outcome == "accepted" { String::new() } else { l.reason }}</td>
                                <td class="num">{l.quantity}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// One stacked bar per day, tallest day at full height.
#[component]
fn DayBars(days: Vec<UsageDay>) -> impl IntoView {
    const W: f64 = 720.0;
    const H: f64 = 180.0;
    let max = days.iter().map(|d| OUTCOMES.iter().map(|(k, _)| pick(d, k)).sum::<u64>()).max().unwrap_or(0).max(1);
    let slot = W / days.len().max(1) as f64;
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut y = H;
            let day = d.t.get(..10).unwrap_or_default().to_string();
            OUTCOMES
                .iter()
                .filter(|(k, _)| pick(d, k) > 0)
                .map(|(k, label)| {
                    let v = pick(d, k);
                    let h = (v as f64 / max as f64 * H).max(1.0);
                    y -= h;
                    view! {
                        <rect class=format!("outcome-{k}") x=format!("{:.1}", i as f64 * slot + slot * 0.1) y=format!("{y:.1}")
                            width=format!("{:.1}", slot * 0.8) height=format!("{h:.1}")>
                            <title>{format!("{day}: {v} {}", label.to_lowercase())}</title>
                        </rect>
                    }
                })
                .collect_view()
        })
        .collect_view();
    view! {
        <svg class="usage-chart" viewBox=format!("0 0 {W} {H}") role="img" aria-label=format!("items per day, at most {max}")>
            {bars}
        </svg>
    }
}
