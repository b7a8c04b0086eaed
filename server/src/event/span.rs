//! Spans: page loads and Web Vitals as `@sentry/browser` 10+ streams them.
//!
//! Since version 10 (and by default in 11) the browser SDK sends a page load
//! not as a `transaction` but as `span` items: a container
//! `{"version":2,"items":[…]}` (content type
//! `application/vnd.sentry.items.span.v2+json`) whose spans carry typed
//! attributes `{"value":…,"type":…}`. The page-load span (`sentry.op`
//! `pageload`, `is_segment: true`) has the page (`url.path`, `url.full`), FCP
//! and TTFB (`browser.web_vital.fcp.value`, …); LCP, CLS and INP come later,
//! often in other envelopes, as spans of their own (`ui.webvital.lcp`,
//! `ui.webvital.cls`, `ui.interaction.*`) pointing at the page load through
//! `sentry.segment.id`, with their attribution (`browser.web_vital.lcp.element`,
//! `browser.web_vital.cls.source.1`, `browser.web_vital.inp.target`). Older
//! SDKs send one span per item in the v1 JSON (`op`, `segment_id`,
//! `timestamp`, plain `data` and `measurements`). Both read into [`SpanFacts`];
//! [`PageLoadDraft`] gathers the facts of one page load and becomes the same
//! [`TransactionRow`] a transaction would. Joining across envelopes is the
//! caller's business (`crate::pageloads`).

use serde_json::{Map, Value};
use uuid::Uuid;

use super::limits::{truncate, MAX_NAME};
use super::model::RawEvent;
use super::normalize::{name, timestamp};
use super::{useragent, IngestContext, PayloadError, TransactionRow};

/// Content type of a span v2 container item.
pub const SPAN_V2_CONTENT_TYPE: &str = "application/vnd.sentry.items.span.v2+json";

/// What one span says about a page load. Strings are bounded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpanFacts {
    pub trace_id: String,
    /// The page load (segment) this span belongs to: the join key with `trace_id`.
    pub segment_id: String,
    /// Whether this span is the page load or navigation itself.
    pub is_page: bool,
    pub op: String,
    /// The segment's name (`Pageload` when streaming, the route otherwise).
    pub segment_name: String,
    /// Where the segment name came from: `url`, `route`, `custom`.
    pub name_source: String,
    pub url_path: String,
    pub url: String,
    pub start: Option<f64>,
    pub end: Option<f64>,
    pub release: String,
    pub environment: String,
    pub sdk_name: String,
    pub sdk_version: String,
    pub user_agent: String,
    pub user_id: String,
    pub vitals: Vitals,
}

/// Web Vitals and their attribution; `None` when not measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vitals {
    pub lcp: Option<f64>,
    pub fcp: Option<f64>,
    pub cls: Option<f64>,
    pub inp: Option<f64>,
    pub ttfb: Option<f64>,
    pub lcp_element: String,
    pub cls_source: String,
    pub inp_target: String,
}

impl Vitals {
    fn any(&self) -> bool {
        [self.lcp, self.fcp, self.cls, self.inp, self.ttfb].iter().any(Option::is_some)
    }

    /// Takes the other's values: the latest LCP, the worst CLS and INP.
    fn merge(&mut self, other: &Vitals) {
        fn worst(a: Option<f64>, b: Option<f64>) -> Option<f64> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            }
        }
        self.lcp = other.lcp.or(self.lcp);
        self.fcp = other.fcp.or(self.fcp);
        self.ttfb = other.ttfb.or(self.ttfb);
        if other.cls.is_some() && other.cls >= self.cls {
            self.cls_source.clone_from(&other.cls_source);
        }
        self.cls = worst(self.cls, other.cls);
        if other.inp.is_some() && other.inp >= self.inp {
            self.inp_target.clone_from(&other.inp_target);
        }
        self.inp = worst(self.inp, other.inp);
        if other.lcp.is_some() {
            self.lcp_element.clone_from(&other.lcp_element);
        }
    }
}

/// What a span item held: the spans that matter to page loads, and how many
/// spans were skipped (other spans) or unreadable (not an object, no ids).
#[derive(Debug, Default)]
pub struct SpanItem {
    pub facts: Vec<SpanFacts>,
    pub skipped: usize,
    pub invalid: usize,
}

/// Reads a `span` item: a v2 container, or one v1 span.
pub fn parse_span_item(payload: &[u8]) -> Result<SpanItem, PayloadError> {
    let value: Value = serde_json::from_slice(payload).map_err(|e| PayloadError::InvalidJson(e.to_string()))?;
    let Value::Object(top) = value else { return Err(PayloadError::NotAnObject) };
    let mut out = SpanItem::default();
    let spans: Vec<&Map<String, Value>> = match top.get("items") {
        Some(Value::Array(items)) => {
            let objects: Vec<_> = items.iter().filter_map(Value::as_object).collect();
            out.invalid += items.len() - objects.len();
            objects
        }
        Some(_) => return Err(PayloadError::InvalidJson("span container items is not an array".into())),
        None => vec![&top],
    };
    for span in spans {
        match facts(span) {
            Some(f) if f.is_page || f.vitals.any() => out.facts.push(f),
            Some(_) => out.skipped += 1,
            None => out.invalid += 1,
        }
    }
    Ok(out)
}

/// Reads one span (v2 `attributes` or v1 `data`/`measurements`); `None` without ids.
fn facts(span: &Map<String, Value>) -> Option<SpanFacts> {
    let empty = Map::new();
    let attrs = match (span.get("attributes"), span.get("data")) {
        (Some(Value::Object(a)), _) | (None, Some(Value::Object(a))) => a,
        _ => &empty,
    };
    let text = |key: &str| attr(attrs, key).and_then(Value::as_str).map(|s| truncate(s, MAX_NAME).to_owned());
    let field = |key: &str| span.get(key).and_then(Value::as_str).map(|s| truncate(s, MAX_NAME).to_owned());
    let number = |key: &str| attr(attrs, key).and_then(Value::as_f64).filter(|v| v.is_finite() && *v >= 0.0);
    let measurement = |key: &str| {
        let m = span.get("measurements")?.get(key)?;
        m.get("value").unwrap_or(m).as_f64().filter(|v| v.is_finite() && *v >= 0.0)
    };
    let vital = |short: &str| number(&format!("browser.web_vital.{short}.value")).or_else(|| measurement(short));

    let trace_id = field("trace_id")?;
    let span_id = field("span_id")?;
    let op = text("sentry.op").or_else(|| field("op")).unwrap_or_default();
    let is_segment = span.get("is_segment").and_then(Value::as_bool).unwrap_or(false);
    let is_page = is_segment && (op == "pageload" || op == "navigation");
    // A vital span points at its page load; a page load is its own segment.
    let segment_id = if is_page {
        span_id
    } else {
        text("sentry.pageload.span_id")
            .or_else(|| text("sentry.segment.id"))
            .or_else(|| field("segment_id"))
            .unwrap_or(span_id)
    };
    let description = field("name").or_else(|| field("description")).unwrap_or_default();
    let interaction = op.starts_with("ui.interaction.");
    let vitals = Vitals {
        lcp: vital("lcp"),
        fcp: vital("fcp"),
        cls: vital("cls"),
        inp: vital("inp"),
        ttfb: vital("ttfb"),
        lcp_element: text("browser.web_vital.lcp.element").or_else(|| text("lcp.element")).unwrap_or_default(),
        cls_source: text("browser.web_vital.cls.source.1").or_else(|| text("cls.source.1")).unwrap_or_default(),
        // Before the attribute existed the INP span's description was its target.
        inp_target: text("browser.web_vital.inp.target")
            .or_else(|| interaction.then(|| description.clone()))
            .unwrap_or_default(),
    };
    let url = text("url.full").unwrap_or_default();
    Some(SpanFacts {
        trace_id,
        segment_id,
        is_page,
        segment_name: text("sentry.segment.name").or_else(|| text("sentry.transaction")).unwrap_or_else(|| {
            if is_segment {
                description.clone()
            } else {
                String::new()
            }
        }),
        name_source: text("sentry.segment.name.source").unwrap_or_default(),
        url_path: text("url.path").unwrap_or_default(),
        url,
        start: span.get("start_timestamp").and_then(Value::as_f64),
        end: span.get("end_timestamp").or_else(|| span.get("timestamp")).and_then(Value::as_f64),
        release: text("sentry.release").or_else(|| text("release")).unwrap_or_default(),
        environment: text("sentry.environment").or_else(|| text("environment")).unwrap_or_default(),
        sdk_name: text("sentry.sdk.name").unwrap_or_default(),
        sdk_version: text("sentry.sdk.version").unwrap_or_default(),
        user_agent: text("user_agent.original").unwrap_or_default(),
        user_id: text("user.id").unwrap_or_default(),
        vitals,
        op,
    })
}

/// Returns an attribute's value: v2 wraps it as `{"value": …, "type": …}`, v1 does not.
fn attr<'a>(attrs: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    let v = attrs.get(key)?;
    match v {
        Value::Object(o) => o.get("value"),
        v => Some(v),
    }
}

/// The facts of one page load gathered so far (from one or more envelopes).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageLoadDraft {
    pub project_id: u64,
    /// The page-load span itself, once seen.
    pub page: Option<SpanFacts>,
    /// The first vital span, standing in for the page when it never comes.
    pub first: Option<SpanFacts>,
    pub vitals: Vitals,
    /// The User-Agent of the request that brought the page load (or its first span).
    pub client_user_agent: Option<String>,
    /// When the first part arrived (Unix seconds).
    pub received_at: i64,
}

impl PageLoadDraft {
    /// Starts a draft from its first span.
    pub fn new(project_id: u64, facts: SpanFacts, ctx: &IngestContext) -> Self {
        let mut draft = PageLoadDraft {
            project_id,
            client_user_agent: ctx.client_user_agent.clone(),
            received_at: ctx.received_at.timestamp(),
            ..Default::default()
        };
        draft.add(facts, ctx);
        draft
    }

    /// Adds a span of the same page load.
    pub fn add(&mut self, facts: SpanFacts, ctx: &IngestContext) {
        self.vitals.merge(&facts.vitals);
        if facts.is_page {
            self.client_user_agent = ctx.client_user_agent.clone().or(self.client_user_agent.take());
            self.page = Some(facts);
        } else if self.first.is_none() {
            self.first = Some(facts);
        }
    }

    /// Returns whether nothing more is expected: a navigation, or a page load
    /// with its LCP and CLS (the SDK sends both when the page is hidden).
    pub fn is_complete(&self) -> bool {
        match &self.page {
            Some(page) if page.op == "pageload" => self.vitals.lcp.is_some() && self.vitals.cls.is_some(),
            Some(_) => true,
            None => false,
        }
    }

    /// Builds the row the performance page reads, as a transaction would.
    pub fn into_row(self) -> TransactionRow {
        let received_at = chrono::DateTime::from_timestamp(self.received_at, 0).unwrap_or_default();
        let main = self.page.as_ref().or(self.first.as_ref()).cloned().unwrap_or_default();
        let ua = Some(main.user_agent.as_str()).filter(|s| !s.is_empty()).or(self.client_user_agent.as_deref());
        let client = useragent::resolve(&RawEvent::default(), ua);
        // A streamed page load is named `Pageload` (low cardinality); its page is the URL path
        // unless a router named it after the route.
        let page_name = if self.page.is_some() && (main.name_source == "url" || main.segment_name.is_empty()) {
            Some(main.url_path.as_str())
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| super::fingerprint::strip_location(&main.url))
                .to_owned()
        } else {
            main.segment_name.clone()
        };
        let op = main.op.clone();
        let key = format!("{}:{}", main.trace_id, main.segment_id);
        let Vitals { lcp, fcp, cls, inp, ttfb, lcp_element, cls_source, inp_target } = self.vitals;
        TransactionRow {
            project_id: self.project_id,
            event_id: stable_id(&key),
            timestamp: timestamp(main.end.or(main.start), received_at),
            received_at: timestamp(None, received_at),
            name: if page_name.is_empty() {
                "<unlabeled transaction>".to_owned()
            } else {
                name(Some(page_name.as_str()))
            },
            op: name(Some(op.as_str())),
            url: main.url.clone(),
            duration_ms: match (main.start, main.end) {
                (Some(s), Some(e)) if e > s && self.page.is_some() => ((e - s) * 1_000_000.0).round() / 1000.0,
                _ => 0.0,
            },
            lcp,
            fcp,
            cls,
            inp,
            ttfb,
            browser: client.browser,
            browser_version: client.browser_version,
            os: client.os,
            os_version: client.os_version,
            release: main.release.clone(),
            environment: main.environment.clone(),
            user_id: main.user_id.clone(),
            tags_key: Vec::new(),
            tags_value: Vec::new(),
            sdk_name: main.sdk_name.clone(),
            sdk_version: main.sdk_version.clone(),
            lcp_element,
            cls_source,
            inp_target,
        }
    }
}

/// Returns an id derived from a page load's key, the same for every server and run.
fn stable_id(key: &str) -> Uuid {
    // FNV-1a, 128 bits: no collisions worth fearing at this scale, and no new dependency.
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for b in key.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000000001000000000000000000013b);
    }
    Uuid::from_u128(h)
}

#[cfg(test)]
#[path = "span_tests.rs"]
mod tests;
