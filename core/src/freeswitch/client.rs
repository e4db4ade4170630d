//! The two transports to FreeSWITCH behind one type: mod_xml_rpc HTTP (`GET /txtapi/<cmd>?<args>`,
//! Basic auth, close-delimited body) and the Event Socket (inbound, `auth`, `api`, `bgapi` with our
//! own `Job-UUID`, events). Every call has a timeout; failures map to transport errors that
//! the API reports as 503 `upstream_unavailable`, 502 `upstream_auth_failed`, 504
//! `upstream_timeout` and 502 `upstream_error`. FreeSWITCH's own text never reaches an API caller.
//!
//! `Unavailable` means the command certainly did not reach FreeSWITCH (no connection, or not all
//! of it written); a connection lost after the command was sent is `Interrupted`: like a timeout,
//! the command may have run (the dialler never re-dials after it).

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc, oneshot, Mutex};

use super::frame::{Frame, FrameParser};
use crate::platform::secret::Secret;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("FreeSWITCH is unreachable: {0}")]
    Unavailable(String),
    /// The connection was lost after the command was sent: it may have run.
    #[error("the connection to FreeSWITCH was lost after the command was sent: {0}")]
    Interrupted(String),
    #[error("FreeSWITCH refused our credentials")]
    AuthFailed,
    #[error("FreeSWITCH did not answer in time")]
    Timeout,
    #[error("FreeSWITCH answered something unexpected: {0}")]
    Protocol(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    XmlRpc,
    Esl,
}

/// Where and how to reach FreeSWITCH (built from the settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsConfig {
    pub transport: Transport,
    pub host: String,
    pub http_port: u16,
    pub http_user: String,
    pub http_password: Secret<String>,
    pub esl_port: u16,
    pub esl_password: Secret<String>,
    pub timeout: Duration,
}

/// A FreeSWITCH connection of either kind.
pub enum FsClient {
    XmlRpc(XmlRpc),
    Esl(Esl),
}

impl FsClient {
    pub fn new(cfg: &FsConfig) -> FsClient {
        match cfg.transport {
            Transport::XmlRpc => FsClient::XmlRpc(XmlRpc::new(cfg)),
            Transport::Esl => FsClient::Esl(Esl::new(cfg)),
        }
    }

    /// Run an API command; returns its output text (which may itself say `-ERR …`).
    pub async fn api(&self, cmd: &str, args: &str) -> Result<String, TransportError> {
        let m = crate::platform::metrics::metrics();
        match self {
            FsClient::XmlRpc(c) => m.time_upstream("freeswitch_xmlrpc", c.api(cmd, args)).await,
            FsClient::Esl(c) => m.time_upstream("freeswitch_esl", c.api(cmd, args)).await,
        }
    }
}

// ---- mod_xml_rpc -----------------------------------------------------------------------------

pub struct XmlRpc {
    host: String,
    port: u16,
    /// `host:port` for the `Host` header.
    host_header: String,
    /// `Basic <base64(user:password)>`, built once.
    authorization: Secret<String>,
    timeout: Duration,
}

impl XmlRpc {
    pub fn new(cfg: &FsConfig) -> XmlRpc {
        use base64::Engine;
        let pair = format!("{}:{}", cfg.http_user, cfg.http_password.expose());
        XmlRpc {
            host: cfg.host.clone(),
            port: cfg.http_port,
            host_header: match cfg.host.parse::<std::net::Ipv6Addr>() {
                Ok(_) => format!("[{}]:{}", cfg.host, cfg.http_port),
                Err(_) => format!("{}:{}", cfg.host, cfg.http_port),
            },
            authorization: Secret::new(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )),
            timeout: cfg.timeout,
        }
    }

    /// One `GET /txtapi/<cmd>?<args>` on a connection of its own (FreeSWITCH answers one request
    /// per connection and closes it). The whole exchange, connect included, is bounded by the
    /// configured timeout.
    pub async fn api(&self, cmd: &str, args: &str) -> Result<String, TransportError> {
        let mut path = format!("/txtapi/{}", super::encode::encode_args(cmd));
        if !args.is_empty() {
            path.push('?');
            path.push_str(&super::encode::encode_args(args));
        }
        let req = super::http::request(&path, &self.host_header, self.authorization.expose());
        let resp = tokio::time::timeout(self.timeout, self.exchange(&req))
            .await
            .map_err(|_| TransportError::Timeout)??;
        match resp.status {
            200 => Ok(String::from_utf8_lossy(&resp.body).into_owned()),
            401 | 403 => Err(TransportError::AuthFailed),
            s => Err(TransportError::Protocol(format!("HTTP status {s}"))),
        }
    }

    async fn exchange(&self, req: &[u8]) -> Result<super::http::Response, TransportError> {
        use super::http::{parse, Progress};
        let unavailable = |e: std::io::Error| TransportError::Unavailable(e.kind().to_string());
        let mut stream = match self.host.parse::<std::net::IpAddr>() {
            Ok(ip) => TcpStream::connect((ip, self.port)).await,
            Err(_) => TcpStream::connect((self.host.as_str(), self.port)).await,
        }
        .map_err(unavailable)?;
        let _ = stream.set_nodelay(true);
        stream.write_all(req).await.map_err(unavailable)?;
        let mut buf = Vec::with_capacity(8192);
        loop {
            if buf.capacity() - buf.len() < 4096 {
                buf.reserve(buf.capacity());
            }
            let n = stream
                .read_buf(&mut buf)
                .await
                .map_err(|e| TransportError::Interrupted(e.kind().to_string()))?;
            if n == 0 && buf.is_empty() {
                return Err(TransportError::Interrupted(
                    "connection closed before an answer".into(),
                ));
            }
            match parse(&buf, n == 0) {
                Ok(Progress::Done(r)) => return Ok(r),
                Ok(Progress::More) => {}
                Err(e) => return Err(TransportError::Protocol(e.to_string())),
            }
        }
    }
}

// ---- Event Socket ------------------------------------------------------------------------------

/// An event as received (plain events decoded to headers; JSON kept as text for the caller).
#[derive(Debug, Clone)]
pub struct Event {
    pub frame: Frame,
}

enum Req {
    /// Write `line` and wait for the next `api/response` (api) or `command/reply` (others).
    Send {
        text: String,
        expect: &'static str,
        reply: oneshot::Sender<Result<Frame, TransportError>>,
    },
}

/// One authenticated inbound ESL connection, owned by a task; requests are queued and answered in
/// order (ESL answers in order), events are broadcast. Reconnects on the next request after a
/// failure, with back-off.
pub struct Esl {
    tx: Mutex<Option<mpsc::Sender<Req>>>,
    cfg: FsConfig,
    events: broadcast::Sender<Event>,
    failures: Mutex<(u32, Option<tokio::time::Instant>)>,
}

pub fn new_uuid() -> String {
    let b: [u8; 16] = rand::thread_rng().gen();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

impl Esl {
    pub fn new(cfg: &FsConfig) -> Esl {
        Esl {
            tx: Mutex::new(None),
            cfg: cfg.clone(),
            events: broadcast::channel(1024).0,
            failures: Mutex::new((0, None)),
        }
    }

    /// Events from this connection (after [`Esl::subscribe`]).
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    pub async fn api(&self, cmd: &str, args: &str) -> Result<String, TransportError> {
        let line = if args.is_empty() {
            format!("api {cmd}")
        } else {
            format!("api {cmd} {args}")
        };
        let f = self.send(format!("{line}\n\n"), "api/response").await?;
        Ok(f.body_text())
    }

    /// `bgapi` with our own Job-UUID; returns it. The result arrives as a BACKGROUND_JOB event.
    pub async fn bgapi(&self, cmd: &str, args: &str) -> Result<String, TransportError> {
        let job = new_uuid();
        let f = self
            .send(
                format!("bgapi {cmd} {args}\nJob-UUID: {job}\n\n"),
                "command/reply",
            )
            .await?;
        match f.header("Reply-Text") {
            Some(t) if t.starts_with("+OK") => Ok(job),
            other => Err(TransportError::Protocol(format!(
                "bgapi refused: {other:?}"
            ))),
        }
    }

    /// Subscribe this connection to events (`plain` format), e.g. `BACKGROUND_JOB CHANNEL_HANGUP_COMPLETE CUSTOM callcenter::info`.
    pub async fn subscribe(&self, names: &str) -> Result<(), TransportError> {
        let f = self
            .send(format!("event plain {names}\n\n"), "command/reply")
            .await?;
        match f.header("Reply-Text") {
            Some(t) if t.starts_with("+OK") => Ok(()),
            other => Err(TransportError::Protocol(format!(
                "event refused: {other:?}"
            ))),
        }
    }

    async fn send(&self, text: String, expect: &'static str) -> Result<Frame, TransportError> {
        let tx = self.connection().await?;
        let (reply, rx) = oneshot::channel();
        if tx
            .send(Req::Send {
                text,
                expect,
                reply,
            })
            .await
            .is_err()
        {
            self.tx.lock().await.take();
            return Err(TransportError::Unavailable("connection closed".into()));
        }
        match tokio::time::timeout(self.cfg.timeout, rx).await {
            Ok(Ok(r)) => {
                if matches!(
                    r,
                    Err(TransportError::Unavailable(_) | TransportError::Interrupted(_))
                ) {
                    self.tx.lock().await.take();
                }
                r
            }
            Ok(Err(_)) => {
                self.tx.lock().await.take();
                Err(TransportError::Interrupted("connection closed".into()))
            }
            Err(_) => {
                // The answer may still come; the connection is out of step now: drop it.
                self.tx.lock().await.take();
                Err(TransportError::Timeout)
            }
        }
    }

    async fn connection(&self) -> Result<mpsc::Sender<Req>, TransportError> {
        let mut guard = self.tx.lock().await;
        if let Some(tx) = guard.as_ref().filter(|t| !t.is_closed()) {
            return Ok(tx.clone());
        }
        // Back-off after failures: 0.2 s doubling to 5 s.
        {
            let f = self.failures.lock().await;
            if let Some(until) = f.1 {
                if tokio::time::Instant::now() < until {
                    return Err(TransportError::Unavailable(
                        "reconnecting (back-off)".into(),
                    ));
                }
            }
        }
        match tokio::time::timeout(self.cfg.timeout, connect(&self.cfg)).await {
            Ok(Ok(stream)) => {
                *self.failures.lock().await = (0, None);
                let (tx, rx) = mpsc::channel(64);
                tokio::spawn(run_connection(stream, rx, self.events.clone()));
                *guard = Some(tx.clone());
                Ok(tx)
            }
            Ok(Err(e)) => {
                if e != TransportError::AuthFailed {
                    let mut f = self.failures.lock().await;
                    f.0 += 1;
                    let ms = (200u64 << f.0.min(5)).min(5000);
                    f.1 = Some(tokio::time::Instant::now() + Duration::from_millis(ms));
                }
                Err(e)
            }
            Err(_) => Err(TransportError::Timeout),
        }
    }
}

async fn read_frame(
    stream: &mut TcpStream,
    parser: &mut FrameParser,
) -> Result<Frame, TransportError> {
    let mut buf = [0u8; 8192];
    loop {
        match parser.next_frame() {
            Ok(Some(f)) => return Ok(f),
            Ok(None) => {}
            Err(e) => return Err(TransportError::Protocol(e.to_string())),
        }
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| TransportError::Unavailable(e.kind().to_string()))?;
        if n == 0 {
            return Err(TransportError::Unavailable(
                "connection closed by FreeSWITCH".into(),
            ));
        }
        parser.feed(&buf[..n]);
    }
}

/// Connect and authenticate; the parser's leftovers are irrelevant (nothing follows the reply).
async fn connect(cfg: &FsConfig) -> Result<(TcpStream, FrameParser), TransportError> {
    let mut stream = TcpStream::connect((cfg.host.as_str(), cfg.esl_port))
        .await
        .map_err(|e| TransportError::Unavailable(e.kind().to_string()))?;
    let _ = stream.set_nodelay(true);
    let mut parser = FrameParser::new();
    let greeting = read_frame(&mut stream, &mut parser).await?;
    if greeting.content_type() != "auth/request" {
        return Err(TransportError::Protocol(format!(
            "greeting {:?}",
            greeting.content_type()
        )));
    }
    stream
        .write_all(format!("auth {}\n\n", cfg.esl_password.expose()).as_bytes())
        .await
        .map_err(|e| TransportError::Unavailable(e.kind().to_string()))?;
    let reply = read_frame(&mut stream, &mut parser).await?;
    match reply.header("Reply-Text") {
        Some(t) if t.starts_with("+OK") => Ok((stream, parser)),
        Some(t) if t.starts_with("-ERR") => Err(TransportError::AuthFailed),
        other => Err(TransportError::Protocol(format!("auth reply {other:?}"))),
    }
}

async fn run_connection(
    (mut stream, mut parser): (TcpStream, FrameParser),
    mut rx: mpsc::Receiver<Req>,
    events: broadcast::Sender<Event>,
) {
    let mut waiting: std::collections::VecDeque<(
        &'static str,
        oneshot::Sender<Result<Frame, TransportError>>,
    )> = Default::default();
    let mut buf = vec![0u8; 16384];
    loop {
        // Hand out every complete frame first.
        loop {
            match parser.next_frame() {
                Ok(Some(f)) => {
                    let ct = f.content_type().to_string();
                    if ct.starts_with("text/event-") {
                        let _ = events.send(Event { frame: f });
                    } else if ct == "text/disconnect-notice" {
                        fail_all(&mut waiting, "FreeSWITCH disconnected");
                        return;
                    } else if let Some((expect, _)) = waiting.front() {
                        if ct == *expect {
                            let (_, tx) = waiting.pop_front().expect("front");
                            let _ = tx.send(Ok(f));
                        }
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    fail_all(&mut waiting, "protocol error");
                    return;
                }
            }
        }
        tokio::select! {
            req = rx.recv() => match req {
                Some(Req::Send { text, expect, reply }) => {
                    if stream.write_all(text.as_bytes()).await.is_err() {
                        let _ = reply.send(Err(TransportError::Unavailable("write failed".into())));
                        fail_all(&mut waiting, "write failed");
                        return;
                    }
                    waiting.push_back((expect, reply));
                }
                None => return, // client dropped
            },
            n = stream.read(&mut buf) => match n {
                Ok(0) | Err(_) => {
                    fail_all(&mut waiting, "connection closed");
                    return;
                }
                Ok(n) => parser.feed(&buf[..n]),
            },
        }
    }
}

fn fail_all(
    waiting: &mut std::collections::VecDeque<(
        &'static str,
        oneshot::Sender<Result<Frame, TransportError>>,
    )>,
    why: &str,
) {
    for (_, tx) in waiting.drain(..) {
        let _ = tx.send(Err(TransportError::Interrupted(why.into())));
    }
}

/// Shared handle type used by services.
pub type SharedClient = Arc<FsClient>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_look_like_uuids() {
        let u = new_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(u.matches('-').count(), 4);
        assert_ne!(u, new_uuid());
    }
}
