//! `cc` module handlers: parse, call `ccgate_core::cc`, map the answer. Thin by rule. Here: the
//! routes and the helpers the handlers share.

use std::sync::Arc;

use ccgate_core::freeswitch::client::FsClient;
use ccgate_core::Services;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

use crate::rest::ModuleRoutes;

pub mod add;
pub mod audio;
pub mod cdr;
pub mod queues;

/// The `cc` module's routes.
pub fn routes() -> ModuleRoutes {
    ModuleRoutes::new("cc")
        .method("add", routes!(add::add))
        .method("add", routes!(add::status, add::cancel))
        .method("queues", routes!(queues::queues))
        .method("queue", routes!(queues::queue))
        .method("tiers", routes!(queues::tiers))
        .method("tier", routes!(queues::tier))
        .method("audio", routes!(audio::audio))
        .method("cdr", routes!(cdr::list))
        .method("cdr", routes!(cdr::one))
}

/// The FreeSWITCH client for the current settings.
async fn client(state: &Services) -> Arc<FsClient> {
    state.fs.client(&state.live.current()).await
}

/// `{"items": [...], "total": n}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// How many items.
    pub total: usize,
}

impl<T> Listing<T> {
    fn of(items: Vec<T>) -> Listing<T> {
        Listing {
            total: items.len(),
            items,
        }
    }
}
