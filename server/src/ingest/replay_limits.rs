//! What holds replay items back on their way in, after they were read: the
//! project's daily byte quota ([`apply_quota`]) and the queue's payload
//! budget ([`reserve`]). When recordings arrive faster than ClickHouse takes
//! them, the budget runs out and new replay items are refused with a 429
//! for the `replay` category alone (`X-Sentry-Rate-Limits`): SDKs pause
//! their replays while errors keep flowing, and the memory of the payloads
//! waiting stays bounded. A refused item is counted as `rate_limited`, with
//! `replay_quota` or `replay_backlog` as its reason; the other items of the
//! envelope are kept.

use axum::http::HeaderValue;

use super::replay::CATEGORY;
use crate::{
    outcomes::{ItemOutcome, Outcome},
    pipeline::{Queue, QueueError},
    projects::replay_quota::ReplayUsage,
    store::rows::Row,
};

/// How long SDKs are asked to hold replays when the payload budget is full.
pub const BACKLOG_RETRY_SECS: u64 = 60;

/// Reserves the payload budget for `rows`. When it has no room and the rows
/// hold replays, drops those (their outcomes become `replay_backlog`) and
/// returns the seconds SDKs should wait, beside the budget for the rest;
/// [`QueueError::Full`] when even the rest does not fit (a 503, retried).
pub fn reserve(
    queue: &Queue,
    rows: &mut Vec<Row>,
    outcomes: &mut [ItemOutcome],
) -> Result<(Option<tokio::sync::OwnedSemaphorePermit>, Option<u64>), QueueError> {
    match queue.reserve_blobs(rows) {
        Ok(held) => Ok((held, None)),
        Err(QueueError::Full) if rows.iter().any(is_replay) => {
            drop_replays(rows, outcomes, "replay_backlog");
            Ok((queue.reserve_blobs(rows)?, Some(BACKLOG_RETRY_SECS)))
        }
        Err(e) => Err(e),
    }
}

/// Counts the envelope's stored replay bytes against the project's daily
/// quota; past it, drops its replay rows (their outcomes become
/// `rate_limited`/`replay_quota`) and returns the seconds until the next day.
pub fn apply_quota(
    usage: &ReplayUsage,
    quota: u64,
    project_id: u64,
    now_secs: i64,
    rows: &mut Vec<Row>,
    outcomes: &mut [ItemOutcome],
) -> Option<u64> {
    if !rows.iter().any(is_replay) {
        return None;
    }
    let bytes: u64 = rows.iter().map(|r| if let Row::ReplaySegment(s) = r { s.stored_bytes } else { 0 }).sum();
    // A quota of 0 stores no replay at all, not even metadata.
    let refused = if quota == 0 {
        Err((86_400 - now_secs.rem_euclid(86_400)).max(1) as u64)
    } else {
        usage.take(project_id, bytes, quota, now_secs)
    };
    let retry_after = refused.err()?;
    drop_replays(rows, outcomes, "replay_quota");
    Some(retry_after)
}

fn is_replay(r: &Row) -> bool {
    matches!(r, Row::Replay(_) | Row::ReplaySegment(_))
}

/// Drops the replay rows; their accepted outcomes become `rate_limited` for `reason`.
fn drop_replays(rows: &mut Vec<Row>, outcomes: &mut [ItemOutcome], reason: &str) {
    rows.retain(|r| !is_replay(r));
    for o in outcomes.iter_mut().filter(|o| o.outcome == Outcome::Accepted && o.category == CATEGORY) {
        o.outcome = Outcome::RateLimited;
        o.reason = reason.into();
    }
}

/// Returns `X-Sentry-Rate-Limits` for the replay category alone.
pub fn rate_limits_header(retry_after: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("{retry_after}:replay:project")).expect("ascii digits")
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::store::rows::{ReplaySegmentRow, ScreenshotRow};

    fn segment(bytes: usize) -> Row {
        Row::ReplaySegment(ReplaySegmentRow {
            project_id: 1,
            replay_id: Uuid::nil(),
            segment_id: 0,
            item_id: Uuid::nil(),
            timestamp: 0,
            first_ms: 0,
            last_ms: 0,
            clicks: 0,
            url: String::new(),
            raw_bytes: bytes as u64,
            stored_bytes: bytes as u64,
            data: vec![0; bytes],
        })
    }

    fn screenshot(bytes: usize) -> Row {
        Row::Screenshot(ScreenshotRow {
            project_id: 1,
            feedback_id: Uuid::nil(),
            timestamp: 0,
            filename: "s.png".into(),
            content_type: "image/png".into(),
            data: vec![0; bytes],
        })
    }

    fn accepted() -> ItemOutcome {
        ItemOutcome::new(Outcome::Accepted, CATEGORY, "", 1)
    }

    #[tokio::test]
    async fn queued_payloads_hold_the_budget_until_the_writer_drops_them() {
        let (queue, mut rx) = Queue::with_blob_budget(100, 1000);
        let rows = vec![segment(400), segment(300)];
        let held = queue.reserve_blobs(&rows).unwrap();
        assert_eq!(held.as_ref().map(|h| h.num_permits()), Some(700));
        queue.push_all(None, rows, held).await.unwrap();
        assert_eq!(queue.reserve_blobs(&[segment(301)]).unwrap_err(), QueueError::Full);
        let first = rx.recv().await.unwrap();
        let second = rx.recv().await.unwrap();
        let shares: Vec<usize> = [&first, &second].iter().map(|q| q.held.as_ref().unwrap().num_permits()).collect();
        assert_eq!(shares, [400, 300], "each row holds its own bytes");
        drop(first);
        assert!(queue.reserve_blobs(&[segment(700)]).is_ok(), "a stored row gives its bytes back");
        assert!(queue.reserve_blobs(&[segment(701)]).is_err());
        drop(second);
        assert!(queue.reserve_blobs(&[segment(1000)]).is_ok());
        assert_eq!(queue.reserve_blobs(&[]).unwrap().map(|h| h.num_permits()), None, "no payload, no reservation");
    }

    #[tokio::test]
    async fn a_payload_larger_than_the_budget_takes_all_of_it_until_stored() {
        let (queue, mut rx) = Queue::with_blob_budget(100, 1000);
        let rows = vec![segment(1500)];
        let held = queue.reserve_blobs(&rows).unwrap();
        queue.push_all(None, rows, held).await.unwrap();
        assert!(queue.reserve_blobs(&[segment(1)]).is_err(), "the whole budget is held");
        let queued = rx.recv().await.unwrap();
        assert_eq!(queued.held.as_ref().map(|h| h.num_permits()), Some(1000));
        drop(queued);
        assert!(queue.reserve_blobs(&[segment(1000)]).is_ok());
    }

    #[test]
    fn a_full_budget_refuses_the_replays_and_keeps_the_rest() {
        let (queue, _rx) = Queue::with_blob_budget(100, 1000);
        let _busy = queue.reserve_blobs(&[segment(900)]).unwrap();
        let mut rows = vec![segment(200), screenshot(50)];
        let mut outcomes = vec![accepted(), ItemOutcome::new(Outcome::Accepted, "feedback", "", 1)];
        let (held, retry) = reserve(&queue, &mut rows, &mut outcomes).unwrap();
        assert_eq!((held.map(|h| h.num_permits()), retry), (Some(50), Some(BACKLOG_RETRY_SECS)));
        assert_eq!(rows, vec![screenshot(50)]);
        assert_eq!((outcomes[0].outcome, outcomes[0].reason.as_str()), (Outcome::RateLimited, "replay_backlog"));
        assert_eq!(outcomes[1].outcome, Outcome::Accepted, "the feedback's outcome is untouched");
        // A screenshot that cannot fit either: the whole envelope is refused (503, retried).
        let mut rows = vec![screenshot(200)];
        assert_eq!(reserve(&queue, &mut rows, &mut []).unwrap_err(), QueueError::Full);
    }
}
