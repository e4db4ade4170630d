//! `cc` module handlers: parse, call `ccgate_core::cc`, map the answer. Thin by rule. Here: the
//! routes and the helpers the handlers share.

use std::sync::Arc;

use axum::routing::{get, post};
use ccgate_core::freeswitch::client::FsClient;
use ccgate_core::Services;
use serde::Serialize;
use serde_json::{json, Value};

use crate::rest::ModuleRoutes;

pub mod add;
pub mod audio;
pub mod cdr;
pub mod queues;

/// The `cc` module's routes.
pub fn routes() -> ModuleRoutes {
    ModuleRoutes::new("cc")
        .method("add", "", post(add::add))
        .method("add", "/{id}", get(add::status).delete(add::cancel))
        .method("queues", "", get(queues::queues))
        .method("queue", "", get(queues::queue))
        .method("tiers", "", get(queues::tiers))
        .method("tier", "", get(queues::tier))
        .method("audio", "", get(audio::audio))
        .method("cdr", "", get(cdr::list))
        .method("cdr", "/{uuid}", get(cdr::one))
}

/// The FreeSWITCH client for the current settings.
async fn client(state: &Services) -> Arc<FsClient> {
    state.fs.client(&state.live.current()).await
}

/// `{"items": [...], "total": n}`.
fn listing<T: Serialize>(items: &[T]) -> Value {
    json!({ "items": items, "total": items.len() })
}
