//! The pacing worker: claims queued contacts within `max_concurrent_calls` and
//! `calls_per_second`, places each call, follows it until it ends and records the outcome.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::access::live::{Live, Snapshot};
use crate::cc::dialer::originate::{classify_originate, originate_args, Dialled};
use crate::cc::dialer::store::{self, Change, Due};
use crate::cc::dialer::MAX_ATTEMPTS;
use crate::cc::settings::FsSettings;
use crate::cc::CcError;
use crate::freeswitch::client::{FsClient, TransportError};
use crate::freeswitch::hub::FsHub;
use crate::platform::db::Db;
use crate::platform::time::now_ms;

/// The pacing worker. One per process; several processes may share a database.
pub struct Dialer {
    pub(super) db: Db,
    pub(super) live: Arc<Live>,
    hub: Arc<FsHub>,
    /// Calls this process is handling (dialling or watching).
    inflight: Mutex<HashSet<String>>,
    wake: tokio::sync::Notify,
}

impl Dialer {
    pub fn new(db: Db, live: Arc<Live>, hub: Arc<FsHub>) -> Arc<Dialer> {
        Arc::new(Dialer {
            db,
            live,
            hub,
            inflight: Mutex::new(HashSet::new()),
            wake: tokio::sync::Notify::new(),
        })
    }

    /// New contacts were stored: look at once instead of at the next tick.
    pub fn poke(&self) {
        self.wake.notify_one();
    }

    /// Run the pacing loop until the task is aborted.
    pub fn spawn(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move { me.run().await })
    }

    async fn run(self: Arc<Self>) {
        let mut tokens: f64 = 0.0;
        let mut last = tokio::time::Instant::now();
        let mut last_sweep = tokio::time::Instant::now() - Duration::from_secs(60);
        loop {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                _ = self.wake.notified() => {}
            }
            let snap = self.live.current();
            let now_i = tokio::time::Instant::now();
            let cps = snap.freeswitch.calls_per_second.max(0.1);
            tokens = (tokens + now_i.duration_since(last).as_secs_f64() * cps).min(cps.max(1.0));
            last = now_i;
            if now_i.duration_since(last_sweep) >= Duration::from_secs(2) {
                last_sweep = now_i;
                if let Err(e) = self.sweep(&snap.freeswitch).await {
                    tracing::warn!(error = %e, "call list sweep failed");
                }
            }
            if let Err(e) = self.tick(&snap, &mut tokens).await {
                tracing::warn!(error = %e, "dialer tick failed");
            }
        }
    }

    /// Expire overdue contacts and pick up calls no task of this process looks after (a restart).
    async fn sweep(self: &Arc<Self>, fs: &FsSettings) -> Result<(), CcError> {
        let now = now_ms();
        store::expire(&self.db, now).await?;
        let stale_dial = now - (fs.originate_timeout_s as i64 + 60) * 1000;
        let rows = store::in_progress(&self.db).await?;
        for (id, status, dial_ms) in rows {
            if self.inflight.lock().unwrap().contains(&id) {
                continue;
            }
            if status == "dialing" && dial_ms.unwrap_or(0) > stale_dial {
                // Another instance may be dialling it right now.
                continue;
            }
            self.inflight.lock().unwrap().insert(id.clone());
            let me = self.clone();
            tokio::spawn(async move {
                let up = me.exists(&id).await;
                match up {
                    Some(true) => {
                        if status == "dialing" {
                            me.set_answered(&id).await;
                        }
                        me.watch(&id).await;
                    }
                    Some(false) if status == "dialing" => {
                        me.finish(&id, "failed", "ORIGINATE_LOST").await;
                    }
                    Some(false) => me.finish(&id, "completed", "").await,
                    None => {}
                }
                me.inflight.lock().unwrap().remove(&id);
            });
        }
        Ok(())
    }

    async fn tick(self: &Arc<Self>, snap: &Arc<Snapshot>, tokens: &mut f64) -> Result<(), CcError> {
        let max_concurrent = snap.freeswitch.max_concurrent_calls;
        if max_concurrent <= 0 || *tokens < 1.0 {
            return Ok(());
        }
        let free = (max_concurrent - store::active(&self.db).await?).min(tokens.floor() as i64);
        if free <= 0 {
            return Ok(());
        }
        let now = now_ms();
        for c in store::due(&self.db, now, free).await? {
            if !store::claim(&self.db, &c.dial.id, now).await? {
                continue;
            }
            *tokens -= 1.0;
            self.inflight.lock().unwrap().insert(c.dial.id.clone());
            let call = Due {
                attempts: c.attempts + 1,
                ..c
            };
            let (me, snap) = (self.clone(), snap.clone());
            tokio::spawn(async move {
                let id = call.dial.id.clone();
                me.place(call, &snap.freeswitch).await;
                me.inflight.lock().unwrap().remove(&id);
            });
        }
        Ok(())
    }

    async fn place(self: &Arc<Self>, c: Due, fs: &FsSettings) {
        let id = c.dial.id.as_str();
        let args = match originate_args(&c.dial, fs) {
            Ok(a) => a,
            Err(why) => {
                tracing::error!(call = %id, %why, "cannot dial: fix freeswitch.dial_template");
                self.finish(id, "failed", "INVALID_DIAL_STRING").await;
                return;
            }
        };
        // A connection of its own: originate holds it until the callee answers or gives up.
        let mut cfg = fs.client_config();
        cfg.timeout = Duration::from_secs(fs.originate_timeout_s + 15);
        let client = FsClient::new(&cfg);
        match client.api("originate", &args).await {
            Ok(reply) => match classify_originate(&reply) {
                Dialled::Answered => {
                    self.set_answered(id).await;
                    self.watch(id).await;
                }
                Dialled::Busy => self.finish(id, "busy", "USER_BUSY").await,
                Dialled::NoAnswer => self.finish(id, "no_answer", "NO_ANSWER").await,
                Dialled::Failed(cause) => self.finish(id, "failed", &cause).await,
            },
            // Ambiguous: the command was sent and may have run, so the call may be up. It is
            // never dialled again; `uuid_exists` decides.
            Err(
                e @ (TransportError::Timeout
                | TransportError::Interrupted(_)
                | TransportError::Protocol(_)),
            ) => {
                tracing::warn!(call = %id, error = %e, "no usable answer to originate; asking FreeSWITCH whether the call is up");
                match self.exists(id).await {
                    Some(true) => {
                        self.set_answered(id).await;
                        self.watch(id).await;
                    }
                    _ => {
                        let cause = match e {
                            TransportError::Timeout => "ORIGINATE_TIMEOUT",
                            TransportError::Interrupted(_) => "ORIGINATE_LOST",
                            _ => "UPSTREAM_ERROR",
                        };
                        self.finish(id, "failed", cause).await;
                    }
                }
            }
            // The command never reached FreeSWITCH: safe to dial later.
            Err(e @ (TransportError::Unavailable(_) | TransportError::AuthFailed)) => {
                tracing::warn!(call = %id, error = %e, attempt = c.attempts, "FreeSWITCH unreachable; contact goes back to the queue");
                if c.attempts >= MAX_ATTEMPTS {
                    self.finish(id, "failed", "GATEWAY_UNREACHABLE").await;
                } else {
                    self.requeue(id, c.attempts).await;
                }
            }
        }
    }

    /// `uuid_exists`: `None` when FreeSWITCH cannot tell us now.
    async fn exists(&self, id: &str) -> Option<bool> {
        let snap = self.live.current();
        let client = self.hub.client(&snap).await;
        match client.api("uuid_exists", id).await {
            Ok(t) if t.trim() == "true" => Some(true),
            Ok(t) if t.trim() == "false" => Some(false),
            _ => None,
        }
    }

    /// Follow an answered call until FreeSWITCH no longer has it.
    async fn watch(&self, id: &str) {
        let started = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            match self.exists(id).await {
                Some(false) => {
                    self.finish(id, "completed", "").await;
                    return;
                }
                // Longer than any call: leave it to the CDR.
                _ if started.elapsed() > Duration::from_secs(12 * 3600) => {
                    self.finish(id, "completed", "").await;
                    return;
                }
                _ => {}
            }
        }
    }

    /// Record a state change of call `id`; a failure is logged (the sweep picks the call up later).
    async fn record(&self, id: &str, change: Change<'_>) {
        if let Err(e) = store::change(&self.db, id, change).await {
            tracing::error!(call = %id, error = %e, "cannot record a call's new state");
        }
    }

    async fn set_answered(&self, id: &str) {
        self.record(id, Change::Answered).await;
    }

    async fn finish(&self, id: &str, status: &str, cause: &str) {
        self.record(id, Change::Finished { status, cause }).await;
    }

    /// Back to the queue with back-off (FreeSWITCH could not be reached before the call was placed).
    async fn requeue(&self, id: &str, attempts: i64) {
        let not_before_ms = now_ms() + 15_000 * attempts;
        self.record(id, Change::Requeued { not_before_ms }).await;
    }
}
