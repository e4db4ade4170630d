//! The HTTP server loop: the one place connections are accepted, with the limits that keep a slow
//! or hostile client from tying up the API and the panel (`axum::serve` sets none of them).
//!
//! * **Request head:** a connection that has not sent a whole request head within
//!   `http_header_timeout_seconds` is closed — a client sending half a header and waiting, and an
//!   idle keep-alive connection waiting for its next request alike (hyper starts the timer
//!   whenever it waits for a head).
//! * **Request body:** a body that stops arriving for `http_body_timeout_seconds` fails its read
//!   (`tower_http`'s body timeout, between frames), so the handler answers its 4xx and the
//!   connection is closed.
//! * **Connections:** at most `http_max_connections` are served at once; further ones wait in the
//!   kernel's listen queue until one closes, and are then served in turn.
//! * **HTTP/2:** pings every 20 s, a connection whose peer does not answer within 20 s is closed.
//!
//! Shutdown: accepting stops at once; open connections finish their in-flight requests
//! (graceful), long-lived responses such as the live event feed are ended by the caller.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

/// The connection limits (from the config's `http_*` keys).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub max_connections: usize,
}

impl Limits {
    pub fn from_config(c: &ccgate_core::Config) -> Limits {
        Limits {
            header_timeout: Duration::from_secs(c.http_header_timeout_seconds.into()),
            body_timeout: Duration::from_secs(c.http_body_timeout_seconds.into()),
            max_connections: c.http_max_connections as usize,
        }
    }
}

/// How long open connections get to finish after shutdown begins.
const DRAIN: Duration = Duration::from_secs(30);

/// Serve `router` on `listener` until `shutdown` completes, then let open connections finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(20)))
        .keep_alive_timeout(Duration::from_secs(20))
        .max_concurrent_streams(256);
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        // A free slot first: at the limit, new connections wait in the listen queue.
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let (router, body_timeout) = (router.clone(), limits.body_timeout);
        let svc = TowerToHyperService::new(tower::service_fn(move |req: Request<Incoming>| {
            let mut req = req.map(|b| Body::new(TimeoutBody::new(body_timeout, b)));
            req.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(req)
        }));
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), svc);
        let conn = graceful.watch(conn.into_owned());
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::trace!(error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => {
            tracing::warn!("connections still open {} s after shutdown began; closing them", DRAIN.as_secs());
        }
    }
    Ok(())
}
