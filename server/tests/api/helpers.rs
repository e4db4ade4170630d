//! Test harness: boot the real application on 127.0.0.1:0 against a fresh database — a temporary
//! SQLite file, or a fresh MariaDB database when `CCGATE_TEST_MYSQL_URL` is set (the test command
//! sets it). Under `CI` a missing MariaDB fails the MySQL half instead of skipping it.

use ccgate_core::{Config, Secret};
use rand::distributions::{Alphanumeric, DistString};
use server::Application;
use sqlx::Executor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    MySql,
}

pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "correct-horse-battery";

pub struct TestApp {
    pub base: String,
    /// Keeps cookies, never follows redirects.
    pub client: reqwest::Client,
    pub db: ccgate_core::Db,
    pub live: std::sync::Arc<ccgate_core::access::live::Live>,
    pub journal: ccgate_core::journal::JournalHandle,
    /// The instance's limit counters (tests may sync them at once instead of waiting).
    pub limits: std::sync::Arc<ccgate_core::limits::Limiter>,
    shutdown: std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    handle: std::sync::Mutex<Option<tokio::task::JoinHandle<std::io::Result<()>>>>,
    /// The test's directory (the SQLite file lives there); shared by apps restarted on it.
    pub dir: std::sync::Arc<tempfile::TempDir>,
}

pub fn client() -> reqwest::Client {
    ccgate_core::platform::http::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("ccgate-tests/1.0")
        .build()
        .unwrap()
}

/// Like [`client`], but connecting from `ip` (any 127.x.y.z works on loopback): another sign-in
/// source as the server sees it.
pub fn client_from(ip: std::net::IpAddr) -> reqwest::Client {
    ccgate_core::platform::http::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("ccgate-tests/1.0")
        .local_address(ip)
        .build()
        .unwrap()
}

async fn database_url(backend: Backend, dir: &tempfile::TempDir) -> Option<String> {
    match backend {
        Backend::Sqlite => Some(format!("sqlite://{}/ccgate.db", dir.path().display())),
        Backend::MySql => {
            let Ok(admin_url) = std::env::var("CCGATE_TEST_MYSQL_URL") else {
                if std::env::var_os("CI").is_some() {
                    panic!("CCGATE_TEST_MYSQL_URL is not set: the MariaDB half of the suite cannot run");
                }
                eprintln!("skipped: CCGATE_TEST_MYSQL_URL not set (run the README test command)");
                return None;
            };
            let admin_url = admin_url.trim_end_matches('/').to_string();
            let name = format!(
                "ccgate_t_{}",
                Alphanumeric
                    .sample_string(&mut rand::thread_rng(), 12)
                    .to_lowercase()
            );
            let pool = sqlx::mysql::MySqlPoolOptions::new()
                .max_connections(1)
                .connect(&admin_url)
                .await
                .expect("connect to the MariaDB test server");
            pool.execute(format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4").as_str())
                .await
                .expect("create test database");
            pool.close().await;
            Some(format!("{admin_url}/{name}"))
        }
    }
}

/// A config for tests: port 0, the given database, everything else default.
pub fn test_config(database_url: &str) -> Config {
    let url = database_url.to_string();
    Config::from_sources(None, &move |k| match k {
        "CCGATE_BIND" => Some("127.0.0.1:0".into()),
        "CCGATE_DATABASE_URL" => Some(url.clone()),
        "CCGATE_LOG_LEVEL" => Some("warn".into()),
        _ => None,
    })
    .unwrap()
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(backend, &dir).await?;
    let config = test_config(&url);
    Some(boot(config, std::sync::Arc::new(dir)).await)
}

/// Boot the application again on `app`'s database and directory, with extra `CCGATE_*` values
/// (e.g. demo mode). Stop `app` first, unless the test wants two instances on one database.
pub async fn spawn_again(app: &TestApp, extra: &[(&str, String)]) -> TestApp {
    let url = app.db.url().expose().clone();
    let extra: Vec<(String, String)> = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    // The extra values come first: they may also move the listener (`CCGATE_BIND`).
    let config = Config::from_sources(None, &move |k| {
        if let Some((_, v)) = extra.iter().find(|(n, _)| n == k) {
            return Some(v.clone());
        }
        match k {
            "CCGATE_BIND" => Some("127.0.0.1:0".into()),
            "CCGATE_DATABASE_URL" => Some(url.clone()),
            "CCGATE_LOG_LEVEL" => Some("warn".into()),
            _ => None,
        }
    })
    .unwrap();
    boot(config, app.dir.clone()).await
}

async fn boot(config: Config, dir: std::sync::Arc<tempfile::TempDir>) -> TestApp {
    server::telemetry::init(config.log_format, &config.log_level);
    let app = Application::build(config)
        .await
        .expect("application builds");
    let db = app.state().db.clone();
    let live = app.state().live.clone();
    let journal = app.state().journal.clone();
    let limits = app.state().limits.clone();
    let admins = ccgate_core::access::admins::list(&db).await.unwrap();
    if !admins.iter().any(|a| a.username == ADMIN) {
        ccgate_core::access::admins::create(&db, ADMIN, Secret::new(ADMIN_PASSWORD.into()))
            .await
            .expect("create test admin");
    }
    let addr = app.local_addr();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(app.run_until_stopped(async move {
        let _ = rx.await;
    }));
    TestApp {
        base: format!("http://{addr}"),
        client: client(),
        db,
        live,
        journal,
        limits,
        shutdown: std::sync::Mutex::new(Some(tx)),
        handle: std::sync::Mutex::new(Some(handle)),
        dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Call a server function (`/rpc/<name>`) the way the browser does: form-encoded POST.
    pub async fn rpc(
        &self,
        client: &reqwest::Client,
        name: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(&format!("/rpc/{name}")))
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn login_with(
        &self,
        client: &reqwest::Client,
        user: &str,
        password: &str,
    ) -> reqwest::Response {
        self.rpc(
            client,
            "login",
            &[("username", user), ("password", password)],
        )
        .await
    }

    pub async fn login(&self) -> reqwest::Response {
        self.login_with(&self.client, ADMIN, ADMIN_PASSWORD).await
    }

    /// Stop the server gracefully (journal flushed) and wait for it. Idempotent.
    pub async fn stop(&self) {
        if let Some(tx) = self.shutdown.lock().unwrap().take() {
            let _ = tx.send(());
        }
        let h = self.handle.lock().unwrap().take();
        if let Some(h) = h {
            let _ = h.await;
        }
    }

    /// Create an API user holding `perms` (`module.method`) and a key; returns (user id, key).
    pub async fn api_user(&self, login: &str, perms: &[&str]) -> (i64, String) {
        use ccgate_core::access::audit::Actor;
        let u = ccgate_core::access::users::create(&self.db, &Actor::Cli, login, "test user")
            .await
            .unwrap();
        let p: Vec<_> = perms
            .iter()
            .map(|d| ccgate_core::access::perms::parse(d).unwrap())
            .collect();
        ccgate_core::access::perms::set(&self.db, &Actor::Cli, u.id, &p)
            .await
            .unwrap();
        let (_, key) = ccgate_core::access::keys::create(&self.db, &Actor::Cli, u.id, "main", None)
            .await
            .unwrap();
        self.live.reload().await.unwrap();
        (u.id, key.expose().clone())
    }

    /// `GET`/`POST` an API path with a bearer key (`None` = no credentials).
    pub async fn api(&self, verb: &str, path: &str, key: Option<&str>) -> reqwest::Response {
        let mut rb = match verb {
            "POST" => self
                .client
                .post(self.url(path))
                .header("Content-Type", "application/json")
                .body("{}"),
            "DELETE" => self.client.delete(self.url(path)),
            _ => self.client.get(self.url(path)),
        };
        if let Some(k) = key {
            rb = rb.bearer_auth(k);
        }
        rb.send().await.unwrap()
    }

    pub async fn journal_count(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM request_journal")
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }
}

/// A journal entry of API user `user` (id, login) calling `module.method` (GET on its path) at
/// `at` and answered `status`; for recording past traffic through the real journal writer.
pub fn journal_entry(
    at: i64,
    user: (i64, &str),
    module: &str,
    method: &str,
    status: u16,
) -> ccgate_core::journal::Entry {
    ccgate_core::journal::Entry {
        at,
        request_id: "0".repeat(32),
        user_id: Some(user.0),
        user_login: Some(user.1.into()),
        key_id: None,
        module: Some(module.into()),
        method: Some(method.into()),
        http_method: "GET".into(),
        path: format!("/api/v1/{module}/{method}"),
        status,
        error_code: None,
        latency_us: 100,
        client_ip: "127.0.0.1".into(),
        response_bytes: 10,
    }
}

/// The value of the session cookie in a response's `Set-Cookie`, if any.
pub fn session_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ccgate_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
}

/// How long one scenario may take, start and stop included. A scenario that hangs (an event that
/// never comes, a lock never released) fails under its own name instead of holding the whole run
/// until CI gives up on it. The slowest scenario takes well under a minute.
pub const SCENARIO_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);
/// How long the scenario's runtime may take to stop once it is done. Every task stops at its next
/// await, so this is ample; a worker still busy after it is stuck (a deadlock in a task the
/// server spawned), which fails the scenario instead of hanging the run.
pub const SHUTDOWN_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);

/// Run `scenario` as `#[tokio::test(flavor = "multi_thread", worker_threads = 2)]` would, but
/// bounded: the scenario by [`SCENARIO_LIMIT`], the runtime's shutdown by [`SHUTDOWN_LIMIT`].
pub fn run_scenario<F: std::future::Future<Output = ()>>(name: &str, scenario: F) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a test runtime");
    let finished = rt.block_on(async { tokio::time::timeout(SCENARIO_LIMIT, scenario).await });
    let stopping = std::time::Instant::now();
    rt.shutdown_timeout(SHUTDOWN_LIMIT);
    assert!(
        finished.is_ok(),
        "{name} did not finish within {SCENARIO_LIMIT:?}"
    );
    assert!(
        stopping.elapsed() < SHUTDOWN_LIMIT,
        "{name}: a task of the server was still running {SHUTDOWN_LIMIT:?} after the scenario \
         ended (a worker thread is stuck)"
    );
}

/// Run a scenario against SQLite and against MariaDB, each by [`run_scenario`].
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    both_backends!(@run $name, Sqlite);
                }
                #[test]
                fn mysql() {
                    both_backends!(@run $name, MySql);
                }
            }
        )*
    };
    (@run $name:ident, $backend:ident) => {
        $crate::helpers::run_scenario(
            concat!(stringify!($name), " on ", stringify!($backend)),
            async {
                if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Backend::$backend).await {
                    super::$name(&app).await;
                    app.stop().await;
                }
            },
        );
    };
}
