//! Every UI string, in Russian (default) and English: one [`Strings`] table per language
//! (`ru.rs`, `en.rs`), read reactively through [`use_strings`]. The language is chosen in the
//! header and remembered in the `ccgate_lang` cookie. Bilingual *data* from elsewhere (catalogue
//! titles, setting titles) is chosen with [`Lang::pick`].

mod en;
mod ru;

use leptos::prelude::*;

pub use en::EN;
pub use ru::RU;

pub const COOKIE: &str = "ccgate_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ru,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }
    pub fn from_code(s: &str) -> Option<Lang> {
        match s {
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    /// The language named by a `Cookie:` header value, default Russian.
    pub fn from_cookie_header(header: &str) -> Lang {
        header
            .split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == COOKIE)
            .and_then(|(_, v)| Lang::from_code(v.trim()))
            .unwrap_or_default()
    }
    /// The Russian or English one of a pair of texts (catalogue and setting titles).
    pub fn pick<T>(self, ru: T, en: T) -> T {
        match self {
            Lang::Ru => ru,
            Lang::En => en,
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Ru => Lang::En,
            Lang::En => Lang::Ru,
        }
    }
}

pub struct Strings {
    pub app_title: &'static str,
    pub lang_switch_label: &'static str,
    pub nav_dashboard: &'static str,
    pub nav_settings: &'static str,
    pub nav_users: &'static str,
    pub nav_docs: &'static str,
    pub nav_logout: &'static str,
    pub nav_menu: &'static str,
    pub login_title: &'static str,
    pub login_username: &'static str,
    pub login_password: &'static str,
    pub login_submit: &'static str,
    pub login_show_password: &'static str,
    pub login_hide_password: &'static str,
    pub login_busy: &'static str,
    pub err_bad_credentials: &'static str,
    /// `{n}` is replaced by the seconds to wait.
    pub err_throttled: &'static str,
    pub err_unauthorized: &'static str,
    /// A viewer's change refused by the server.
    pub err_forbidden: &'static str,
    /// The banner of a viewer's panel: nothing can be changed.
    pub read_only_note: &'static str,
    /// The role names, after the admin's name in the header.
    pub role_admin: &'static str,
    pub role_viewer: &'static str,
    // The sign-in's second step and the «Безопасность» page.
    pub err_bad_code: &'static str,
    pub login_code_title: &'static str,
    pub login_code_hint: &'static str,
    pub login_code_label: &'static str,
    pub login_code_submit: &'static str,
    pub login_code_restart: &'static str,
    pub sec_title: &'static str,
    pub sec_account: &'static str,
    pub sec_link_title: &'static str,
    pub sec_totp_title: &'static str,
    pub sec_totp_on: &'static str,
    pub sec_totp_off: &'static str,
    pub sec_enable: &'static str,
    pub sec_scan: &'static str,
    pub sec_secret: &'static str,
    pub sec_code: &'static str,
    pub sec_confirm: &'static str,
    pub sec_codes_title: &'static str,
    pub sec_codes_note: &'static str,
    pub sec_disable_label: &'static str,
    pub sec_disable: &'static str,
    pub signins_security_link: &'static str,
    pub result_password_ok: &'static str,
    pub err_internal: &'static str,
    pub err_network: &'static str,
    pub loading: &'static str,
    pub dashboard_title: &'static str,
    pub dashboard_intro: &'static str,
    pub signins_title: &'static str,
    pub quotas_title: &'static str,
    pub quotas_hint: &'static str,
    pub signins_empty: &'static str,
    pub dash_period_today: &'static str,
    pub dash_period_7d: &'static str,
    pub dash_period_30d: &'static str,
    pub dash_period_custom: &'static str,
    pub dash_from: &'static str,
    pub dash_until: &'static str,
    pub dash_show: &'static str,
    pub dash_w_users: &'static str,
    pub dash_w_users_sub: &'static str,
    pub dash_w_modules: &'static str,
    pub dash_w_methods: &'static str,
    pub dash_w_enabled_sub: &'static str,
    pub dash_w_requests: &'static str,
    pub dash_w_requests_sub: &'static str,
    pub dash_w_bad: &'static str,
    pub dash_w_bad_sub: &'static str,
    pub dash_w_errors: &'static str,
    pub dash_w_errors_sub: &'static str,
    pub dash_chart_days: &'static str,
    pub dash_chart_total: &'static str,
    pub dash_series_valid: &'static str,
    pub dash_series_bad: &'static str,
    pub dash_series_error: &'static str,
    pub dash_top_users: &'static str,
    pub dash_top_users_bad: &'static str,
    pub dash_top_methods: &'static str,
    pub dash_top_methods_bad: &'static str,
    pub dash_top_empty: &'static str,
    pub dash_anonymous: &'static str,
    pub dash_unknown_route: &'static str,
    pub dash_col_requests: &'static str,
    pub dash_col_bad: &'static str,
    pub dash_latest: &'static str,
    pub dash_latest_empty: &'static str,
    pub dash_open_journal: &'static str,
    pub dash_live_on: &'static str,
    pub dash_live_off: &'static str,
    pub col_time: &'static str,
    pub col_user: &'static str,
    pub col_ip: &'static str,
    pub col_browser: &'static str,
    pub col_result: &'static str,
    pub result_ok: &'static str,
    pub result_fail: &'static str,
    pub result_throttled: &'static str,
    pub settings_title: &'static str,
    pub settings_intro: &'static str,
    pub users_title: &'static str,
    pub users_intro: &'static str,
    pub docs_title: &'static str,
    pub docs_intro: &'static str,
    pub coming_soon: &'static str,
    pub not_found_title: &'static str,
    pub not_found_back: &'static str,
    pub nav_journal: &'static str,
    pub users_add: &'static str,
    pub users_shown: &'static str,
    pub users_none: &'static str,
    pub col_id: &'static str,
    pub col_login: &'static str,
    pub col_note: &'static str,
    pub col_status: &'static str,
    pub col_keys: &'static str,
    pub col_perms: &'static str,
    pub col_actions: &'static str,
    pub status_any: &'static str,
    pub status_active: &'static str,
    pub status_blocked: &'static str,
    pub block: &'static str,
    pub unblock: &'static str,
    pub save: &'static str,
    pub saving: &'static str,
    pub saved: &'static str,
    pub cancel: &'static str,
    pub create: &'static str,
    pub prev: &'static str,
    pub next: &'static str,
    pub filter_placeholder: &'static str,
    pub user_title: &'static str,
    pub user_back: &'static str,
    pub keys_title: &'static str,
    pub key_name: &'static str,
    pub key_expires: &'static str,
    pub key_create: &'static str,
    pub key_shown_once: &'static str,
    pub key_copy: &'static str,
    pub key_copied: &'static str,
    pub key_revoke: &'static str,
    pub key_rotate: &'static str,
    pub key_grace: &'static str,
    pub key_grace_none: &'static str,
    pub key_grace_hour: &'static str,
    pub key_grace_day: &'static str,
    pub key_grace_week: &'static str,
    pub col_prefix: &'static str,
    pub col_created: &'static str,
    pub col_expires: &'static str,
    pub col_last_used: &'static str,
    pub key_state_active: &'static str,
    pub key_state_expired: &'static str,
    pub key_state_revoked: &'static str,
    pub never: &'static str,
    pub no_keys: &'static str,
    pub perms_title: &'static str,
    pub perms_hint: &'static str,
    pub perms_copy_from: &'static str,
    pub perms_copy: &'static str,
    pub modules_title: &'static str,
    pub modules_hint: &'static str,
    pub journal_title: &'static str,
    pub col_method: &'static str,
    pub col_code: &'static str,
    pub col_latency: &'static str,
    pub col_request_id: &'static str,
    pub col_path: &'static str,
    pub outcome_any: &'static str,
    pub outcome_ok: &'static str,
    pub outcome_bad: &'static str,
    pub outcome_error: &'static str,
    pub journal_from: &'static str,
    pub journal_until: &'static str,
    pub apply_filters: &'static str,
    pub reset_filters: &'static str,
    // Settings → «SMS».
    pub sms_title: &'static str,
    pub sms_hint: &'static str,
    pub sms_add: &'static str,
    pub sms_none: &'static str,
    pub sms_active: &'static str,
    pub sms_failover: &'static str,
    pub sms_disabled: &'static str,
    pub sms_activate: &'static str,
    pub sms_test: &'static str,
    pub sms_edit: &'static str,
    pub sms_delete: &'static str,
    pub sms_callback: &'static str,
    pub sms_field_name: &'static str,
    pub sms_field_kind: &'static str,
    pub sms_field_url: &'static str,
    pub sms_field_reserve_url: &'static str,
    pub sms_field_sender: &'static str,
    pub sms_field_login: &'static str,
    pub sms_field_password: &'static str,
    pub sms_field_rate: &'static str,
    pub sms_field_max_parts: &'static str,
    pub sms_field_timeout: &'static str,
    pub sms_field_priority: &'static str,
    pub sms_field_ca_file: &'static str,
    pub sms_field_enabled: &'static str,
    pub sms_smpp_hint: &'static str,
    /// Settings → «FreeSWITCH»: the connection test button.
    pub fs_check: &'static str,
    // «Документация».
    pub docs_requests: &'static str,
    pub docs_requests_text: &'static str,
    pub docs_methods: &'static str,
    pub docs_error_codes: &'static str,
    pub docs_errors_title: &'static str,
    pub nav_reports: &'static str,
    pub reports_title: &'static str,
    pub reports_intro: &'static str,
    pub rep_report: &'static str,
    pub rep_not_configured: &'static str,
    pub rep_demo_hint: &'static str,
    pub rep_from: &'static str,
    pub rep_until: &'static str,
    pub rep_group_by: &'static str,
    pub rep_show: &'static str,
    pub rep_download: &'static str,
    pub rep_loading: &'static str,
    pub rep_err_date: &'static str,
    pub rep_err_order: &'static str,
    pub rep_err_too_long: &'static str,
    pub rep_empty: &'static str,
    pub rep_period: &'static str,
    pub rep_total: &'static str,
    pub rep_no_key: &'static str,
    pub rep_chart: &'static str,
    pub rep_table: &'static str,
    pub rep_upstream_text: &'static str,
    pub rep_block_title: &'static str,
    pub rep_block_hint: &'static str,
    pub stats_block_title: &'static str,
    pub stats_block_hint: &'static str,
    pub stp_title: &'static str,
    pub stp_hint: &'static str,
    pub stp_none: &'static str,
    pub stp_add: &'static str,
    pub stp_new: &'static str,
    pub stp_change: &'static str,
    pub stp_name: &'static str,
    pub stp_project_title: &'static str,
    pub stp_queues: &'static str,
    pub stp_sl: &'static str,
    pub stp_sl_short: &'static str,
    pub stp_extra: &'static str,
    pub stp_confirm_delete: &'static str,
    pub stp_queues_error: &'static str,
    pub stp_no_queues: &'static str,
    /// The layout's footer: `{tz}` is the configured zone (`UTC+03:00`).
    pub time_zone: &'static str,
    /// A chart's place when the period holds no requests.
    pub chart_empty: &'static str,
    pub db_title: &'static str,
    pub db_hint: &'static str,
    pub db_config_file: &'static str,
    pub db_no_config_file: &'static str,
    pub db_url_source: &'static str,
    pub db_src_default: &'static str,
    pub db_src_file: &'static str,
    pub db_src_env: &'static str,
    pub db_backend: &'static str,
    pub db_host: &'static str,
    pub db_port: &'static str,
    pub db_database: &'static str,
    pub db_file: &'static str,
    pub db_charset: &'static str,
    pub db_user: &'static str,
    pub db_password: &'static str,
    pub db_password_none: &'static str,
    pub db_version: &'static str,
    pub db_schema: &'static str,
    pub db_schema_behind: &'static str,
    pub db_pool: &'static str,
    pub db_pool_value: &'static str,
    pub db_size: &'static str,
    pub db_journal: &'static str,
    pub db_journal_oldest: &'static str,
    pub db_journal_empty: &'static str,
    pub db_tables: &'static str,
    pub db_table: &'static str,
    pub db_rows: &'static str,
    pub db_table_size: &'static str,
    pub db_rows_estimate: &'static str,
    /// (report name, title).
    pub rep_kinds: &'static [(&'static str, &'static str)],
    /// (group_by value, title).
    pub rep_groups: &'static [(&'static str, &'static str)],
    /// (report field, column title); fields not listed are shown as they are.
    pub rep_columns: &'static [(&'static str, &'static str)],
    // «Онлайн статистика» (`/stats`).
    pub nav_live_stats: &'static str,
    pub wall_title: &'static str,
    pub wall_intro: &'static str,
    pub wall_fullscreen: &'static str,
    pub wall_exit_fullscreen: &'static str,
    pub wall_as_of: &'static str,
    pub wall_overall: &'static str,
    pub wall_waiting: &'static str,
    pub wall_longest: &'static str,
    pub wall_agents: &'static str,
    pub wall_available: &'static str,
    pub wall_on_call: &'static str,
    pub wall_on_break: &'static str,
    pub wall_logged_out: &'static str,
    pub wall_today: &'static str,
    pub wall_service_level: &'static str,
    /// `{n}` is replaced by the service level's threshold in seconds.
    pub wall_threshold: &'static str,
    pub wall_abandoned: &'static str,
    pub wall_answered_offered: &'static str,
    pub wall_none: &'static str,
    pub wall_external: &'static str,
    pub wall_external_raw: &'static str,
    pub wall_external_empty: &'static str,
    /// `{t}` is replaced by the time of the figures still shown.
    pub wall_stale: &'static str,
    pub wall_who_fs: &'static str,
    pub wall_who_external: &'static str,
    /// `{who}` is replaced by `wall_who_fs` or `wall_who_external`.
    pub wall_err_unavailable: &'static str,
    pub wall_err_timeout: &'static str,
    pub wall_err_auth: &'static str,
    pub wall_err_bad: &'static str,
    pub docs_nav_overview: &'static str,
    pub docs_nav_panel: &'static str,
    pub docs_nav_connect: &'static str,
    pub docs_nav_api: &'static str,
    pub docs_nav_errors: &'static str,
    pub docs_nav_install: &'static str,
    pub docs_nav_reference: &'static str,
    pub docs_nav_key: &'static str,
    pub docs_back: &'static str,
    pub docs_contents: &'static str,
    pub docs_loading: &'static str,
    pub docs_panel_about: &'static str,
    pub docs_connect_about: &'static str,
    pub docs_api_about: &'static str,
    pub docs_errors_about: &'static str,
    pub docs_install_about: &'static str,
    pub docs_key_about: &'static str,
    pub docs_machine: &'static str,
    pub docs_quick_start: &'static str,
    pub docs_code: &'static str,
    pub docs_status: &'static str,
    pub docs_meaning: &'static str,
    pub ref_intro: &'static str,
    pub ref_params: &'static str,
    pub ref_no_params: &'static str,
    pub ref_name: &'static str,
    pub ref_in: &'static str,
    pub ref_type: &'static str,
    pub ref_required: &'static str,
    pub ref_default: &'static str,
    pub ref_example: &'static str,
    pub ref_description: &'static str,
    pub ref_yes: &'static str,
    pub ref_body: &'static str,
    pub ref_answer: &'static str,
    pub ref_answer_types: &'static str,
    pub ref_errors: &'static str,
    pub ref_permission: &'static str,
    pub ref_key_only: &'static str,
    pub ref_not_implemented: &'static str,
    pub key_title: &'static str,
    pub key_user: &'static str,
    pub key_pick: &'static str,
    pub key_keys: &'static str,
    pub key_no_keys: &'static str,
    pub key_methods: &'static str,
    pub key_allowed: &'static str,
    pub key_allowed_count: &'static str,
    pub key_why_blocked: &'static str,
    pub key_why_disabled: &'static str,
    pub key_why_denied: &'static str,
    pub key_edit_user: &'static str,
    pub col_module: &'static str,
    pub key_ip_any: &'static str,
    pub key_ip_only: &'static str,
    pub key_limits: &'static str,
    pub key_no_limits: &'static str,
    pub ip_allow_title: &'static str,
    pub ip_allow_hint: &'static str,
    pub ip_allow_any: &'static str,
    /// Followed by the list.
    pub ip_allow_current: &'static str,
    /// `{entry}` is replaced by what could not be read.
    pub ip_allow_invalid: &'static str,
    pub ip_allow_too_many: &'static str,
    pub limits_title: &'static str,
    pub limits_hint: &'static str,
    pub limits_none: &'static str,
    pub limits_per_minute: &'static str,
    pub limits_per_method: &'static str,
    pub limits_calls_per_day: &'static str,
    pub limits_sms_per_day: &'static str,
    pub limits_sms_per_month: &'static str,
    /// `{method}` is replaced by `module.method`.
    pub limits_method_row: &'static str,
    pub limits_resets: &'static str,
    pub limits_warning: &'static str,
    pub limits_warning_banner: &'static str,
    /// `{entry}` is replaced by what could not be read.
    pub limits_bad_number: &'static str,
    pub limits_bad_method: &'static str,
    // «Аудит» (`/audit`) and «Входы» (`/signins`).
    pub nav_audit: &'static str,
    pub nav_signins: &'static str,
    pub audit_title: &'static str,
    pub audit_intro: &'static str,
    pub col_actor: &'static str,
    pub col_action: &'static str,
    pub col_target: &'static str,
    pub col_change: &'static str,
    pub audit_cli: &'static str,
    pub audit_target_placeholder: &'static str,
    /// Action code → title; an action not listed shows its code.
    pub audit_actions: &'static [(&'static str, &'static str)],
    pub audit_user_link: &'static str,
    pub audit_settings_link: &'static str,
    pub signins_page_title: &'static str,
    pub signins_page_intro: &'static str,
    pub signins_all: &'static str,
    pub col_username_tried: &'static str,
}

impl Strings {
    /// The title of a report field (a column, a grouping's key), or the field as it is.
    pub fn column(&self, key: &str) -> String {
        pick(self.rep_columns, key).unwrap_or(key).to_string()
    }
    /// A grouping's title (`by day`).
    pub fn group(&self, key: &str) -> String {
        pick(self.rep_groups, key).unwrap_or(key).to_string()
    }
    /// A report's title.
    pub fn report(&self, key: &str) -> String {
        pick(self.rep_kinds, key).unwrap_or(key).to_string()
    }
    /// An audited action's title (`user.create`), or the code itself.
    pub fn audit_action(&self, key: &str) -> String {
        pick(self.audit_actions, key).unwrap_or(key).to_string()
    }
}

fn pick(table: &'static [(&'static str, &'static str)], key: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

pub fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::Ru => &RU,
        Lang::En => &EN,
    }
}

/// The current language signal, provided by `App`.
pub fn use_lang() -> RwSignal<Lang> {
    expect_context::<RwSignal<Lang>>()
}

/// A reactive accessor for the current strings.
pub fn use_strings() -> impl Fn() -> &'static Strings + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || strings(lang.get())
}

/// The language the request (server) or the document (browser) asks for.
pub fn initial_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|p| {
                p.headers
                    .get(http::header::COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .map(Lang::from_cookie_header)
            })
            .unwrap_or_default()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        use wasm_bindgen::JsCast;
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
            .and_then(|d| d.cookie().ok())
            .map(|c| Lang::from_cookie_header(&c))
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Lang::default()
    }
}

/// Remember the language in a cookie (browser only; a no-op on the server).
pub fn remember_lang(_lang: Lang) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(doc) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        {
            let _ = doc.set_cookie(&format!(
                "{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                _lang.code()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_parsing() {
        assert_eq!(Lang::from_cookie_header("id=abc; ccgate_lang=en"), Lang::En);
        assert_eq!(Lang::from_cookie_header("ccgate_lang=ru"), Lang::Ru);
        assert_eq!(Lang::from_cookie_header("ccgate_lang=de"), Lang::Ru);
        assert_eq!(Lang::from_cookie_header(""), Lang::Ru);
    }

    #[test]
    fn every_report_field_has_a_title_in_both_languages() {
        for (a, b) in [
            (RU.rep_columns, EN.rep_columns),
            (RU.rep_groups, EN.rep_groups),
            (RU.rep_kinds, EN.rep_kinds),
            (RU.audit_actions, EN.audit_actions),
        ] {
            let keys = |t: &'static [(&'static str, &'static str)]| {
                t.iter().map(|r| r.0).collect::<Vec<_>>()
            };
            assert_eq!(keys(a), keys(b));
        }
        for r in crate::api::reports::REPORTS {
            assert_ne!(RU.report(r), *r, "{r}");
        }
        assert_eq!(EN.column("requests"), "Requests");
        assert_eq!(RU.column("queue_x"), "queue_x");
    }

    #[test]
    fn title_is_the_product_name() {
        assert_eq!(RU.app_title, "API для Центра обработки вызовов");
    }
}
