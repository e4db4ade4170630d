//! «База данных»: how long the request journal is kept (a registry setting), what the database in
//! use is (read only, the password never shown), where its connection is set (the config file or
//! the environment), its largest tables, the journal's oldest entry, and «Проверить подключение».

use leptos::prelude::*;

use super::registry::{Check, RegistryBlock};
use crate::api::{database_info, CheckDatabase, DbBlock};
use crate::components::tables::or_dash;
use crate::components::ErrorAlert;
use crate::i18n::{use_lang, use_strings, Strings};
use crate::time::format_time;

/// `1.5 MiB`.
fn size_text(bytes: i64) -> String {
    let b = bytes as f64;
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2} GiB", b / (1024.0 * 1024.0 * 1024.0))
    } else if b >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / (1024.0 * 1024.0))
    } else if b >= 1024.0 {
        format!("{:.0} KiB", b / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// (label, value, testid) lines of the block.
fn lines(d: &DbBlock, s: &Strings) -> Vec<(&'static str, String, &'static str)> {
    let mysql = d.backend == "mysql";
    let mut v = vec![(
        s.db_backend,
        if mysql { "MariaDB / MySQL" } else { "SQLite" }.to_string(),
        "db-backend",
    )];
    if mysql {
        v.push((s.db_host, d.host.clone().unwrap_or_default(), "db-host"));
        v.push((
            s.db_port,
            d.port.map(|p| p.to_string()).unwrap_or_default(),
            "db-port",
        ));
        v.push((s.db_database, d.database.clone(), "db-database"));
        v.push((s.db_user, d.user.clone().unwrap_or_default(), "db-user"));
        v.push((
            s.db_password,
            if d.password_set {
                "••••••••".to_string()
            } else {
                s.db_password_none.to_string()
            },
            "db-password",
        ));
    } else {
        v.push((s.db_file, d.database.clone(), "db-database"));
    }
    let charset = match &d.collation {
        Some(c) => format!("{} ({c})", d.charset),
        None => d.charset.clone(),
    };
    v.push((s.db_charset, charset, "db-charset"));
    v.push((s.db_version, d.server_version.clone(), "db-version"));
    let mut schema = match (&d.schema_version, &d.schema_description) {
        (Some(n), Some(desc)) => format!("{n:04} {desc}"),
        (Some(n), None) => format!("{n:04}"),
        _ => "—".to_string(),
    };
    if let Some(latest) = d.schema_latest.filter(|l| Some(*l) != d.schema_version) {
        schema = format!(
            "{schema} ({})",
            s.db_schema_behind.replace("{n}", &format!("{latest:04}"))
        );
    }
    v.push((s.db_schema, schema, "db-schema"));
    v.push((
        s.db_pool,
        s.db_pool_value
            .replace("{max}", &d.pool_max.to_string())
            .replace("{open}", &d.pool_open.to_string())
            .replace("{used}", &d.pool_in_use.to_string()),
        "db-pool",
    ));
    v.push((
        s.db_size,
        d.size_bytes.map(size_text).unwrap_or_else(|| "—".into()),
        "db-size",
    ));
    if let Some(j) = &d.journal_mode {
        v.push((s.db_journal, j.clone(), "db-journal"));
    }
    v.push((
        s.db_url_source,
        match d.url_source.as_str() {
            "file" => s.db_src_file,
            "env" => s.db_src_env,
            _ => s.db_src_default,
        }
        .to_string(),
        "db-url-source",
    ));
    v.push((
        s.db_config_file,
        d.config_file
            .clone()
            .unwrap_or_else(|| s.db_no_config_file.to_string()),
        "db-config-file",
    ));
    v
}

#[component]
pub fn DatabaseBlock() -> impl IntoView {
    let check = Check::of(CheckDatabase {});
    // The block's settings (how long the journal is kept) first, then the facts.
    view! {
        <RegistryBlock block="database" title=|s| s.db_title hint=|s| s.db_hint check>
            <DatabaseFacts />
        </RegistryBlock>
    }
}

/// What the database in use is, its largest tables and the journal's oldest entry.
#[component]
fn DatabaseFacts() -> impl IntoView {
    let s = use_strings();
    let lang = use_lang();
    let data = Resource::new(|| (), |_| database_info());
    view! {
        <Transition fallback=move || view! { <p class="muted">{s().loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => {
                        let mysql = d.backend == "mysql";
                        let oldest = d.journal_oldest_ms;
                        let offset = d.offset;
                        let tables = d.tables.clone();
                        view! {
                            <dl class="facts">
                                {move || {
                                    lines(&d, s())
                                        .into_iter()
                                        .map(|(label, value, testid)| {
                                            // Names and paths as code; sentences as text.
                                            let mono = !matches!(testid, "db-backend" | "db-pool" | "db-url-source" | "db-password");
                                            view! {
                                                <dt>{label}</dt>
                                                <dd class:mono=mono data-testid=testid>{value}</dd>
                                            }
                                        })
                                        .collect_view()
                                }}
                                <dt>{move || s().db_journal_oldest}</dt>
                                <dd data-testid="db-journal-oldest">
                                    {move || match oldest {
                                        Some(ms) => format_time(ms, offset, lang.get()),
                                        None => s().db_journal_empty.to_string(),
                                    }}
                                </dd>
                            </dl>
                            <h3 class="section">{move || s().db_tables}</h3>
                            <table class="table compact fit" data-testid="db-tables">
                                <thead>
                                    <tr>
                                        <th>{move || s().db_table}</th>
                                        <th class="num">{move || s().db_rows}</th>
                                        <th class="num">{move || s().db_table_size}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {tables
                                        .into_iter()
                                        .map(|t| view! {
                                            <tr>
                                                <td class="mono">{t.name}</td>
                                                <td class="num">{group_digits(t.rows)}</td>
                                                <td class="num">{or_dash(t.bytes.map(size_text))}</td>
                                            </tr>
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                            {mysql.then(|| view! { <p class="muted">{move || s().db_rows_estimate}</p> })}
                        }
                        .into_any()
                    }
                    Err(e) => view! { <ErrorAlert e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// `1 234 567`.
fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_well() {
        assert_eq!(super::size_text(512), "512 B");
        assert_eq!(super::size_text(1536 * 1024), "1.5 MiB");
        assert_eq!(super::size_text(200 * 1024), "200 KiB");
        assert_eq!(super::group_digits(1_234_567), "1\u{a0}234\u{a0}567");
        assert_eq!(super::group_digits(999), "999");
        assert_eq!(super::group_digits(0), "0");
    }
}
