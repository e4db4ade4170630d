//! Builds the application: database, migrations, sessions, routes. `main` and the tests both use
//! [`Application::build`]; tests bind port 0.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use app::ssr::AppState;
use app::{is_protected_page, shell, App};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Router;
use ccgate_core::{Config, Db, Services};
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::Session;

use crate::session;

pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    state: AppState,
    background: Vec<tokio::task::JoinHandle<()>>,
}

/// Leptos site options from the environment that `cargo leptos` sets (`LEPTOS_*`), falling back to
/// the configured site root, so the binary also runs on its own.
pub fn leptos_options(config: &Config) -> LeptosOptions {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    LeptosOptions::builder()
        .output_name(env("LEPTOS_OUTPUT_NAME").unwrap_or_else(|| "ccgate".into()))
        .site_root(
            env("LEPTOS_SITE_ROOT").unwrap_or_else(|| config.site_root.display().to_string()),
        )
        .site_pkg_dir(env("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".into()))
        .site_addr(config.bind)
        .reload_port(
            env("LEPTOS_RELOAD_PORT")
                .and_then(|p| p.parse().ok())
                .unwrap_or(3001),
        )
        // The release build names the bundle's files by content and lists the names in the hash
        // file beside the binary (see `crate::assets`); a build without it keeps plain names.
        .hash_files(
            env("LEPTOS_HASH_FILES")
                .map(|v| v == "true")
                .unwrap_or_else(|| hash_file_beside_binary().is_some()),
        )
        .env(match env("LEPTOS_ENV").as_deref() {
            Some("DEV") | Some("dev") | Some("development") => leptos::config::Env::DEV,
            _ => leptos::config::Env::PROD,
        })
        .build()
}

/// The hash file `cargo leptos build` writes beside the binary when it names files by content.
fn hash_file_beside_binary() -> Option<std::path::PathBuf> {
    let path = std::env::current_exe().ok()?.parent()?.join("hash.txt");
    path.is_file().then_some(path)
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let db = Db::connect(config.database_url.expose(), config.db_max_connections)
            .await
            .context("cannot connect to the database (check CCGATE_DATABASE_URL)")?;
        db.migrate().await.context("database migration failed")?;
        let store = session::store(&db)
            .await
            .context("cannot set up the session store")?;
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let services = Services::build(config, db)
            .await
            .context("cannot load users and settings or start the journal writer")?;
        if services.config.demo {
            seed_demo(&services).await;
        }
        let options = leptos_options(&services.config);
        warn_if_bundle_unnamed(&options);
        let state = AppState {
            leptos_options: options,
            services: services.clone(),
            api_document: crate::rest::openapi::served(),
        };
        let router = build_router(state.clone(), &store);
        let mut background = vec![store.spawn_cleanup()];
        background.extend(services.spawn_workers());
        Ok(Application {
            listener,
            router,
            state,
            background,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serve until `shutdown` completes, then finish in-flight requests.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Live event streams never finish on their own: end them as soon as shutdown begins.
        let journal = self.state.journal.clone();
        let shutdown = async move {
            shutdown.await;
            journal.close_events();
        };
        let limits = crate::serve::Limits::from_config(&self.state.config);
        let res = crate::serve::serve(self.listener, self.router, limits, shutdown).await;
        // In-flight requests are done and their journal entries queued: write them all.
        self.state.journal.shutdown().await;
        // What was admitted since the last sync is stored, so a restart goes on from it.
        if let Err(e) = self.state.limits.sync().await {
            tracing::warn!(error = %e, "limit counters: the last sync before stopping failed");
        }
        for task in self.background {
            task.abort();
        }
        res
    }
}

/// A release build names the bundle's files by content and lists the names in `hash.txt`: a
/// binary copied without that file would send pages naming files that do not exist.
fn warn_if_bundle_unnamed(options: &LeptosOptions) {
    let pkg = std::path::Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let plain = pkg.join(format!("{}.js", options.output_name));
    if !options.hash_files && pkg.is_dir() && !plain.exists() {
        tracing::error!(
            pkg = %pkg.display(),
            "the browser bundle has content-hashed names but no hash.txt is beside the binary: \
             copy the build's hash.txt next to it, or the panel's pages will not load their script"
        );
    }
}

/// Demo mode: seed the demo once (see `ccgate_core::demo`), before the background workers start.
/// A failed seed is logged and the server starts all the same.
async fn seed_demo(services: &Services) {
    use ccgate_core::demo::{seed_once, Seeded};
    match seed_once(services, &services.config.demo_key_file).await {
        Ok(Seeded::Now {
            users,
            requests,
            sms,
            calls,
        }) => tracing::info!(
            users,
            requests,
            sms,
            calls,
            key_file = %services.config.demo_key_file.display(),
            "demo mode: seeded API users and 30 days of traffic"
        ),
        Ok(Seeded::Before) => {}
        Ok(Seeded::InUse) => {
            tracing::info!("demo mode: the database already has API users; nothing seeded")
        }
        Err(e) => tracing::error!(error = %e, "demo mode: seeding failed"),
    }
}

pub fn build_router(state: AppState, store: &session::Store) -> Router {
    let routes = generate_route_list(App);
    // The admin panel: pages, server functions, static files; sessions and the page guard.
    let panel: Router<AppState> = Router::new()
        .leptos_routes(&state, routes, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .route(
            crate::events::PATH,
            axum::routing::get(crate::events::events),
        )
        .route(
            crate::reports_csv::PATH,
            axum::routing::get(crate::reports_csv::download),
        )
        .fallback(crate::assets::file_or_not_found)
        .layer(middleware::from_fn_with_state(state.clone(), page_guard))
        .layer(middleware::from_fn_with_state(state.clone(), viewer_gate))
        .layer(middleware::from_fn(crate::assets::cache_policy))
        // Pages render to their end even when the browser leaves halfway (see `render`).
        .layer(middleware::from_fn(crate::render::finish_renders));
    let panel = store
        .apply(panel, &state.config)
        .layer(middleware::from_fn(crate::guard::rpc_status))
        .layer(middleware::from_fn_with_state(
            state.config.clone(),
            crate::guard::panel_gate,
        ));
    // The public API (its own pipeline and state, no sessions), the SMS delivery-report callback
    // and a bare liveness probe.
    let public: Router = Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route(
            crate::metrics::PATH,
            axum::routing::get(crate::metrics::metrics),
        )
        .nest_service("/api", crate::rest::router(state.services.clone()))
        .route(
            "/callbacks/sms/{gateway}/{token}",
            axum::routing::post(crate::rest::sms::callback),
        )
        .with_state(state.services.clone());
    with_security_headers(public.merge(panel.with_state(state))).layer(
        tower_http::trace::TraceLayer::new_for_http().make_span_with(|req: &Request| {
            tracing::debug_span!(
                "request",
                method = %req.method(),
                uri = %loggable_uri(req.uri()),
                version = ?req.version(),
            )
        }),
    )
}

/// A request's URI as the request span logs it: the secret token of an SMS delivery-report
/// callback (`/callbacks/sms/{gateway}/{token}`, the provider's only credential) replaced by `***`.
pub fn loggable_uri(uri: &axum::http::Uri) -> String {
    const CALLBACKS: &str = "/callbacks/sms/";
    let path = uri.path();
    match path.strip_prefix(CALLBACKS) {
        Some(rest) => {
            let gateway = rest.split('/').next().unwrap_or("");
            format!("{CALLBACKS}{gateway}/***")
        }
        None => uri.to_string(),
    }
}

/// Headers on every response (pages, server functions, API, files) unless a handler set its own:
/// no MIME sniffing, never framed by another site, no full URLs in `Referer` to other sites.
fn with_security_headers(r: Router) -> Router {
    use axum::http::header;
    r.layer(SetResponseHeaderLayer::if_not_present(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ))
    .layer(SetResponseHeaderLayer::if_not_present(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("DENY"),
    ))
    .layer(SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    ))
    .layer(SetResponseHeaderLayer::if_not_present(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    ))
}

/// Pages need a signed-in admin: without one, go to `/login`; signed in, `/login` goes home.
async fn page_guard(
    State(state): State<AppState>,
    session: Session,
    req: Request,
    next: Next,
) -> Response {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        let path = req.uri().path();
        let is_login = path == "/login";
        let is_protected = is_protected_page(path);
        if is_login || is_protected {
            let signed_in = matches!(
                app::ssr::session_admin(&state.db, &session).await,
                Ok(Some(_))
            );
            if is_protected && !signed_in {
                return Redirect::to("/login").into_response();
            }
            if is_login && signed_in {
                return Redirect::to("/").into_response();
            }
        }
    }
    next.run(req).await
}

/// Roles, deny by default: a server function that is not on the viewer's list
/// (`app::api::VIEWER_RPC`) is a change, and a signed-in viewer gets 403 `Forbidden` for it before
/// it runs (and before its arguments are read). The changing functions refuse a viewer again
/// themselves (`require_editor`); without a session they answer 401 as before.
async fn viewer_gate(
    State(state): State<AppState>,
    session: Session,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if path.starts_with("/rpc/") && !app::api::viewer_may_call(path) {
        if let Ok(Some(admin)) = app::ssr::session_admin(&state.db, &session).await {
            if !admin.role.can_edit() {
                tracing::info!(admin = %admin.username, %path, "change refused to a read-only admin");
                let body =
                    serde_json::to_string(&app::error::AppError::Forbidden).unwrap_or_default();
                return (
                    axum::http::StatusCode::FORBIDDEN,
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    body,
                )
                    .into_response();
            }
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::loggable_uri;

    #[test]
    fn callback_tokens_are_not_logged() {
        let u = |s: &str| loggable_uri(&s.parse().unwrap());
        assert_eq!(
            u("/callbacks/sms/7/0123456789abcdef"),
            "/callbacks/sms/7/***"
        );
        assert_eq!(
            u("/callbacks/sms/7/0123456789abcdef/x?y=1"),
            "/callbacks/sms/7/***"
        );
        assert_eq!(u("/callbacks/sms/"), "/callbacks/sms//***");
        assert_eq!(u("/api/v1/me?x=1"), "/api/v1/me?x=1");
    }
}
