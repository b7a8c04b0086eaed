//! How times, counts and vital values are written on the page.

use sightline_api_types::Vital;

/// Returns milliseconds since the epoch of an RFC 3339 time (NaN if unreadable).
pub fn parse_ms(rfc3339: &str) -> f64 {
    js_sys::Date::parse(rfc3339)
}

/// Writes how long ago a time was: "just now", "5 min ago", "3 h ago", "2 d ago".
pub fn relative(rfc3339: &str) -> String {
    let then = parse_ms(rfc3339);
    if then.is_nan() {
        return rfc3339.to_string();
    }
    ago(((js_sys::Date::now() - then) / 1000.0).max(0.0))
}

/// Writes an age in seconds the way `relative` does.
pub fn ago(secs: f64) -> String {
    match secs as u64 {
        0..=44 => "just now".into(),
        s @ 45..=3599 => format!("{} min ago", (s + 30) / 60),
        s @ 3600..=86_399 => format!("{} h ago", s / 3600),
        s @ 86_400..=2_591_999 => format!("{} d ago", s / 86_400),
        s => format!("{} mo ago", s / 2_592_000),
    }
}

/// Writes a time as `YYYY-MM-DD HH:MM:SS` in the browser's time zone.
pub fn datetime(rfc3339: &str) -> String {
    let ms = parse_ms(rfc3339);
    if ms.is_nan() {
        return rfc3339.to_string();
    }
    local(ms)
}

/// Writes epoch milliseconds as a local `YYYY-MM-DD HH:MM:SS`.
pub fn local(ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}

/// Writes a count compactly: 950, 1.2k, 3.4M.
pub fn count(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1000..=999_999 => format!("{:.1}k", n as f64 / 1000.0),
        _ => format!("{:.1}M", n as f64 / 1_000_000.0),
    }
}

/// Writes a vital's value with its unit: ms for timings, unitless CLS.
pub fn vital(name: Vital, v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if name == Vital::Cls => format!("{v:.3}"),
        Some(v) if v >= 1000.0 => format!("{:.2} s", v / 1000.0),
        Some(v) => format!("{v:.0} ms"),
    }
}

/// Rates a vital value by the web-vitals thresholds (the table in
/// `api-types` the server rates by too): `good`, `needs-improvement` or
/// `poor`, as the CSS classes name them.
pub fn rating(name: Vital, v: f64) -> &'static str {
    name.rate(v).as_str()
}

/// Returns a vital's display name.
pub fn vital_label(name: Vital) -> &'static str {
    match name {
        Vital::Lcp => "Largest Contentful Paint",
        Vital::Inp => "Interaction to Next Paint",
        Vital::Cls => "Cumulative Layout Shift",
        Vital::Fcp => "First Contentful Paint",
        Vital::Ttfb => "Time to First Byte",
    }
}

/// Returns a vital's short name, as the page headings write it.
pub fn vital_abbr(name: Vital) -> &'static str {
    match name {
        Vital::Lcp => "LCP",
        Vital::Inp => "INP",
        Vital::Cls => "CLS",
        Vital::Fcp => "FCP",
        Vital::Ttfb => "TTFB",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_naturally() {
        assert_eq!(ago(3.0), "just now");
        assert_eq!(ago(120.0), "2 min ago");
        assert_eq!(ago(7300.0), "2 h ago");
        assert_eq!(ago(3.0 * 86_400.0), "3 d ago");
    }

    #[test]
    fn vitals_are_rated_by_the_web_vitals_thresholds() {
        assert_eq!(rating(Vital::Lcp, 2500.0), "good");
        assert_eq!(rating(Vital::Lcp, 2501.0), "needs-improvement");
        assert_eq!(rating(Vital::Cls, 0.3), "poor");
        assert_eq!(vital(Vital::Lcp, Some(2300.5)), "2.30 s");
        assert_eq!(vital(Vital::Inp, Some(120.0)), "120 ms");
        assert_eq!(vital(Vital::Cls, Some(0.08)), "0.080");
    }
}
