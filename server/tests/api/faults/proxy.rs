//! A TCP proxy the fault tests control: it forwards to an upstream (fs-sim, sms-fake, MariaDB)
//! and can be switched, mid-run, to look like an upstream that is down (listener closed,
//! connections cut), stalled (accepts, reads, never answers) or answering garbage — and back,
//! on the same port, to the same or a new upstream.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward to the upstream.
    Pass,
    /// Listener closed (connection refused) and every open connection cut.
    Down,
    /// Accept, read, never answer.
    Stall,
    /// Answer whatever comes with bytes no protocol expects, then close.
    Garbage,
}

#[derive(Debug, Clone, Copy)]
struct State {
    fault: Fault,
    upstream: SocketAddr,
    /// Bumped on every change: open connections of an older generation are cut.
    generation: u64,
}

pub struct Proxy {
    pub port: u16,
    state: Arc<watch::Sender<State>>,
    task: tokio::task::JoinHandle<()>,
}

const GARBAGE: &[u8] = b"\x00\xff\xfeNOT A PROTOCOL \x1b[2J{{{<<<\r\n\r\n\x07garbage\n\n";

impl Proxy {
    /// A proxy on a free port of 127.0.0.1, forwarding to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, _) = watch::channel(State {
            fault: Fault::Pass,
            upstream,
            generation: 0,
        });
        let state = Arc::new(tx);
        let task = tokio::spawn(run(listener, port, state.clone()));
        Proxy { port, state, task }
    }

    pub fn fault(&self) -> Fault {
        self.state.borrow().fault
    }

    /// Switch to `fault`; open connections are cut.
    pub fn set(&self, fault: Fault) {
        self.state.send_modify(|s| {
            s.fault = fault;
            s.generation += 1;
        });
    }

    /// Forward to a new upstream from now on (a restarted service on another port); open
    /// connections are cut.
    pub fn set_upstream(&self, upstream: SocketAddr) {
        self.state.send_modify(|s| {
            s.upstream = upstream;
            s.fault = Fault::Pass;
            s.generation += 1;
        });
    }

    /// Wait until the proxy accepts connections again after [`Fault::Down`].
    pub async fn wait_listening(&self) {
        for _ in 0..200 {
            if self.fault() != Fault::Down
                && TcpStream::connect(("127.0.0.1", self.port)).await.is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("proxy on port {} never listened again", self.port);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.set(Fault::Down);
        self.task.abort();
    }
}

async fn run(first: TcpListener, port: u16, state: Arc<watch::Sender<State>>) {
    let mut listener = Some(first);
    let mut rx = state.subscribe();
    loop {
        let now = *rx.borrow_and_update();
        if now.fault == Fault::Down {
            listener = None;
            if rx.changed().await.is_err() {
                return;
            }
            continue;
        }
        let l = match listener.take() {
            Some(l) => l,
            None => loop {
                // The same port again (the kernel may need a moment after the close).
                match TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(l) => break l,
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            },
        };
        tokio::select! {
            accepted = l.accept() => {
                listener = Some(l);
                if let Ok((client, _)) = accepted {
                    tokio::spawn(connection(client, state.subscribe()));
                }
            }
            changed = rx.changed() => {
                listener = Some(l);
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

/// One client connection under the state it was accepted in, until that state changes.
async fn connection(mut client: TcpStream, mut rx: watch::Receiver<State>) {
    let st = *rx.borrow_and_update();
    if matches!(st.fault, Fault::Pass | Fault::Stall) {
        // Cut hard when the state changes: a reset, like a crashed or rebooted peer.
        let _ = client.set_zero_linger();
    }
    let cut = async move {
        while rx.changed().await.is_ok() {
            if rx.borrow().generation != st.generation {
                return;
            }
        }
    };
    let work = async {
        match st.fault {
            Fault::Pass => {
                let Ok(mut up) = TcpStream::connect(st.upstream).await else {
                    return;
                };
                let _ = up.set_nodelay(true);
                let _ = client.set_nodelay(true);
                let _ = tokio::io::copy_bidirectional(&mut client, &mut up).await;
            }
            Fault::Stall => {
                let mut buf = [0u8; 4096];
                while matches!(client.read(&mut buf).await, Ok(n) if n > 0) {}
                // The peer closed its side: hold ours until the state changes.
                std::future::pending::<()>().await;
            }
            Fault::Garbage => {
                // Servers that speak first (the Event Socket) get garbage at once; others after
                // their request.
                let mut buf = [0u8; 4096];
                let _ =
                    tokio::time::timeout(Duration::from_millis(50), client.read(&mut buf)).await;
                let _ = client.write_all(GARBAGE).await;
                let _ = client.shutdown().await;
                // Drain until the client closes.
                while matches!(client.read(&mut buf).await, Ok(n) if n > 0) {}
            }
            Fault::Down => {}
        }
    };
    tokio::select! {
        _ = cut => {}
        _ = work => {}
    }
}
