//! Web Vitals of a project: five cards (p75 with its good /
//! needs-improvement / poor rating and the share of each), the p75 of one
//! vital over time, and a sortable per-page table; a page's name opens what
//! the SDK blamed for its vitals ([`super::attribution`]).

use leptos::prelude::*;
use sightline_api_types::{PageVitals, Performance as Perf, Rating, Vital, VitalSummary};

use crate::{
    api,
    components::{
        chart::{Point, TimeChart},
        layout::ProjectHeader,
        period::PeriodFilter,
        states::{Empty, ErrorBox, Loading},
    },
    format,
    pages::{attribution::PageAttribution, param_id},
};

/// A column the page table sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Name,
    Samples,
    Vital(Vital),
}

/// Shows a project's Web Vitals.
#[component]
pub fn Performance() -> impl IntoView {
    let id = param_id("project");
    let period = RwSignal::new("24h".to_string());
    let data = LocalResource::new(move || {
        let p = period.get();
        async move { api::performance(id.get(), &p).await }
    });
    let body = move || {
        match data.get() {
        None => view! { <Loading label="Loading Web Vitals…"/> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
        Some(Ok(p)) if p.vitals.iter().all(|v| v.samples == 0) && p.pages.is_empty() => view! {
            <Empty title="No page loads yet">
                <p>"Page loads appear here once the SDK (or @sentry/browser with browserTracingIntegration) runs on your site. See "
                <a href=move || format!("/projects/{}/setup", id.get())>"Setup"</a> "."</p>
            </Empty>
        }
        .into_any(),
        Some(Ok(p)) => view! { <PerfView perf=p project=id.get() period=period.get()/> }.into_any(),
    }
    };
    view! {
        <ProjectHeader id/>
        <PeriodFilter period choices=&[("1h", "Last hour"), ("24h", "Last 24 hours"), ("7d", "Last 7 days"), ("30d", "Last 30 days")]/>
        {body}
    }
}

#[component]
fn PerfView(perf: Perf, project: i64, period: String) -> impl IntoView {
    let chosen = RwSignal::new(Vital::Lcp);
    let selected = RwSignal::new(None::<String>);
    let series = perf.series.clone();
    let chart = move || {
        let name = chosen.get();
        let points = series
            .iter()
            .map(|p| Point { t_ms: format::parse_ms(&p.t), value: p.p75.get(name), samples: p.samples })
            .collect::<Vec<_>>();
        view! { <TimeChart points name/> }
    };
    view! {
        <div class="vitals">
            {Vital::ALL.iter().map(|&name| {
                let v = perf.vitals.iter().find(|v| v.name == name).cloned();
                view! { <VitalCard name v/> }
            }).collect_view()}
        </div>
        <section class="card">
            <div class="card-head">
                <h2>"p75 over time"</h2>
                <div class="segmented" role="group" aria-label="Vital shown in the chart">
                    {Vital::ALL.iter().map(|&n| view! {
                        <button aria-pressed=move || (chosen.get() == n).to_string() on:click=move |_| chosen.set(n)>{format::vital_abbr(n)}</button>
                    }).collect_view()}
                </div>
            </div>
            {chart}
        </section>
        <section class="card">
            <h2>"Pages"</h2>
            <PageTable pages=perf.pages selected/>
        </section>
        {move || selected.get().map(|page| view! { <PageAttribution project page period=period.clone()/> })}
    }
}

/// One vital's card: p75, rating colour and the rating shares.
#[component]
fn VitalCard(name: Vital, v: Option<VitalSummary>) -> impl IntoView {
    let v = v.unwrap_or(VitalSummary {
        name,
        samples: 0,
        p50: None,
        p75: None,
        p95: None,
        good: 0.0,
        needs_improvement: 0.0,
        poor: 0.0,
        rating: None,
    });
    let rating = v.rating.or_else(|| v.p75.map(|p| name.rate(p)));
    let label = match rating {
        Some(Rating::Good) => "Good",
        Some(Rating::NeedsImprovement) => "Needs improvement",
        Some(Rating::Poor) => "Poor",
        None => "No data",
    };
    let rating = rating.map_or("none", Rating::as_str);
    let share = |x: f64| format!("width: {:.1}%", x * 100.0);
    view! {
        <article class=format!("card vital rating-{rating}") data-vital=name.as_str()>
            <h3 title=format::vital_label(name)>{format::vital_abbr(name)}</h3>
            <p class="vital-value">{format::vital(name, v.p75)}</p>
            <p class="vital-rating">"p75 · " {label}</p>
            <div class="shares" role="img" aria-label=format!("good {:.0}%, needs improvement {:.0}%, poor {:.0}%", v.good * 100.0, v.needs_improvement * 100.0, v.poor * 100.0)>
                <span class="good" style=share(v.good)></span>
                <span class="needs-improvement" style=share(v.needs_improvement)></span>
                <span class="poor" style=share(v.poor)></span>
            </div>
            <p class="muted small">{format!("{} samples · p50 {} · p95 {}", v.samples, format::vital(name, v.p50), format::vital(name, v.p95))}</p>
        </article>
    }
}

/// The per-page table, sortable by any column.
#[component]
fn PageTable(pages: Vec<PageVitals>, selected: RwSignal<Option<String>>) -> impl IntoView {
    if pages.is_empty() {
        return view! { <p class="muted">"No pages in this period."</p> }.into_any();
    }
    let sort = RwSignal::new((SortKey::Samples, true));
    let rows = move || {
        let (key, desc) = sort.get();
        let mut list = pages.clone();
        list.sort_by(|a, b| {
            let ord = match key {
                SortKey::Name => a.name.cmp(&b.name),
                SortKey::Samples => a.samples.cmp(&b.samples),
                SortKey::Vital(k) => a.p75.get(k).unwrap_or(-1.0).total_cmp(&b.p75.get(k).unwrap_or(-1.0)),
            };
            if desc {
                ord.reverse()
            } else {
                ord
            }
        });
        list.into_iter()
            .map(|p| {
                view! {
                    <tr>
                        <td class="page-name">{
                            let name = p.name.clone();
                            let shown = name.clone();
                            view! { <button class="link" title="What caused this page's vitals" on:click=move |_| selected.set(Some(name.clone()))>{shown}</button> }
                        }</td>
                        <td class="num">{p.samples}</td>
                        {Vital::ALL.iter().map(|&n| {
                            let v = p.p75.get(n);
                            let class = v.map(|v| format!("num rating-{}", format::rating(n, v))).unwrap_or_else(|| "num".into());
                            view! { <td class=class>{format::vital(n, v)}</td> }
                        }).collect_view()}
                    </tr>
                }
            })
            .collect_view()
    };
    let header = move |key: SortKey, label: &'static str| {
        let aria = move || match sort.get() {
            (k, true) if k == key => "descending",
            (k, false) if k == key => "ascending",
            _ => "none",
        };
        let click = move |_| {
            sort.update(|(k, d)| {
                if *k == key {
                    *d = !*d
                } else {
                    *k = key;
                    *d = key != SortKey::Name
                }
            })
        };
        view! { <th aria-sort=aria class=if key == SortKey::Name { "" } else { "num" }><button class="sort" on:click=click>{label}</button></th> }
    };
    view! {
        <div class="table-wrap">
            <table class="pages">
                <thead>
                    <tr>
                        {header(SortKey::Name, "Page")}
                        {header(SortKey::Samples, "Samples")}
                        {Vital::ALL.iter().map(|&n| header(SortKey::Vital(n), format::vital_abbr(n))).collect_view()}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
