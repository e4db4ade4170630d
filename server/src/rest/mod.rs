//! The public REST API under `/api`. Each module owns its routes (`cc::routes`, `sms::routes`,
//! `reports::routes`, `stats::routes`),
//! registered through [`ModuleRoutes`], which refuses a method the catalogue does not list; every
//! catalogue method no module registered answers 501 `not_implemented`, so the route table is
//! derived from the catalogue and the module routers, never kept by hand. Handlers are thin:
//! parse, call a `ccgate-core` service, map the result. The pipeline (`pipeline.rs`) wraps them all.
//!
//! Every handler carries its `#[utoipa::path]` (verb, path, parameters, body and answer types) and
//! is registered with `utoipa_axum::routes!`, which routes it at the path its annotation names: the
//! OpenAPI document (`openapi.rs`, served at `GET /api/v1/openapi.json`) is assembled from the
//! same registrations, so a route cannot exist without its description or the other way round.
//!
//! The state is [`Services`] from `ccgate-core`: this API does not depend on the panel crate.

pub mod cc;
pub mod error;
mod examples;
pub mod extract;
pub mod idempotency;
pub mod me;
pub mod openapi;
pub mod params;
pub mod pipeline;
pub mod reports;
pub mod sms;
pub mod stats;

use std::collections::BTreeSet;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use ccgate_catalogue::Verb;
use ccgate_core::Services;
use serde_json::Value;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use error::{ApiError, ErrorCode};
use extract::ApiJson;

pub const BODY_LIMIT: usize = 1024 * 1024;

/// The routes of one catalogue module: `/v1/{module}/{method}` and sub-resources below it, with
/// their OpenAPI operations.
pub struct ModuleRoutes {
    module: &'static str,
    router: OpenApiRouter<Services>,
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
            router: OpenApiRouter::new(),
            methods: BTreeSet::new(),
        }
    }

    /// Route catalogue method `method`: `routes` (from `utoipa_axum::routes!`) are its handlers at
    /// the paths their annotations name, which must be `/v1/{module}/{method}` or below it (a
    /// sub-resource such as `/{id}`); the catalogue's verb must be among those of the method's own
    /// path. Each operation is tagged with the module and gets the id `module.method` (a
    /// sub-resource's: `module.method.handler`).
    pub fn method(
        mut self,
        method: &'static str,
        (schemas, mut paths, handler): UtoipaMethodRouter<Services>,
    ) -> ModuleRoutes {
        let (_, x) = ccgate_catalogue::method(self.module, method)
            .unwrap_or_else(|| panic!("{}.{method} is not in the catalogue", self.module));
        self.methods.insert(x.name);
        let base = format!("/v1/{}/{}", self.module, x.name);
        let dotted = format!("{}.{}", self.module, x.name);
        for (path, item) in paths.paths.iter_mut() {
            assert!(
                *path == base || path.starts_with(&format!("{base}/")),
                "{path} is not below {base}"
            );
            if *path == base {
                let own = match x.verb {
                    Verb::Get => item.get.is_some(),
                    Verb::Post => item.post.is_some(),
                };
                assert!(own, "{dotted} is a {} method", x.verb.as_str());
            }
            for op in openapi::operations_mut(item) {
                op.tags = Some(vec![self.module.to_string()]);
                op.operation_id = Some(if *path == base {
                    dotted.clone()
                } else {
                    format!("{dotted}.{}", op.operation_id.as_deref().unwrap_or(""))
                });
            }
        }
        self.router = self.router.routes((schemas, paths, handler));
        self
    }
}

/// The `/api` router with its pipeline, ready to nest.
pub fn router(services: Services) -> Router {
    let (r, _) = routes_and_document();
    r.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            services.clone(),
            pipeline::pipeline,
        ))
        .with_state(services)
}

/// Every route of `/api` (relative to it) and the OpenAPI document describing them, from the same
/// registrations.
pub fn routes_and_document() -> (Router<Services>, Value) {
    let modules = [
        cc::routes(),
        sms::routes(),
        stats::routes(),
        reports::routes(),
    ];
    let mut implemented = BTreeSet::new();
    let mut r: OpenApiRouter<Services> = OpenApiRouter::new()
        .routes(routes!(me::me))
        .routes(routes!(openapi::openapi_json));
    for m in modules {
        implemented.extend(m.methods.iter().map(|x| (m.module, *x)));
        r = r.merge(m.router);
    }
    let (mut r, api) = r.split_for_parts();
    let mut missing = Vec::new();
    for (m, x) in ccgate_catalogue::all() {
        if implemented.contains(&(m.name, x.name)) {
            continue;
        }
        missing.push((m, x));
        let which = format!("{}.{}", m.name, x.name);
        let handler: MethodRouter<Services> = match x.verb {
            Verb::Get => get(move || not_implemented(which.clone(), None)),
            Verb::Post => post(move |ApiJson(body): ApiJson<Value>| {
                not_implemented(which.clone(), Some(body))
            }),
        };
        r = r.route(&format!("/v1/{}/{}", m.name, x.name), handler);
    }
    (r, openapi::document(api, &missing))
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
