//! The mailer: Resend first, SMTP when Resend errors or times out. Resend is
//! a local fake of its HTTP API (the only stand-in); SMTP is a real
//! `aiosmtpd` server, started per test, whose maildir the tests read — the
//! e-mail as it would land in a mailbox.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::Stdio,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{extract::State, http::HeaderMap, routing::post, Json, Router};
use serde_json::{json, Value};
use sightline::{
    config::RawConfig,
    mail::{DeliveryPath, MailConfig, MailError, Mailer, Message},
};

const FROM: &str = "Sightline <alerts@example.com>";
const API_KEY: &str = "re_test_key";

/// How the fake Resend answers `POST /emails`.
#[derive(Clone, Copy)]
pub enum Answer {
    Accept,
    Fail,
    Hang,
}

/// What the fake Resend received: the Authorization header and the JSON body.
#[derive(Clone, Debug)]
pub struct Seen {
    pub authorization: Option<String>,
    pub body: Value,
}

#[derive(Clone)]
struct FakeState {
    answer: Answer,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// A local stand-in for the Resend API on 127.0.0.1:<random port>.
pub struct FakeResend {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeResend {
    pub async fn start(answer: Answer) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new().route("/emails", post(emails)).with_state(FakeState { answer, seen: seen.clone() });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeResend { url, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Answers like Resend: 200 `{"id"}`, or its JSON error shape.
async fn emails(
    State(state): State<FakeState>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (http::StatusCode, Json<Value>) {
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
    state.seen.lock().unwrap().push(Seen { authorization, body });
    match state.answer {
        Answer::Accept => (http::StatusCode::OK, Json(json!({ "id": "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794" }))),
        Answer::Fail => (
            http::StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({ "statusCode": 500, "message": "something went wrong", "name": "internal_server_error" })),
        ),
        Answer::Hang => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            (http::StatusCode::OK, Json(json!({ "id": "too-late" })))
        }
    }
}

/// A real SMTP server: `python -m aiosmtpd` writing into a maildir.
pub struct Smtpd {
    port: u16,
    maildir: PathBuf,
    // Killed when the test ends, pass or fail (`kill_on_drop`).
    _child: tokio::process::Child,
}

impl Smtpd {
    pub async fn start() -> Self {
        Smtpd::start_on(free_port()).await
    }

    /// Starts on `port`, e.g. one that a server was configured with while nothing listened.
    pub async fn start_on(port: u16) -> Self {
        let maildir = scratch_dir();
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(maildir.join(sub)).unwrap();
        }
        let python = std::env::var("SIGHTLINE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let mut child = tokio::process::Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("start {python} -m aiosmtpd (see scripts/test.sh): {e}"));
        let deadline = Instant::now() + Duration::from_secs(15);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("aiosmtpd exited with {status}; is it installed in {python}? (scripts/test.sh installs it)");
            }
            assert!(Instant::now() < deadline, "aiosmtpd did not listen on port {port} within 15 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Smtpd { port, maildir, _child: child }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Returns the messages in `<maildir>/new`, as raw RFC 5322 text.
    pub fn messages(&self) -> Vec<String> {
        std::fs::read_dir(self.maildir.join("new"))
            .unwrap()
            .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
            .collect()
    }

    /// Waits (briefly) for exactly one message and returns it.
    pub async fn the_message(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let messages = self.messages();
            if !messages.is_empty() || Instant::now() > deadline {
                assert_eq!(messages.len(), 1, "messages in the maildir: {messages:?}");
                return messages.into_iter().next().unwrap();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

fn scratch_dir() -> PathBuf {
    std::env::temp_dir().join(format!("sightline-mail-{}", uuid::Uuid::new_v4().simple()))
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn mailer(resend_url: Option<&str>, smtp_url: Option<&str>) -> Mailer {
    let raw = RawConfig {
        resend_api_key: resend_url.map(|_| API_KEY.into()),
        resend_base_url: resend_url.map(Into::into),
        smtp_url: smtp_url.map(Into::into),
        mail_from: Some(FROM.into()),
        ..Default::default()
    };
    Mailer::new(&MailConfig::from_raw(&raw).unwrap()).unwrap()
}

fn reset_mail() -> Message {
    Message {
        to: vec!["ada@example.com".into()],
        subject: "Reset your Sightline password".into(),
        text: "Open this link to choose a new password: http://sl.test/reset/abc123".into(),
        html: "<p>Open <a href=\"http://sl.test/reset/abc123\">this link</a> to choose a new password.</p>".into(),
    }
}

/// Asserts the maildir file is the reset mail: headers and both parts.
fn assert_is_reset_mail(raw: &str) {
    for header in [
        "To: ada@example.com",
        "From: Sightline <alerts@example.com>",
        "Subject: Reset your Sightline password",
        // Added by aiosmtpd: the envelope recipient the server accepted.
        "X-RcptTo: ada@example.com",
    ] {
        assert!(raw.lines().any(|line| line == header), "no {header:?} in {raw}");
    }
    assert!(raw.contains("Content-Type: multipart/alternative"), "{raw}");
    let text_at = raw.find("Content-Type: text/plain").expect("a text/plain part");
    let html_at = raw.find("Content-Type: text/html").expect("a text/html part");
    assert!(text_at < html_at, "plain text comes before HTML (clients show the last part they can): {raw}");
    assert_eq!(part(raw, "text/plain"), reset_mail().text, "{raw}");
    assert_eq!(part(raw, "text/html"), reset_mail().html, "{raw}");
}

/// Returns the decoded body of the MIME part with `content_type`.
pub fn part(raw: &str, content_type: &str) -> String {
    let raw = raw.replace("\r\n", "\n");
    let start = raw.find(&format!("Content-Type: {content_type}")).expect("the part");
    let (headers, rest) = raw[start..].split_once("\n\n").expect("a part body");
    let body = &rest[..rest.find("\n--").expect("the closing boundary")];
    if headers.contains("Content-Transfer-Encoding: quoted-printable") {
        decode_quoted_printable(body)
    } else {
        body.to_owned()
    }
}

/// Undoes quoted-printable (RFC 2045 §6.7): soft line breaks and `=XX`.
fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = joined.get(i + 1..i + 3).expect("=XX escape");
            out.push(u8::from_str_radix(hex, 16).expect("=XX escape"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn resend_delivers_when_it_answers_and_smtp_is_not_touched() {
    let resend = FakeResend::start(Answer::Accept).await;
    // SMTP points at a closed port: using it would fail the send.
    let closed = format!("smtp://127.0.0.1:{}", free_port());
    let delivery = mailer(Some(&resend.url), Some(&closed)).send(&reset_mail()).await.unwrap();

    assert_eq!(delivery.path, DeliveryPath::Resend);
    assert_eq!(delivery.id.as_deref(), Some("49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"));
    let seen = resend.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].authorization.as_deref(), Some("Bearer re_test_key"));
    let body = &seen[0].body;
    assert_eq!(body["from"], FROM);
    assert_eq!(body["to"], json!(["ada@example.com"]));
    assert_eq!(body["subject"], "Reset your Sightline password");
    assert_eq!(body["text"], reset_mail().text);
    assert_eq!(body["html"], reset_mail().html);
}

#[tokio::test]
async fn smtp_delivers_when_resend_answers_500() {
    let resend = FakeResend::start(Answer::Fail).await;
    let smtpd = Smtpd::start().await;
    let delivery = mailer(Some(&resend.url), Some(&smtpd.url())).send(&reset_mail()).await.unwrap();

    assert_eq!(delivery.path, DeliveryPath::Smtp);
    assert_eq!(resend.seen().len(), 1, "Resend was tried first");
    let raw = smtpd.the_message().await;
    assert_is_reset_mail(&raw);
    let message_id = delivery.id.expect("the Message-ID is recorded");
    assert!(raw.contains(&format!("Message-ID: {message_id}")), "{raw}");
}

#[tokio::test]
async fn smtp_delivers_when_resend_does_not_answer_in_time() {
    let resend = FakeResend::start(Answer::Hang).await;
    let smtpd = Smtpd::start().await;
    let mailer = mailer(Some(&resend.url), Some(&smtpd.url())).with_timeout(Duration::from_millis(500));
    let started = Instant::now();
    let delivery = mailer.send(&reset_mail()).await.unwrap();

    assert_eq!(delivery.path, DeliveryPath::Smtp);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "gave up on Resend after the timeout: {:?}",
        started.elapsed()
    );
    assert_eq!(resend.seen().len(), 1, "Resend was tried first");
    assert_is_reset_mail(&smtpd.the_message().await);
}

#[tokio::test]
async fn smtp_alone_is_a_valid_setup() {
    let smtpd = Smtpd::start().await;
    let mailer = mailer(None, Some(&smtpd.url()));
    assert!(mailer.is_enabled());
    let delivery = mailer.send(&reset_mail()).await.unwrap();

    assert_eq!(delivery.path, DeliveryPath::Smtp);
    assert_is_reset_mail(&smtpd.the_message().await);
}

#[tokio::test]
async fn without_resend_or_smtp_mail_is_off_and_only_logged() {
    let mailer = Mailer::new(&MailConfig::from_raw(&RawConfig::default()).unwrap()).unwrap();
    assert!(!mailer.is_enabled());
    let delivery = mailer.send(&reset_mail()).await.unwrap();
    assert_eq!(delivery.path, DeliveryPath::Logged);
    assert_eq!(delivery.id, None);
}

#[tokio::test]
async fn resend_500_and_smtp_down_is_an_error_naming_both() {
    let resend = FakeResend::start(Answer::Fail).await;
    let closed = format!("smtp://127.0.0.1:{}", free_port());
    let err = mailer(Some(&resend.url), Some(&closed)).send(&reset_mail()).await.unwrap_err();

    assert!(matches!(err, MailError::Both { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("resend failed") && text.contains("internal_server_error"), "{text}");
    assert!(text.contains("smtp fallback failed"), "{text}");
}

#[tokio::test]
async fn resend_alone_reports_its_error() {
    let resend = FakeResend::start(Answer::Fail).await;
    let err = mailer(Some(&resend.url), None).send(&reset_mail()).await.unwrap_err();
    assert!(matches!(err, MailError::Resend(_)), "{err:?}");
    assert!(err.to_string().contains("resend failed"), "{err}");
}
