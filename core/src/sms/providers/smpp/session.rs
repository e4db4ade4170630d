//! One SMPP transceiver bind per gateway: connect (main host, then the reserve), bind, a reader
//! task that routes responses to their requests by sequence number, answers `enquire_link` and
//! hands delivery receipts to the service (the `deliver_sm_resp` goes out only once the receipt is
//! stored, so a crash makes the SMSC send it again), an `enquire_link` every 30 s, and a keeper
//! that binds again with back-off after the connection drops so receipts keep arriving.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex as StdMutex, Weak};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch, Semaphore};

use super::pdu::{self, Header};
use crate::platform::secret::Secret;
use crate::sms::providers::{ErrorClass, GatewayError, Scope};

#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    /// `host:port`, tried in order.
    pub hosts: Vec<String>,
    pub system_id: String,
    pub password: Secret<String>,
    /// Answer timeout of one request (and the connect timeout, at most 10 s).
    pub timeout: Duration,
    pub enquire_every: Duration,
    /// Parts per second.
    pub rate_per_sec: u32,
    /// Requests awaiting an answer at once.
    pub window: usize,
}

/// A delivery receipt for the service to store; `ack` says whether it was stored.
pub struct Incoming {
    pub gateway_id: i64,
    pub receipt: pdu::Receipt,
    pub ack: oneshot::Sender<bool>,
}

/// Why a request got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestError {
    /// It never left (the connection was already gone): nothing reached the SMSC.
    NotSent,
    /// Sent, but no answer in time or the connection dropped: the SMSC may have acted on it.
    NoAnswer,
}

fn gateway_down(code: &str, message: impl Into<String>) -> GatewayError {
    GatewayError::new(ErrorClass::Retryable, Scope::Gateway, code, message)
}

/// One TCP connection, bound.
pub struct Conn {
    writer: tokio::sync::Mutex<OwnedWriteHalf>,
    pending: StdMutex<HashMap<u32, oneshot::Sender<(Header, Vec<u8>)>>>,
    seq: AtomicU32,
    alive: AtomicBool,
    closed: watch::Sender<bool>,
    window: Semaphore,
    pub peer: String,
}

impl Conn {
    pub fn alive(&self) -> bool {
        self.alive.load(Ordering::Acquire)
    }

    fn next_seq(&self) -> u32 {
        // Sequence numbers run 1..=0x7FFFFFFF.
        let n = self.seq.fetch_add(1, Ordering::Relaxed) % 0x7FFF_FFFF;
        n + 1
    }

    async fn write(&self, bytes: &[u8]) -> std::io::Result<()> {
        self.writer.lock().await.write_all(bytes).await
    }

    fn close(&self) {
        self.alive.store(false, Ordering::Release);
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        let _ = self.closed.send(true);
    }

    /// Send a request and await its answer (at most `window` outstanding at once).
    pub async fn request(
        &self,
        command_id: u32,
        body: &[u8],
        timeout: Duration,
    ) -> Result<(Header, Vec<u8>), RequestError> {
        let _permit = self
            .window
            .acquire()
            .await
            .map_err(|_| RequestError::NotSent)?;
        if !self.alive() {
            return Err(RequestError::NotSent);
        }
        let seq = self.next_seq();
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(seq, tx);
        if self
            .write(&pdu::encode(command_id, 0, seq, body))
            .await
            .is_err()
        {
            self.pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&seq);
            self.close();
            return Err(RequestError::NotSent);
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(answer)) => Ok(answer),
            _ => {
                self.pending
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&seq);
                Err(RequestError::NoAnswer)
            }
        }
    }

    async fn respond(&self, command_id: u32, status: u32, seq: u32, body: &[u8]) {
        if self
            .write(&pdu::encode(command_id, status, seq, body))
            .await
            .is_err()
        {
            self.close();
        }
    }
}

async fn read_pdu(r: &mut tokio::net::tcp::OwnedReadHalf) -> Result<(Header, Vec<u8>), String> {
    let mut head = [0u8; pdu::HEADER_LEN];
    r.read_exact(&mut head).await.map_err(|e| e.to_string())?;
    let h = pdu::header(&head)
        .map_err(|e| e.to_string())?
        .ok_or("short header")?;
    let mut body = vec![0u8; h.length as usize - pdu::HEADER_LEN];
    r.read_exact(&mut body).await.map_err(|e| e.to_string())?;
    Ok((h, body))
}

async fn reader(
    conn: Arc<Conn>,
    mut r: tokio::net::tcp::OwnedReadHalf,
    gateway_id: i64,
    receipts: mpsc::UnboundedSender<Incoming>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let next = tokio::select! {
            r = read_pdu(&mut r) => r,
            _ = async { let _ = shutdown.wait_for(|s| *s).await; } => {
                // The gateway was edited or removed: leave politely.
                let seq = conn.next_seq();
                conn.respond(pdu::UNBIND, 0, seq, &[]).await;
                break;
            }
        };
        let (h, body) = match next {
            Ok(p) => p,
            Err(e) => {
                if conn.alive() {
                    tracing::info!(peer = %conn.peer, error = %e, "SMPP connection closed");
                }
                break;
            }
        };
        if h.command_id & 0x8000_0000 != 0 {
            let waiter = conn
                .pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&h.sequence);
            if let Some(w) = waiter {
                let _ = w.send((h, body));
            }
            continue;
        }
        match h.command_id {
            pdu::ENQUIRE_LINK => {
                conn.respond(pdu::ENQUIRE_LINK_RESP, 0, h.sequence, &[])
                    .await
            }
            pdu::UNBIND => {
                conn.respond(pdu::UNBIND_RESP, 0, h.sequence, &[]).await;
                break;
            }
            pdu::DELIVER_SM => {
                let parsed = pdu::parse_short_message(&body);
                match parsed.as_ref().ok().and_then(pdu::receipt) {
                    Some(receipt) => {
                        let (ack, stored) = oneshot::channel();
                        let sent = receipts
                            .send(Incoming {
                                gateway_id,
                                receipt,
                                ack,
                            })
                            .is_ok();
                        let conn = conn.clone();
                        tokio::spawn(async move {
                            let ok = sent
                                && matches!(
                                    tokio::time::timeout(Duration::from_secs(30), stored).await,
                                    Ok(Ok(true))
                                );
                            let status = if ok { 0 } else { pdu::status::TEMP_APP_ERROR };
                            conn.respond(pdu::DELIVER_SM_RESP, status, h.sequence, b"\0")
                                .await;
                        });
                    }
                    None => {
                        let status = match parsed {
                            Ok(_) => {
                                tracing::info!(peer = %conn.peer, "SMPP: an incoming (mobile-originated) message was acknowledged and dropped");
                                0
                            }
                            Err(_) => pdu::status::INVALID_MSG_LEN,
                        };
                        conn.respond(pdu::DELIVER_SM_RESP, status, h.sequence, b"\0")
                            .await;
                    }
                }
            }
            _ => {
                conn.respond(
                    pdu::GENERIC_NACK,
                    pdu::status::INVALID_CMD_ID,
                    h.sequence,
                    &[],
                )
                .await
            }
        }
        if !conn.alive() {
            break;
        }
    }
    conn.close();
    let _ = conn.writer.lock().await.shutdown().await;
}

async fn link_checker(conn: Weak<Conn>, every: Duration, timeout: Duration) {
    loop {
        tokio::time::sleep(every).await;
        let Some(c) = conn.upgrade() else { return };
        if !c.alive() {
            return;
        }
        if c.request(pdu::ENQUIRE_LINK, &[], timeout).await.is_err() {
            tracing::warn!(peer = %c.peer, "SMPP: no answer to enquire_link; reconnecting");
            c.close();
            let _ = c.writer.lock().await.shutdown().await;
            return;
        }
    }
}

/// Human name of a bind error.
fn bind_error(status: u32) -> (&'static str, &'static str) {
    match status {
        pdu::status::INVALID_PASSWORD => ("smpp_invalid_password", "wrong password"),
        pdu::status::INVALID_SYSTEM_ID => ("smpp_invalid_system_id", "unknown system_id"),
        pdu::status::ALREADY_BOUND => ("smpp_already_bound", "already bound"),
        _ => ("smpp_bind_failed", "bind refused"),
    }
}

async fn open(
    cfg: &Config,
    gateway_id: i64,
    receipts: &mpsc::UnboundedSender<Incoming>,
    shutdown: &watch::Receiver<bool>,
) -> Result<Arc<Conn>, GatewayError> {
    let connect_timeout = cfg.timeout.min(Duration::from_secs(10));
    let mut last = gateway_down("smpp_no_host", "no SMPP host configured");
    for host in &cfg.hosts {
        let stream = match tokio::time::timeout(connect_timeout, TcpStream::connect(host)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                last = gateway_down("connect_failed", format!("{host}: {e}"));
                continue;
            }
            Err(_) => {
                last = gateway_down("connect_timeout", format!("{host}: no connection"));
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (r, w) = stream.into_split();
        let (closed, _) = watch::channel(false);
        let conn = Arc::new(Conn {
            writer: tokio::sync::Mutex::new(w),
            pending: Default::default(),
            seq: AtomicU32::new(0),
            alive: AtomicBool::new(true),
            closed,
            window: Semaphore::new(cfg.window.max(1)),
            peer: host.clone(),
        });
        tokio::spawn(reader(
            conn.clone(),
            r,
            gateway_id,
            receipts.clone(),
            shutdown.clone(),
        ));
        let body = pdu::bind_transceiver(&pdu::Bind {
            system_id: &cfg.system_id,
            password: cfg.password.expose(),
            system_type: "",
        });
        match conn
            .request(pdu::BIND_TRANSCEIVER, &body, cfg.timeout)
            .await
        {
            Ok((h, _)) if h.command_id == pdu::BIND_TRANSCEIVER_RESP && h.status == 0 => {
                tokio::spawn(link_checker(
                    Arc::downgrade(&conn),
                    cfg.enquire_every,
                    cfg.timeout,
                ));
                tracing::info!(peer = %host, system_id = %cfg.system_id, "SMPP bound (transceiver)");
                return Ok(conn);
            }
            Ok((h, _)) => {
                conn.close();
                let (code, what) = bind_error(h.status);
                // Credentials are the same for the reserve host: no point trying it.
                return Err(gateway_down(
                    code,
                    format!("{host}: {what} (status {:#04x})", h.status),
                ));
            }
            Err(_) => {
                conn.close();
                last = gateway_down("smpp_bind_timeout", format!("{host}: no answer to bind"));
            }
        }
    }
    Err(last)
}

/// A gateway's bind, kept while the gateway's settings stay the same.
pub struct Session {
    pub gateway_id: i64,
    pub cfg: Config,
    conn: tokio::sync::Mutex<Option<Arc<Conn>>>,
    receipts: mpsc::UnboundedSender<Incoming>,
    shutdown: watch::Sender<bool>,
    ever_bound: AtomicBool,
    udh_ref: AtomicU32,
    next_slot: StdMutex<Instant>,
}

impl Session {
    pub fn new(
        gateway_id: i64,
        cfg: Config,
        receipts: mpsc::UnboundedSender<Incoming>,
    ) -> Arc<Session> {
        let (shutdown, _) = watch::channel(false);
        let s = Arc::new(Session {
            gateway_id,
            cfg,
            conn: tokio::sync::Mutex::new(None),
            receipts,
            shutdown,
            ever_bound: AtomicBool::new(false),
            udh_ref: AtomicU32::new(rand::random::<u8>() as u32),
            next_slot: StdMutex::new(Instant::now()),
        });
        tokio::spawn(keeper(Arc::downgrade(&s)));
        s
    }

    /// The bound connection, binding first when there is none.
    pub async fn conn(&self) -> Result<Arc<Conn>, GatewayError> {
        let mut g = self.conn.lock().await;
        if let Some(c) = g.as_ref().filter(|c| c.alive()) {
            return Ok(c.clone());
        }
        let c = open(
            &self.cfg,
            self.gateway_id,
            &self.receipts,
            &self.shutdown.subscribe(),
        )
        .await?;
        self.ever_bound.store(true, Ordering::Release);
        *g = Some(c.clone());
        Ok(c)
    }

    pub fn next_ref(&self) -> u8 {
        self.udh_ref.fetch_add(1, Ordering::Relaxed) as u8
    }

    /// Wait for this gateway's turn to send one part.
    pub async fn pace(&self) {
        let step = Duration::from_secs_f64(1.0 / self.cfg.rate_per_sec.max(1) as f64);
        let at = {
            let mut slot = self.next_slot.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let at = (*slot).max(now);
            *slot = at + step;
            at
        };
        tokio::time::sleep_until(at.into()).await;
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// After a bind was once made, keep one: reconnect with back-off (1 s doubling to 60 s) whenever
/// the connection drops, so delivery receipts keep arriving between sends.
async fn keeper(session: Weak<Session>) {
    let mut backoff = Duration::from_secs(1);
    loop {
        let closed = {
            let Some(s) = session.upgrade() else { return };
            let current = s.conn.lock().await.clone();
            match current {
                Some(c) if c.alive() => Some(c.closed.subscribe()),
                _ if !s.ever_bound.load(Ordering::Acquire) => None,
                _ => match s.conn().await {
                    Ok(c) => {
                        backoff = Duration::from_secs(1);
                        Some(c.closed.subscribe())
                    }
                    Err(e) => {
                        tracing::warn!(gateway = s.gateway_id, code = %e.code, "SMPP rebind failed");
                        backoff = (backoff * 2).min(Duration::from_secs(60));
                        None
                    }
                },
            }
        };
        match closed {
            Some(mut rx) => {
                // Wake when the connection closes (or now and then, to notice a dropped session).
                let closed = async {
                    let _ = rx.wait_for(|c| *c).await;
                };
                let _ = tokio::time::timeout(Duration::from_secs(5), closed).await;
                if *rx.borrow() {
                    tokio::time::sleep(backoff).await;
                }
            }
            None => tokio::time::sleep(backoff.max(Duration::from_secs(1))).await,
        }
    }
}
