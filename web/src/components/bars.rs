//! The issue page's event chart: one labelled bar per UTC day for the last
//! 14 days, with the peak on the y axis and each day's count on hover or
//! keyboard focus (the server's `issue_daily` buckets are UTC days).

use leptos::prelude::*;

const W: f64 = 280.0;
const H: f64 = 120.0;
const LEFT: f64 = 30.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 20.0;
const DAY_MS: f64 = 86_400_000.0;
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// "Nov 24" for the UTC day starting at `ms`.
fn day(ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    format!("{} {}", MONTHS[d.get_utc_month() as usize % 12], d.get_utc_date())
}

/// Draws `series` (events per day, oldest first, the last bar is today).
#[component]
pub fn DailyBars(series: Vec<u64>) -> impl IntoView {
    let hover = RwSignal::new(None::<String>);
    let total: u64 = series.iter().sum();
    if total == 0 {
        return view! { <p class="chart-empty">{format!("No events in the last {} days.", series.len())}</p> }
            .into_any();
    }
    let peak = series.iter().copied().max().unwrap_or(0);
    let count = series.len().max(1);
    let now = js_sys::Date::now();
    let first_day = now - now % DAY_MS - (count - 1) as f64 * DAY_MS;
    let step = (W - LEFT) / count as f64;
    let plot = H - TOP - BOTTOM;
    let bars = series
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let h = if v == 0 { 1.0 } else { (v as f64 / peak.max(1) as f64 * plot).max(2.0) };
            let tip = format!("{}: {} event{}", day(first_day + i as f64 * DAY_MS), v, if v == 1 { "" } else { "s" });
            let (t1, t2) = (tip.clone(), tip.clone());
            view! {
                <rect
                    class=if v == 0 { "bar zero" } else { "bar" }
                    x=format!("{:.1}", LEFT + i as f64 * step + 1.0)
                    y=format!("{:.1}", TOP + plot - h)
                    width=format!("{:.1}", (step - 2.0).max(1.0))
                    height=format!("{h:.1}")
                    tabindex="0"
                    on:mouseenter=move |_| hover.set(Some(t1.clone()))
                    on:focus=move |_| hover.set(Some(t2.clone()))
                    on:mouseleave=move |_| hover.set(None)
                    on:blur=move |_| hover.set(None)
                >
                    <title>{tip}</title>
                </rect>
            }
        })
        .collect_view();
    let label = format!("Events per day, last {count} days: {total} in all");
    let last = first_day + (count - 1) as f64 * DAY_MS;
    view! {
        <figure class="chart daily-bars">
            <div class="chart-readout" aria-live="polite">
                {move || hover.get().unwrap_or_else(|| format!("{total} events in {count} days"))}
            </div>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=label.clone()>
                <title>{label.clone()}</title>
                <line class="grid" x1=LEFT y1=TOP x2=W y2=TOP></line>
                <text class="tick" x=LEFT - 4.0 y=TOP + 4.0 text-anchor="end">{peak.to_string()}</text>
                <text class="tick" x=LEFT - 4.0 y=TOP + plot text-anchor="end">"0"</text>
                <line class="axis" x1=LEFT y1=TOP + plot x2=W y2=TOP + plot></line>
                {bars}
                <text class="tick" x=LEFT y=H - 4.0 text-anchor="start">{day(first_day)}</text>
                <text class="tick" x=W y=H - 4.0 text-anchor="end">{format!("{} (today)", day(last))}</text>
            </svg>
        </figure>
    }
    .into_any()
}
