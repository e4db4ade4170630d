//! The public REST API under `/api`. Each module owns its routes (`cc::routes`, `sms::routes`,
//! `reports::routes`),
//! registered through [`ModuleRoutes`], which refuses a method the catalogue does not list; every
//! catalogue method no module registered answers 501 `not_implemented`, so the route table is
//! derived from the catalogue and the module routers, never kept by hand. Handlers are thin:
//! parse, call a `ccgate-core` service, map the result. The pipeline (`pipeline.rs`) wraps them all.
//!
//! The state is [`Services`] from `ccgate-core`: this API does not depend on the panel crate.

pub mod cc;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod me;
pub mod params;
pub mod pipeline;
pub mod reports;
pub mod sms;

use std::collections::BTreeSet;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use ccgate_catalogue::Verb;
use ccgate_core::Services;
use serde_json::Value;

use error::{ApiError, ErrorCode};
use extract::ApiJson;

pub const BODY_LIMIT: usize = 1024 * 1024;

/// The routes of one catalogue module: `/v1/{module}/{method}` and sub-resources below it.
pub struct ModuleRoutes {
    module: &'static str,
    router: Router<Services>,
    methods: BTreeSet<&'static str>,
}

impl ModuleRoutes {
    pub fn new(module: &'static str) -> ModuleRoutes {
        assert!(
            ccgate_catalogue::module(module).is_some(),
            "module `{module}` is not in the catalogue"
        );
        ModuleRoutes {
            module,
            router: Router::new(),
            methods: BTreeSet::new(),
        }
    }

    /// Route catalogue method `method` at `/v1/{module}/{method}{sub}` (`sub` is empty or a
    /// sub-resource such as `/{id}`).
    pub fn method(
        mut self,
        method: &'static str,
        sub: &str,
        handler: MethodRouter<Services>,
    ) -> ModuleRoutes {
        let (_, x) = ccgate_catalogue::method(self.module, method)
            .unwrap_or_else(|| panic!("{}.{method} is not in the catalogue", self.module));
        self.methods.insert(x.name);
        let path = format!("/v1/{}/{}{sub}", self.module, x.name);
        self.router = self.router.route(&path, handler);
        self
    }
}

/// The `/api` router with its pipeline, ready to nest.
pub fn router(services: Services) -> Router {
    let modules = [cc::routes(), sms::routes(), reports::routes()];
    let mut implemented = BTreeSet::new();
    let mut r: Router<Services> = Router::new().route("/v1/me", get(me::me));
    for m in modules {
        implemented.extend(m.methods.iter().map(|x| (m.module, *x)));
        r = r.merge(m.router);
    }
    for (m, x) in ccgate_catalogue::all() {
        if implemented.contains(&(m.name, x.name)) {
            continue;
        }
        let which = format!("{}.{}", m.name, x.name);
        let handler: MethodRouter<Services> = match x.verb {
            Verb::Get => get(move || not_implemented(which.clone(), None)),
            Verb::Post => post(move |ApiJson(body): ApiJson<Value>| {
                not_implemented(which.clone(), Some(body))
            }),
        };
        r = r.route(&format!("/v1/{}/{}", m.name, x.name), handler);
    }
    r.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            services.clone(),
            pipeline::pipeline,
        ))
        .with_state(services)
}

async fn not_implemented(which: String, _body: Option<Value>) -> ApiError {
    ApiError::new(
        ErrorCode::NotImplemented,
        format!("{which} is in the catalogue but its module is not available in this version"),
    )
}

async fn not_found(axum::extract::OriginalUri(uri): axum::extract::OriginalUri) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!("no such API route: {}", uri.path()),
    )
}

async fn method_not_allowed(method: axum::http::Method) -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!("{method} is not allowed on this route"),
    )
}
