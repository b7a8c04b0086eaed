//! A small SVG time-series chart with axes, threshold lines and tooltips:
//! enough to read a vital's p75 or a release's crash-free rate over time,
//! nothing decorative.

use leptos::prelude::*;
use sightline_api_types::{Thresholds, Vital};

use crate::format;

/// One point: bucket start (epoch ms) and value (None = no samples).
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub t_ms: f64,
    pub value: Option<f64>,
    pub samples: u64,
}

const W: f64 = 720.0;
const H: f64 = 220.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 32.0;

/// Writes an SVG coordinate.
fn n(v: f64) -> String {
    format!("{v:.1}")
}

/// Draws `points` of the vital `name` as a line with dots, y axis from 0.
#[component]
pub fn TimeChart(points: Vec<Point>, name: Vital) -> impl IntoView {
    let Thresholds { good, poor } = name.thresholds();
    let max = points.iter().filter_map(|p| p.value).fold(good, f64::max) * 1.15;
    let axis = Axis {
        min: 0.0,
        max,
        format: &|v| format::vital(name, Some(v)),
        dot_class: &|v| format::rating(name, v),
        thresholds: vec![(good, "threshold good"), (poor, "threshold poor")],
        tip: &|p| {
            let v = format::vital(name, p.value);
            format!("{}: p75 {v} ({} samples)", format::local(p.t_ms), p.samples)
        },
        label: format!("p75 of {} over time", format::vital_label(name)),
        caption: "Dashed lines: the good (green) and poor (red) thresholds; dots are coloured by rating.",
    };
    line_chart(&points, axis)
}

/// What a [`line_chart`] shows besides its points: the y range and how values read.
pub struct Axis<'a> {
    pub min: f64,
    pub max: f64,
    /// Writes a value for the y ticks.
    pub format: &'a dyn Fn(f64) -> String,
    /// Classes a dot by its value (`good`, `needs-improvement`, `poor`).
    pub dot_class: &'a dyn Fn(f64) -> &'static str,
    /// Dashed lines at these values, with their classes.
    pub thresholds: Vec<(f64, &'static str)>,
    /// The tooltip of a point.
    pub tip: &'a dyn Fn(&Point) -> String,
    pub label: String,
    pub caption: &'static str,
}

/// Draws `points` as a line with dots over time: the vitals' p75, a release's crash-free rate.
pub fn line_chart(points: &[Point], axis: Axis<'_>) -> AnyView {
    let hover = RwSignal::new(None::<String>);
    let present: Vec<&Point> = points.iter().filter(|p| p.value.is_some()).collect();
    if present.is_empty() {
        return view! { <p class="chart-empty">"No samples in this period."</p> }.into_any();
    }
    let (min_v, max_v) = (axis.min, axis.max.max(axis.min + f64::EPSILON));
    let mut t0 = points.first().map(|p| p.t_ms).unwrap_or(0.0);
    let mut t1 = points.last().map(|p| p.t_ms).unwrap_or(t0);
    // A single bucket would sit on the y axis with three equal time labels:
    // give it an hour either side.
    if t1 - t0 < 3_600_000.0 {
        t0 -= 3_600_000.0;
        t1 += 3_600_000.0;
    }
    let x = move |t: f64| LEFT + (t - t0) / (t1 - t0) * (W - LEFT - RIGHT);
    let y = move |v: f64| TOP + (1.0 - (v - min_v) / (max_v - min_v)) * (H - TOP - BOTTOM);

    let path: String = present
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{}{:.1},{:.1}", if i == 0 { "M" } else { " L" }, x(p.t_ms), y(p.value.unwrap_or(0.0))))
        .collect();
    let y_ticks = (0..=4)
        .map(|i| {
            let v = min_v + (max_v - min_v) * i as f64 / 4.0;
            let yy = y(v);
            view! {
                <line class="grid" x1=n(LEFT) y1=n(yy) x2=n(W - RIGHT) y2=n(yy)></line>
                <text class="tick" x=n(LEFT - 6.0) y=n(yy + 4.0) text-anchor="end">{(axis.format)(v)}</text>
            }
        })
        .collect_view();
    let x_ticks = [t0, (t0 + t1) / 2.0, t1]
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let anchor = ["start", "middle", "end"][i];
            let label = format::local(t);
            view! { <text class="tick" x=n(x(t)) y=n(H - 10.0) text-anchor=anchor>{label[5..16].to_string()}</text> }
        })
        .collect_view();
    let thresholds = axis
        .thresholds
        .iter()
        .filter(|(v, _)| *v < max_v && *v > min_v)
        .map(|&(v, class)| view! { <line class=class x1=n(LEFT) y1=n(y(v)) x2=n(W - RIGHT) y2=n(y(v))></line> })
        .collect_view();
    let dots = present
        .iter()
        .map(|p| {
            let v = p.value.unwrap_or(0.0);
            let tip = (axis.tip)(p);
            let tip2 = tip.clone();
            view! {
                <circle
                    class=format!("dot {}", (axis.dot_class)(v))
                    cx=n(x(p.t_ms)) cy=n(y(v)) r="4" tabindex="0"
                    on:mouseenter=move |_| hover.set(Some(tip2.clone()))
                    on:focus={let t = tip.clone(); move |_| hover.set(Some(t.clone()))}
                    on:mouseleave=move |_| hover.set(None)
                >
                    <title>{tip.clone()}</title>
                </circle>
            }
        })
        .collect_view();
    let label = axis.label;
    view! {
        <figure class="chart">
            <div class="chart-readout" aria-live="polite">{move || hover.get().unwrap_or_else(|| "Hover a point for its value".into())}</div>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=label.clone()>
                <title>{label.clone()}</title>
                {y_ticks}
                {thresholds}
                <line class="axis" x1=n(LEFT) y1=n(H - BOTTOM) x2=n(W - RIGHT) y2=n(H - BOTTOM)></line>
                <line class="axis" x1=n(LEFT) y1=n(TOP) x2=n(LEFT) y2=n(H - BOTTOM)></line>
                {x_ticks}
                <path class="series" d=path></path>
                {dots}
            </svg>
            <figcaption class="muted small">{axis.caption}</figcaption>
        </figure>
    }
    .into_any()
}
