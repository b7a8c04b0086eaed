//! The per-issue sparkline: one bar per bucket (24 hours or 14 days).

use leptos::prelude::*;

/// Draws event counts as small bars; the title gives the total.
#[component]
pub fn Sparkline(series: Vec<u64>, #[prop(into)] label: String) -> impl IntoView {
    let max = series.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = series.len().max(1) as f64;
    let (w, h) = (96.0, 24.0);
    let bw = w / n;
    let total: u64 = series.iter().sum();
    let bars = series
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let bh = if v == 0 { 1.0 } else { (v as f64 / max * (h - 2.0)).max(2.0) };
            view! {
                <rect
                    x=format!("{:.2}", i as f64 * bw + 0.5)
                    y=format!("{:.2}", h - bh)
                    width=format!("{:.2}", (bw - 1.0).max(1.0))
                    height=format!("{bh:.2}")
                    class=if v == 0 { "bar zero" } else { "bar" }
                ></rect>
            }
        })
        .collect_view();
    view! {
        <svg class="sparkline" viewBox="0 0 96 24" width="96" height="24" role="img" aria-label=format!("{label}: {total} events")>
            <title>{format!("{label}: {total} events")}</title>
            {bars}
        </svg>
    }
}
