//! Page loads streamed as spans, joined across envelopes.
//!
//! `@sentry/browser` 10+ sends a page load's span when the page goes idle and
//! its LCP, CLS and INP spans when the page is hidden, usually in later
//! envelopes ([`crate::event::span`]). The parts of one page load (key:
//! project, trace id, page-load span id) wait here in a bounded cache
//! ([`moka`]: at most `SIGHTLINE_PAGELOAD_MAX_PENDING` page loads, each at
//! most `SIGHTLINE_PAGELOAD_WAIT_SECS` after its last part) and become one
//! `transactions` row, like a transaction item's:
//!
//! * as soon as the page load has its LCP and CLS (a navigation: at once);
//!   a small marker then stays for the rest of the wait so a late INP span of
//!   the same page load is dropped instead of counted as a page load of its own;
//! * when its wait ends, the cache is full (the least used goes first) or the
//!   server shuts down ([`Joiner::flush`]): with whatever vitals it has. Vital
//!   spans whose page load never came become a row of their own, named after
//!   their segment (the route, for standalone INP spans of older SDKs).
//!
//! Rows leave through the ingest queue; when it is full at eviction the page
//! load is dropped and logged (the SDK was answered long before). The join is
//! per server: behind several servers, parts that reach different servers
//! make separate rows.

use std::{sync::Arc, time::Duration};

use moka::{
    notification::RemovalCause,
    ops::compute::{CompResult, Op},
    sync::Cache,
};

use crate::{
    event::{
        span::{PageLoadDraft, SpanFacts},
        IngestContext, TransactionRow,
    },
    pipeline::Queue,
    store::rows::Row,
};

/// Project, trace id, page-load span id.
type Key = (u64, String, String);

/// A page load waiting for its parts, or the marker of one already written.
#[derive(Debug, Clone)]
enum Pending {
    Waiting(Box<PageLoadDraft>),
    Written,
}

/// The cache of page loads waiting for their vitals; cheap to clone.
#[derive(Clone)]
pub struct Joiner {
    cache: Cache<Key, Pending>,
}

/// What [`Joiner::absorb`] did with a request's spans.
#[derive(Debug, Default)]
pub struct Absorbed {
    /// Page loads now complete, to enqueue with the request's other rows.
    pub rows: Vec<TransactionRow>,
    /// Spans of page loads already written, dropped.
    pub late: usize,
}

impl Joiner {
    /// Builds the cache; rows of page loads evicted unfinished go to `queue`.
    pub fn new(queue: Queue, wait: Duration, max_pending: usize) -> Self {
        let listener = move |_key: Arc<Key>, pending: Pending, cause: RemovalCause| {
            // Explicit removal and replacement are this module's own updates.
            if matches!(cause, RemovalCause::Explicit | RemovalCause::Replaced) {
                return;
            }
            if let Pending::Waiting(draft) = pending {
                emit(&queue, *draft);
            }
        };
        let cache =
            Cache::builder().max_capacity(max_pending as u64).time_to_live(wait).eviction_listener(listener).build();
        Joiner { cache }
    }

    /// Adds a request's spans to their page loads; returns the page loads now complete.
    pub fn absorb(&self, project_id: u64, spans: Vec<SpanFacts>, ctx: &IngestContext) -> Absorbed {
        let mut out = Absorbed::default();
        for facts in spans {
            let key = (project_id, facts.trace_id.clone(), facts.segment_id.clone());
            let mut done = None;
            let mut late = false;
            let result = self.cache.entry(key).and_compute_with(|entry| {
                let draft = match entry.map(|e| e.into_value()) {
                    Some(Pending::Written) => {
                        late = true;
                        return Op::Nop;
                    }
                    Some(Pending::Waiting(mut draft)) => {
                        draft.add(facts, ctx);
                        draft
                    }
                    None => Box::new(PageLoadDraft::new(project_id, facts, ctx)),
                };
                if draft.is_complete() {
                    done = Some(draft);
                    Op::Put(Pending::Written)
                } else {
                    Op::Put(Pending::Waiting(draft))
                }
            });
            debug_assert!(!matches!(result, CompResult::Removed(_)));
            out.late += usize::from(late);
            out.rows.extend(done.map(|d| d.into_row()));
        }
        out
    }

    /// Runs the cache's housekeeping, so page loads whose wait is over are written.
    pub fn run_pending_tasks(&self) {
        self.cache.run_pending_tasks();
    }

    /// Writes every waiting page load as it is (at shutdown, before the queue drains).
    pub fn flush(&self, queue: &Queue) -> usize {
        let mut written = 0;
        for (key, pending) in self.cache.iter() {
            if let Pending::Waiting(draft) = pending {
                emit(queue, *draft);
                written += 1;
            }
            self.cache.invalidate(&*key);
        }
        self.cache.run_pending_tasks();
        written
    }

    /// Returns how many page loads (and markers) the cache holds.
    pub fn len(&self) -> u64 {
        self.cache.run_pending_tasks();
        self.cache.entry_count()
    }

    /// Returns whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs the housekeeping every few seconds until the task is aborted.
    pub async fn run(self, every: Duration) {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let joiner = self.clone();
            // Eviction listeners run on this thread and may push many rows.
            let _ = tokio::task::spawn_blocking(move || joiner.run_pending_tasks()).await;
        }
    }
}

fn emit(queue: &Queue, draft: PageLoadDraft) {
    let row = draft.into_row();
    if let Err(e) = queue.try_push_unlogged(vec![Row::Transaction(row)]) {
        tracing::warn!(error = %e, "page load from spans dropped at the end of its wait");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::span::parse_span_item;

    fn ctx() -> IngestContext {
        IngestContext {
            project_id: 1,
            received_at: chrono::Utc::now(),
            client_user_agent: None,
            client_ip: None,
            envelope_event_id: None,
        }
    }

    fn spans(fixture: &str) -> Vec<SpanFacts> {
        parse_span_item(fixture.lines().nth(2).unwrap().as_bytes()).unwrap().facts
    }

    const PAGELOAD: &str = include_str!("../tests/fixtures/spans/browser-11-envelope-1.txt");
    const LCP: &str = include_str!("../tests/fixtures/spans/browser-11-envelope-2.txt");
    const INP_CLS: &str = include_str!("../tests/fixtures/spans/browser-11-envelope-3.txt");

    #[test]
    fn joins_a_page_load_across_envelopes_and_drops_late_spans() {
        let (queue, mut rx) = Queue::new(10);
        let joiner = Joiner::new(queue, Duration::from_secs(60), 100);
        assert!(joiner.absorb(1, spans(PAGELOAD), &ctx()).rows.is_empty());
        assert!(joiner.absorb(1, spans(LCP), &ctx()).rows.is_empty());
        let done = joiner.absorb(1, spans(INP_CLS), &ctx());
        assert_eq!(done.rows.len(), 1);
        assert_eq!(done.rows[0].lcp_element, "body > h1#hero-title.big");
        let again = joiner.absorb(1, spans(INP_CLS), &ctx());
        assert_eq!((again.rows.len(), again.late), (0, 2), "a resent span is not a second page load");
        assert_eq!(joiner.flush(&Queue::new(1).0), 0, "only the marker is left");
        assert!(rx.try_recv().is_err(), "nothing went through eviction");
    }

    #[test]
    fn a_page_load_whose_wait_ends_is_written_with_what_it_has() {
        let (queue, mut rx) = Queue::new(10);
        let joiner = Joiner::new(queue, Duration::from_millis(50), 100);
        joiner.absorb(1, spans(PAGELOAD), &ctx());
        joiner.absorb(2, spans(LCP), &ctx());
        std::thread::sleep(Duration::from_millis(120));
        joiner.run_pending_tasks();
        let mut rows: Vec<Row> = std::iter::from_fn(|| rx.try_recv().ok()).map(|q| q.row).collect();
        rows.sort_by_key(|r| if let Row::Transaction(t) = r { t.project_id } else { 0 });
        let [Row::Transaction(page), Row::Transaction(orphan)] = &rows[..] else { panic!("{rows:?}") };
        assert_eq!((page.name.as_str(), page.fcp, page.lcp), ("/products/42", Some(336.0), None));
        assert_eq!((orphan.project_id, orphan.op.as_str(), orphan.lcp), (2, "ui.webvital.lcp", Some(336.0)));
        assert!(joiner.is_empty());
    }

    #[test]
    fn the_cache_holds_at_most_its_capacity_and_flush_writes_the_rest() {
        let (queue, mut rx) = Queue::new(1000);
        let joiner = Joiner::new(queue.clone(), Duration::from_secs(60), 10);
        let page = spans(PAGELOAD).remove(0);
        for i in 0..50 {
            let mut p = page.clone();
            p.segment_id = format!("seg{i}");
            joiner.absorb(1, vec![p], &ctx());
        }
        assert!(joiner.len() <= 10, "{}", joiner.len());
        let flushed = joiner.flush(&queue);
        let written = std::iter::from_fn(|| rx.try_recv().ok()).count();
        assert_eq!(written, 50, "evicted ({}) and flushed ({flushed}) page loads are all written", 50 - flushed);
    }
}
