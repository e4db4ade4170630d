//! [`FsHub`]: the FreeSWITCH client for the current «FreeSWITCH» settings, rebuilt when they
//! change. Every module that talks to FreeSWITCH gets its client here.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use crate::access::live::Snapshot;
use crate::freeswitch::client::{FsClient, FsConfig, Transport};
use crate::platform::secret::Secret;

/// The FreeSWITCH client for the current settings; rebuilt when they change.
#[derive(Default)]
pub struct FsHub {
    current: Mutex<Option<(FsConfig, Arc<FsClient>)>>,
}

pub fn fs_config(snap: &Snapshot) -> FsConfig {
    let get = |k: &str| {
        snap.settings
            .get(&format!("freeswitch.{k}"))
            .cloned()
            .unwrap_or_default()
    };
    let num = |k: &str, d: u64| get(k).parse::<u64>().unwrap_or(d);
    FsConfig {
        transport: if get("transport") == "esl" {
            Transport::Esl
        } else {
            Transport::XmlRpc
        },
        host: get("host"),
        http_port: num("port", 8080) as u16,
        http_user: get("user"),
        http_password: Secret::new(get("password")),
        esl_port: num("esl_port", 8021) as u16,
        esl_password: Secret::new(get("esl_password")),
        timeout: Duration::from_millis(num("timeout_ms", 5000)),
    }
}

impl FsHub {
    pub async fn client(&self, snap: &Snapshot) -> Arc<FsClient> {
        let cfg = fs_config(snap);
        let mut cur = self.current.lock().await;
        if let Some((c, client)) = cur.as_ref() {
            if *c == cfg {
                return client.clone();
            }
        }
        let client = Arc::new(FsClient::new(&cfg));
        *cur = Some((cfg, client.clone()));
        client
    }
}
