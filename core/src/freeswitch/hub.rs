//! [`FsHub`]: the FreeSWITCH client for the current «FreeSWITCH» settings, rebuilt when they
//! change. Every module that talks to FreeSWITCH gets its client here.

use std::sync::Arc;

use tokio::sync::Mutex;

use crate::access::live::Snapshot;
use crate::freeswitch::client::{FsClient, FsConfig};

/// The FreeSWITCH client for the current settings; rebuilt when they change.
#[derive(Default)]
pub struct FsHub {
    current: Mutex<Option<(FsConfig, Arc<FsClient>)>>,
}

impl FsHub {
    pub async fn client(&self, snap: &Snapshot) -> Arc<FsClient> {
        let cfg = snap.freeswitch.client_config();
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
