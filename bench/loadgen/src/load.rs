//! The load generator: N keep-alive HTTP/1.1 connections posting one body.
//!
//! Each connection is its own task holding one hyper `http1` client
//! connection, reconnecting after any transport error or timeout. Closed
//! loop sends the next request as soon as the previous response is read.
//! Open loop gives every connection a fixed grid of intended send times
//! (total rate / connections apart, staggered by 1/rate between
//! connections) and never skips a slot: when a connection is behind, it
//! sends at once and the latency is measured from the *intended* time, so a
//! stall shows in the percentiles instead of being hidden (coordinated
//! omission). When a connection was ahead and slept until its slot, latency
//! is measured from the actual wake-up, so tokio's ~1 ms timer granularity
//! does not masquerade as server latency. Slots left when time runs out
//! are counted as `unsent`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, HOST, USER_AGENT};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::{sleep, sleep_until, timeout, Instant};

use crate::report::{Stats, Summary};
use crate::template::Template;
use crate::LoadArgs;

/// Content type the Sentry SDKs use when posting envelopes.
const ENVELOPE_CONTENT_TYPE: &str = "application/x-sentry-envelope";

/// Pause after a transport error in closed loop, so a dead server is not spun on.
const ERROR_BACKOFF: Duration = Duration::from_millis(10);

/// A validated load run: target, request shape and pacing.
#[derive(Debug)]
pub struct Plan {
    url: String,
    addr: String,
    path: Uri,
    headers: HeaderMap,
    template: Template,
    connections: u32,
    duration: Duration,
    rate: Option<f64>,
    timeout: Duration,
}

/// A reason the command line cannot be turned into a run.
#[derive(Debug)]
pub struct UsageError(String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Plan {
    /// Validates the arguments, reads the body file and parses URL and headers.
    pub fn from_args(args: &LoadArgs) -> Result<Self, UsageError> {
        let usage = |msg: String| UsageError(msg);
        let raw = std::fs::read(&args.body)
            .map_err(|e| usage(format!("cannot read body file {}: {e}", args.body.display())))?;
        let uri: Uri = args.url.parse().map_err(|e| usage(format!("invalid --url {:?}: {e}", args.url)))?;
        if uri.scheme_str() != Some("http") {
            return Err(usage(format!("--url must be a plain http:// URL, got {:?}", args.url)));
        }
        let authority = uri.authority().ok_or_else(|| usage(format!("--url {:?} has no host", args.url)))?;
        let addr = format!("{}:{}", authority.host(), authority.port_u16().unwrap_or(80));
        let path: Uri = uri
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .parse()
            .map_err(|e| usage(format!("invalid path in --url: {e}")))?;

        let mut headers = HeaderMap::new();
        for h in &args.headers {
            let (name, value) =
                h.split_once(':').ok_or_else(|| usage(format!("--header {h:?} is not of the form 'Name: value'")))?;
            let name = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|e| usage(format!("--header {h:?}: bad name: {e}")))?;
            let value =
                HeaderValue::from_str(value.trim()).map_err(|e| usage(format!("--header {h:?}: bad value: {e}")))?;
            headers.append(name, value);
        }
        let host = HeaderValue::from_str(authority.as_str())
            .map_err(|e| usage(format!("--url host is not a valid Host header: {e}")))?;
        let defaults = [
            (HOST, host),
            (CONTENT_TYPE, HeaderValue::from_static(ENVELOPE_CONTENT_TYPE)),
            (USER_AGENT, HeaderValue::from_static(concat!("sightline-loadgen/", env!("CARGO_PKG_VERSION")))),
        ];
        for (name, value) in defaults {
            if !headers.contains_key(&name) {
                headers.insert(name, value);
            }
        }

        Ok(Self {
            url: args.url.clone(),
            addr,
            path,
            headers,
            template: Template::parse(&raw),
            connections: args.connections,
            duration: args.duration(),
            rate: args.rate,
            timeout: Duration::from_secs_f64(args.timeout),
        })
    }
}

/// Runs the load described by `plan` to completion and summarises it.
pub async fn run(plan: Plan) -> Summary {
    let plan = Arc::new(plan);
    let start = Instant::now();
    let end = start + plan.duration;
    let tasks: Vec<_> =
        (0..plan.connections).map(|i| tokio::spawn(connection_task(Arc::clone(&plan), i, start, end))).collect();
    let mut stats = Stats::new();
    for task in tasks {
        match task.await {
            Ok(s) => stats.merge(s),
            Err(e) => stats.record_error(format!("connection task failed: {e}")),
        }
    }
    Summary {
        url: plan.url.clone(),
        connections: plan.connections,
        target_rate: plan.rate,
        elapsed: start.elapsed(),
        stats,
    }
}

/// Drives one connection for the whole run, closed or open loop.
async fn connection_task(plan: Arc<Plan>, index: u32, start: Instant, end: Instant) -> Stats {
    let mut stats = Stats::new();
    let mut client = Client { plan: &plan, sender: None };
    match plan.rate {
        None => {
            while Instant::now() < end {
                let body = plan.template.render();
                let sent_at = Instant::now();
                if !client.post(body, sent_at, &mut stats).await {
                    sleep(ERROR_BACKOFF).await;
                }
            }
        }
        Some(rate) => {
            let interval = Duration::from_secs_f64(f64::from(plan.connections) / rate);
            let mut intended = start + Duration::from_secs_f64(f64::from(index) / rate);
            while intended < end {
                let now = Instant::now();
                if now >= end {
                    let left = (end - intended).as_secs_f64() / interval.as_secs_f64();
                    stats.unsent += left.ceil() as u64;
                    break;
                }
                let measured_from = if intended > now {
                    sleep_until(intended).await;
                    Instant::now()
                } else {
                    intended
                };
                let body = plan.template.render();
                client.post(body, measured_from, &mut stats).await;
                intended += interval;
            }
        }
    }
    stats
}

/// One keep-alive client connection, opened lazily and reopened after errors.
struct Client<'a> {
    plan: &'a Plan,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Client<'_> {
    /// Posts `body`, records the outcome timed from `t0`, and reports success of transport.
    async fn post(&mut self, body: Bytes, t0: Instant, stats: &mut Stats) -> bool {
        let mut req = Request::new(Full::new(body));
        *req.method_mut() = Method::POST;
        *req.uri_mut() = self.plan.path.clone();
        *req.headers_mut() = self.plan.headers.clone();
        let deadline = self.plan.timeout;
        match timeout(deadline, self.exchange(req)).await {
            Ok(Ok(status)) => {
                stats.record_response(status, t0.elapsed());
                true
            }
            Ok(Err(e)) => {
                self.sender = None;
                stats.record_error(e);
                false
            }
            Err(_) => {
                self.sender = None;
                stats.record_error(format!("timeout after {:.1} s", deadline.as_secs_f64()));
                false
            }
        }
    }

    /// Sends one request and reads the whole response, returning its status.
    async fn exchange(&mut self, req: Request<Full<Bytes>>) -> Result<u16, String> {
        let sender = self.ready_sender().await?;
        let resp = sender.send_request(req).await.map_err(|e| format!("request: {e}"))?;
        let status = resp.status().as_u16();
        resp.into_body().collect().await.map_err(|e| format!("response body: {e}"))?;
        Ok(status)
    }

    /// Returns a sender ready for a request, reconnecting if the old one was closed.
    async fn ready_sender(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, String> {
        if let Some(mut sender) = self.sender.take() {
            // A server may close an idle or `Connection: close` connection between
            // requests; that is not a failed request, so reconnect transparently.
            if sender.ready().await.is_ok() {
                return Ok(self.sender.insert(sender));
            }
        }
        let stream =
            TcpStream::connect(&self.plan.addr).await.map_err(|e| format!("connect {}: {e}", self.plan.addr))?;
        stream.set_nodelay(true).map_err(|e| format!("set TCP_NODELAY: {e}"))?;
        let (mut sender, conn) = http1::handshake(TokioIo::new(stream)).await.map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(async move {
            // Errors surface through the sender; nothing to add here.
            let _ = conn.await;
        });
        sender.ready().await.map_err(|e| format!("connection: {e}"))?;
        Ok(self.sender.insert(sender))
    }
}
