//! The panel's «Отчёты» page and its two Settings blocks through `/rpc` and the CSV route: a
//! session required everywhere, the figures the same as the REST method's for a seeded day, the
//! page's inclusive `until`, refused ranges, the CSV parsed back, the report server through the
//! panel (not configured, working, refused credentials), and the «База данных» block (never the
//! password; the journal's retention set there purges old rows and keeps the counters). Each runs
//! on SQLite and MariaDB.

use crate::helpers::TestApp;
use ccgate_core::access::audit::Actor;
use ccgate_core::access::settings;
use reqwest::StatusCode;
use serde_json::Value;

both_backends!(
    reports_and_blocks_need_a_session,
    panel_report_figures_match_the_api,
    report_server_through_the_panel,
    database_block_shows_the_database_not_its_password,
    journal_retention_set_in_the_panel,
);

async fn json(r: reqwest::Response) -> (StatusCode, Value) {
    let s = r.status();
    let text = r.text().await.unwrap();
    (
        s,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn run(app: &TestApp, report: &str, from: &str, until: &str, g: &str) -> (StatusCode, Value) {
    json(
        app.rpc(
            &app.client,
            "reports/run",
            &[
                ("report", report),
                ("from", from),
                ("until", until),
                ("group_by", g),
            ],
        )
        .await,
    )
    .await
}

async fn csv(app: &TestApp, query: &str) -> (StatusCode, String, String) {
    let r = app
        .client
        .get(app.url(&format!("/admin/reports.csv?{query}")))
        .send()
        .await
        .unwrap();
    let s = r.status();
    let disposition = r
        .headers()
        .get("content-disposition")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (s, disposition, r.text().await.unwrap())
}

/// Today in the configured zone, as the page is told.
async fn today(app: &TestApp) -> String {
    let (s, v) = json(app.rpc(&app.client, "reports/meta", &[]).await).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["today"].as_str().unwrap().to_string()
}

/// The column `name` of a table row.
fn col<'a>(t: &'a Value, row: &'a Value, name: &str) -> &'a str {
    let i = t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name}: {t}"));
    row[i].as_str().unwrap()
}

async fn reports_and_blocks_need_a_session(app: &TestApp) {
    for (name, form) in [
        ("reports/meta", vec![]),
        (
            "reports/run",
            vec![
                ("report", "request"),
                ("from", ""),
                ("until", ""),
                ("group_by", ""),
            ],
        ),
        ("settings/check_reports", vec![]),
        ("settings/database", vec![]),
        ("settings/check_database", vec![]),
    ] {
        let r = app.rpc(&app.client, name, &form).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{name}");
    }
    let (s, _, body) = csv(app, "report=request").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(!body.contains("requests"), "{body}");
    // An API key is no admin session.
    let (_, key) = app.api_user("crm-all", &["reports.request"]).await;
    let r = app
        .client
        .get(app.url("/admin/reports.csv?report=request"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

async fn panel_report_figures_match_the_api(app: &TestApp) {
    let (_, seed) = app.api_user("crm-seed", &["cc.queues"]).await;
    let (_, reader) = app
        .api_user("reader", &["reports.request", "reports.badRequest"])
        .await;
    for _ in 0..3 {
        assert_eq!(
            app.api("GET", "/api/v1/me", Some(&seed)).await.status(),
            200
        );
    }
    for _ in 0..2 {
        let r = app.api("GET", "/api/v1/cc/tiers", Some(&seed)).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    app.journal.flush().await;
    app.login().await;
    let day = today(app).await;

    // One day, by day: the seeded user's 5 requests (and nothing else: the reader has not asked
    // the API yet), the same as the REST method answers.
    let (s, t) = run(app, "request", &day, &day, "day").await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(
        (t["from_date"].as_str(), t["to_date"].as_str()),
        (Some(&*day), Some(&*day))
    );
    assert_eq!(t["days"], 1);
    assert_eq!(t["columns"][0], "day");
    let rows = t["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{t}");
    assert_eq!(col(&t, &rows[0], "day"), day);
    assert_eq!(
        (
            col(&t, &rows[0], "requests"),
            col(&t, &rows[0], "ok"),
            col(&t, &rows[0], "bad"),
            col(&t, &rows[0], "error")
        ),
        ("5", "3", "2", "0")
    );
    assert_eq!(t["totals"][1], "5");
    assert_eq!(t["empty"], false);
    let chart = &t["chart"];
    assert_eq!(chart["labels"], serde_json::json!([day]));
    assert_eq!(chart["series"][0], serde_json::json!(["ok", [3.0]]));
    let api: Value = app
        .api("GET", "/api/v1/reports/request", Some(&reader))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(api["totals"]["requests"], 5, "{api}");
    assert_eq!(
        t["totals"][1].as_str().unwrap(),
        api["totals"]["requests"].to_string()
    );
    // From here on the day also holds the reader's one request.
    app.journal.flush().await;

    // `until` is the last day included: seven days end today.
    let week_ago = {
        let (s, m) = json(app.rpc(&app.client, "reports/meta", &[]).await).await;
        assert_eq!(s, StatusCode::OK);
        let d = ccgate_core::platform::time::parse_input(m["today"].as_str().unwrap(), 0).unwrap();
        ccgate_core::platform::time::date_of_day(d / 86_400_000 - 6)
    };
    let (s, t) = run(app, "request", &week_ago, &day, "day").await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(t["days"], 7);
    assert_eq!(t["rows"].as_array().unwrap().len(), 7);
    assert_eq!(t["rows"][6][0], day.as_str());

    // By method and the bad requests with their codes.
    let (_, t) = run(app, "request", &day, &day, "method").await;
    let by: Vec<(String, String)> = t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r[0].as_str().unwrap().into(), r[1].as_str().unwrap().into()))
        .collect();
    assert!(by.contains(&("me".into(), "3".into())), "{t}");
    assert!(by.contains(&("cc.tiers".into(), "2".into())), "{t}");
    let (s, t) = run(app, "badRequest", &day, &day, "day").await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(t["sections"][0]["title"], "by_error_code");
    assert_eq!(
        t["sections"][0]["rows"][0],
        serde_json::json!(["permission_denied", "403", "2"])
    );
    let rate = t["summary"].as_array().unwrap()[0].clone();
    // 2 refused of 6: the seeded user's 5 and the reader's one.
    assert_eq!(rate, serde_json::json!(["bad_rate", "33.3 %"]));

    // Users and SMS answer too; an empty SMS day says so.
    let (s, t) = run(app, "users", &day, &day, "").await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let seeded = t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == "crm-seed")
        .cloned()
        .unwrap_or_else(|| panic!("{t}"));
    assert_eq!(col(&t, &seeded, "requests"), "5");
    assert_eq!(col(&t, &seeded, "bad_requests"), "2");
    let (s, t) = run(app, "sms", &day, &day, "status").await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(t["empty"], true);

    // Refused: dates in the wrong order, more than 366 days, not a date, an unknown report.
    let (s, v) = run(app, "request", &day, "2020-01-01", "day").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v.to_string().contains("from must be before until"), "{v}");
    let (s, v) = run(app, "request", "2020-01-01", &day, "day").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v.to_string().contains("at most 366 days"), "{v}");
    let (s, _) = run(app, "request", "01.11.2026", &day, "day").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = run(app, "nope", &day, &day, "day").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = run(app, "users", &day, &day, "gateway").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // The CSV: a byte-order mark, the header, today's row with the same figures.
    app.journal.flush().await;
    let (s, disposition, body) = csv(
        app,
        &format!("report=request&from={day}&until={day}&group_by=day"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        disposition,
        format!("attachment; filename=\"ccgate-request-{day}-{day}.csv\"")
    );
    let body = body.strip_prefix('\u{feff}').expect("a byte-order mark");
    let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{body}");
    assert_eq!(lines[0], "day,requests,ok,bad,error");
    // The reader's REST call above is journaled by now as well: one more successful request.
    assert_eq!(lines[1], format!("{day},6,4,2,0"));
    let (s, _, body) = csv(
        app,
        &format!("report=request&from={day}&until={day}&group_by=user"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("\r\ncrm-seed,5,3,2,0\r\n"), "{body}");
    let (s, _, body) = csv(
        app,
        &format!("report=badRequest&from={day}&until={day}&group_by=error_code"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("\r\npermission_denied,"), "{body}");
    let (s, _, body) = csv(app, &format!("report=request&from={day}&until=2020-01-01")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
}

async fn report_server_through_the_panel(app: &TestApp) {
    use fs_sim::reports::{serve, Behaviour, Config};
    app.login().await;
    let (_, m) = json(app.rpc(&app.client, "reports/meta", &[]).await).await;
    let demo = m["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "demoReport")
        .unwrap()
        .clone();
    assert_eq!(demo["configured"], false);
    let (s, v) = run(app, "demoReport", "2026-11-21", "2026-11-23", "").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert!(v.to_string().contains("not_configured"), "{v}");
    let (_, c) = json(app.rpc(&app.client, "settings/check_reports", &[]).await).await;
    assert_eq!(c["ok"], false);
    assert!(
        c["message"].as_str().unwrap().starts_with("not_configured"),
        "{c}"
    );

    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/report", l.local_addr().unwrap());
    tokio::spawn(serve(
        l,
        Config {
            login: "ccgate".into(),
            password: "s3cret".into(),
            behaviour: Behaviour::Normal,
        },
    ));
    let set = |pairs: Vec<(&'static str, String)>| async move {
        let changes: Vec<(String, String)> =
            pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        settings::set_many(&app.db, &Actor::Cli, &changes)
            .await
            .unwrap();
        app.live.reload().await.unwrap();
    };
    set(vec![
        ("reports.demo_url", url),
        ("reports.demo_login", "ccgate".into()),
        ("reports.demo_password", "s3cret".into()),
    ])
    .await;
    // The block: the password write-only.
    let (_, items) = json(
        app.rpc(&app.client, "settings/block", &[("block", "reports")])
            .await,
    )
    .await;
    let names: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "reports.demo_url",
            "reports.demo_login",
            "reports.demo_password",
            "reports.demo_timeout_ms"
        ]
    );
    assert_eq!(items[2]["value"], "");
    assert_eq!(items[2]["is_set"], true);
    assert!(!items.to_string().contains("s3cret"));

    let (_, c) = json(app.rpc(&app.client, "settings/check_reports", &[]).await).await;
    assert_eq!(c["ok"], true, "{c}");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .starts_with("HTTP 200 · JSON"),
        "{c}"
    );
    let (_, m) = json(app.rpc(&app.client, "reports/meta", &[]).await).await;
    let demo = m["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "demoReport")
        .unwrap()
        .clone();
    assert_eq!(demo["configured"], true, "{m}");

    // Three days (the 23rd included): the report server's rows as a table with its totals.
    let (s, t) = run(app, "demoReport", "2026-11-21", "2026-11-23", "").await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(t["columns"][0], "date");
    let rows = t["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{t}");
    assert_eq!(rows[2][0], "2026-11-23");
    let offered: i64 = rows
        .iter()
        .map(|r| col(&t, r, "offered").parse::<i64>().unwrap())
        .sum();
    assert_eq!(col(&t, &t["totals"], "offered"), offered.to_string());
    assert_eq!(t["chart"]["labels"][0], "2026-11-21");
    assert_eq!(
        t["summary"][0],
        serde_json::json!(["upstream_status", "200"])
    );
    let (s, _, body) = csv(app, "report=demoReport&from=2026-11-21&until=2026-11-23").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("\u{feff}date,"), "{body}");
    assert_eq!(lines.len(), 4, "{body}");
    assert!(lines[1].starts_with("2026-11-21,"), "{body}");

    // Refused credentials: said clearly, the server's own text kept out.
    set(vec![("reports.demo_password", "wrong".into())]).await;
    let (s, v) = run(app, "demoReport", "2026-11-21", "2026-11-23", "").await;
    assert_eq!(s, StatusCode::BAD_GATEWAY, "{v}");
    assert!(v.to_string().contains("upstream_auth_failed"), "{v}");
    assert!(!v.to_string().contains("bad login"), "{v}");
    let (_, c) = json(app.rpc(&app.client, "settings/check_reports", &[]).await).await;
    assert_eq!(c["ok"], false);
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .starts_with("upstream_auth_failed"),
        "{c}"
    );
}

async fn database_block_shows_the_database_not_its_password(app: &TestApp) {
    app.login().await;
    let r = app.rpc(&app.client, "settings/database", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let d: Value = serde_json::from_str(&text).unwrap();
    let url = app.db.url().expose().clone();
    match app.db.backend {
        ccgate_core::platform::db::Backend::Sqlite => {
            assert_eq!(d["backend"], "sqlite");
            assert!(
                d["database"].as_str().unwrap().ends_with("ccgate.db"),
                "{d}"
            );
            assert_eq!(d["password_set"], false);
            assert_eq!(d["charset"], "UTF-8");
            assert_eq!(d["journal_mode"], "wal");
            assert!(
                d["server_version"].as_str().unwrap().starts_with("3."),
                "{d}"
            );
        }
        ccgate_core::platform::db::Backend::MySql => {
            assert_eq!(d["backend"], "mysql");
            assert_eq!(
                d["database"].as_str(),
                ccgate_core::platform::db::mysql_database_name(&url).as_deref()
            );
            assert_eq!(d["charset"], "utf8mb4");
            assert!(d["port"].as_u64().is_some());
            let pw = reqwest::Url::parse(&url)
                .unwrap()
                .password()
                .map(str::to_string);
            assert_eq!(d["password_set"], pw.is_some());
            if let Some(pw) = pw {
                assert!(!text.contains(&format!(":{pw}@")), "{text}");
            }
        }
    }
    assert!(!text.contains(&url), "the URL is never sent");
    assert_eq!(d["schema_version"], d["schema_latest"]);
    assert!(d["schema_version"].as_i64().unwrap() >= 7, "{d}");
    assert_eq!(d["pool_max"], 10);
    assert!(d["pool_in_use"].as_u64().unwrap() <= d["pool_open"].as_u64().unwrap());
    assert!(d["size_bytes"].as_i64().unwrap() > 0, "{d}");
    assert_eq!(d["url_source"], "env");
    assert_eq!(d["config_file"], Value::Null);
    // The largest tables, the largest first; the journal's oldest entry (the login above is not
    // an API request: nothing yet).
    let tables = d["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 8, "{d}");
    let bytes: Vec<i64> = tables
        .iter()
        .map(|t| {
            t["bytes"]
                .as_i64()
                .expect("a small database's tables are sized")
        })
        .collect();
    assert!(bytes.windows(2).all(|w| w[0] >= w[1]), "{d}");
    assert!(
        tables.iter().all(|t| t["rows"].as_i64().unwrap() >= 0),
        "{d}"
    );
    assert_eq!(d["journal_oldest_ms"], Value::Null);
    // The block's setting: how long the journal is kept.
    let (_, items) = json(
        app.rpc(&app.client, "settings/block", &[("block", "database")])
            .await,
    )
    .await;
    assert_eq!(
        items[0]["name"], "database.journal_retention_days",
        "{items}"
    );
    assert_eq!(items[0]["value"], "90");

    let (_, c) = json(app.rpc(&app.client, "settings/check_database", &[]).await).await;
    assert_eq!(c["ok"], true, "{c}");
    assert!(c["message"].as_str().unwrap().ends_with(" ms"), "{c}");
}

/// The journal's oldest entry as the «База данных» block shows it.
async fn oldest(app: &TestApp) -> Option<i64> {
    let (_, d) = json(app.rpc(&app.client, "settings/database", &[]).await).await;
    d["journal_oldest_ms"].as_i64()
}

/// The retention saved in the «База данных» block decides which journal rows the purge deletes:
/// older ones go, newer ones and the dashboard's daily totals stay, and the block shows the new
/// oldest entry. Out-of-range values are refused.
async fn journal_retention_set_in_the_panel(app: &TestApp) {
    use ccgate_core::journal::retention::purge_expired;
    const DAY: i64 = 86_400_000;
    app.login().await;
    let (uid, _) = app.api_user("crm-old", &[]).await;
    let now = ccgate_core::platform::time::now_ms();
    let ages = [200, 120, 95, 60, 10, 0];
    for days in ages {
        let e =
            crate::helpers::journal_entry(now - days * DAY, (uid, "crm-old"), "cc", "queues", 200);
        app.journal.record(e).await;
    }
    app.journal.flush().await;
    assert_eq!(oldest(app).await, Some(now - 200 * DAY));

    // The default, 90 days: the three older rows go.
    assert_eq!(purge_expired(&app.db, &app.live).await.unwrap(), 3);
    assert_eq!(app.journal_count().await, 3);
    assert_eq!(oldest(app).await, Some(now - 60 * DAY));

    // Refused out of range, then 30 days saved as a manager would.
    let save = |days: &'static str| async move {
        app.client
            .post(app.url("/rpc/settings/save"))
            .json(&serde_json::json!({"values": [["database.journal_retention_days", days]]}))
            .send()
            .await
            .unwrap()
            .status()
    };
    for bad in ["-1", "3651", "many"] {
        assert_eq!(save(bad).await, StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(save("30").await, StatusCode::OK);
    assert_eq!(purge_expired(&app.db, &app.live).await.unwrap(), 1);
    assert_eq!(oldest(app).await, Some(now - 10 * DAY));

    // 0 keeps everything for ever.
    settings::set(&app.db, &Actor::Cli, "database.journal_retention_days", "0")
        .await
        .unwrap();
    app.live.reload().await.unwrap();
    assert_eq!(purge_expired(&app.db, &app.live).await.unwrap(), 0);
    assert_eq!(app.journal_count().await, 2);
    // The counters behind the dashboard and the reports still hold all six requests.
    assert_eq!(
        ccgate_core::journal::counter_totals(&app.db).await.unwrap(),
        (6, 0, 0)
    );
}
