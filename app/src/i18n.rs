//! Every UI string, in Russian (default) and English, kept in this one place. The language is
//! chosen in the header and remembered in the `ccgate_lang` cookie.

use leptos::prelude::*;

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
    pub err_internal: &'static str,
    pub err_network: &'static str,
    pub loading: &'static str,
    pub dashboard_title: &'static str,
    pub dashboard_intro: &'static str,
    pub signins_title: &'static str,
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
}

pub static RU: Strings = Strings {
    app_title: "API для Центра обработки вызовов",
    lang_switch_label: "English",
    nav_dashboard: "Дашборд",
    nav_settings: "Настройки",
    nav_users: "Пользователи",
    nav_docs: "Документация",
    nav_logout: "Выход",
    nav_menu: "Меню",
    login_title: "Вход в панель управления",
    login_username: "Логин",
    login_password: "Пароль",
    login_submit: "Войти",
    login_show_password: "Показать",
    login_hide_password: "Скрыть",
    login_busy: "Проверяем…",
    err_bad_credentials: "Неверный логин или пароль",
    err_throttled: "Слишком много попыток, повторите через {n} с",
    err_unauthorized: "Сессия истекла, войдите снова",
    err_internal: "Внутренняя ошибка сервера, попробуйте позже",
    err_network: "Нет связи с сервером",
    loading: "Загрузка…",
    dashboard_title: "Дашборд",
    dashboard_intro: "Сводка по запросам к API за выбранный период; новые запросы появляются сразу.",
    signins_title: "Последние входы в панель",
    signins_empty: "Входов пока не было",
    dash_period_today: "Сегодня",
    dash_period_7d: "7 дней",
    dash_period_30d: "30 дней",
    dash_period_custom: "Период",
    dash_from: "С",
    dash_until: "По (включительно)",
    dash_show: "Показать",
    dash_w_users: "API-пользователи",
    dash_w_users_sub: "активны / заблокированы",
    dash_w_modules: "Модули",
    dash_w_methods: "Методы",
    dash_w_enabled_sub: "включены / всего",
    dash_w_requests: "Запросы к API",
    dash_w_requests_sub: "за период",
    dash_w_bad: "Ошибочные запросы",
    dash_w_bad_sub: "4xx, ошибка клиента; доля",
    dash_w_errors: "Ошибки сервера и FreeSWITCH",
    dash_w_errors_sub: "5xx, считаются отдельно",
    dash_chart_days: "Запросы по дням",
    dash_chart_total: "Итого за период",
    dash_series_valid: "Успешные",
    dash_series_bad: "Ошибочные (4xx)",
    dash_series_error: "Ошибки сервера (5xx)",
    dash_top_users: "Пользователи: больше всего запросов",
    dash_top_users_bad: "Пользователи: больше всего ошибочных",
    dash_top_methods: "Методы: больше всего запросов",
    dash_top_methods_bad: "Методы: больше всего ошибочных",
    dash_top_empty: "Нет запросов за период",
    dash_anonymous: "без ключа",
    dash_unknown_route: "неизвестный адрес",
    dash_col_requests: "Запросов",
    dash_col_bad: "Ошибочных",
    dash_latest: "Последние запросы",
    dash_latest_empty: "Запросов пока не было",
    dash_open_journal: "Открыть журнал",
    dash_live_on: "в реальном времени",
    dash_live_off: "переподключение…",
    col_time: "Время",
    col_user: "Пользователь",
    col_ip: "IP",
    col_browser: "Браузер",
    col_result: "Результат",
    result_ok: "успешно",
    result_fail: "неверный пароль",
    result_throttled: "заблокировано",
    settings_title: "Настройки",
    settings_intro: "Модули, FreeSWITCH, SMS-шлюзы, статистика и отчёты настраиваются здесь и применяются без перезапуска.",
    users_title: "Пользователи API",
    users_intro: "Пользователи API, их ключи и права на методы.",
    docs_title: "Документация",
    docs_intro: "Публичный REST API: /api/v1/{модуль}/{метод}. Ключ передаётся в заголовке Authorization: Bearer <ключ> или X-API-Key.",
    coming_soon: "Раздел в разработке.",
    not_found_title: "Страница не найдена",
    not_found_back: "На главную",
    nav_journal: "Журнал",
    users_add: "Добавить пользователя",
    users_shown: "Показаны записи {a}-{b} из {n}.",
    users_none: "Нет записей",
    col_id: "ID",
    col_login: "Логин",
    col_note: "Примечание",
    col_status: "Статус",
    col_keys: "Ключи",
    col_perms: "Методы",
    col_actions: "Действия",
    status_any: "Все",
    status_active: "активен",
    status_blocked: "заблокирован",
    block: "Заблокировать",
    unblock: "Разблокировать",
    save: "Сохранить",
    saving: "Сохраняем…",
    saved: "Сохранено",
    cancel: "Отмена",
    create: "Создать",
    prev: "← Назад",
    next: "Вперёд →",
    filter_placeholder: "фильтр",
    user_title: "Пользователь API",
    user_back: "← Все пользователи",
    keys_title: "Ключи API",
    key_name: "Название ключа",
    key_expires: "Действует до (необязательно)",
    key_create: "Создать ключ",
    key_shown_once: "Скопируйте ключ сейчас — он показывается один раз и нигде не хранится:",
    key_copy: "Копировать",
    key_copied: "Скопировано",
    key_revoke: "Отозвать",
    key_rotate: "Заменить",
    key_grace: "Старый ключ действует ещё",
    key_grace_none: "0 (сразу)",
    key_grace_hour: "1 час",
    key_grace_day: "1 сутки",
    key_grace_week: "7 суток",
    col_prefix: "Префикс",
    col_created: "Создан",
    col_expires: "Действует до",
    col_last_used: "Последнее использование",
    key_state_active: "действует",
    key_state_expired: "истёк",
    key_state_revoked: "отозван",
    never: "никогда",
    no_keys: "Ключей нет",
    perms_title: "Модули пользователя",
    perms_hint: "Отмеченные методы доступны пользователю. Новый пользователь не имеет доступа ни к одному методу.",
    perms_copy_from: "Скопировать права пользователя…",
    perms_copy: "Скопировать",
    modules_title: "Модули",
    modules_hint: "Выключенный модуль или метод отвечает 403 method_disabled всем пользователям. Изменения применяются сразу.",
    journal_title: "Журнал запросов",
    col_method: "Метод",
    col_code: "Код",
    col_latency: "Время, мс",
    col_request_id: "ID запроса",
    col_path: "Путь",
    outcome_any: "Любой",
    outcome_ok: "успешные",
    outcome_bad: "ошибки клиента",
    outcome_error: "ошибки сервера",
    journal_from: "С",
    journal_until: "По",
    apply_filters: "Применить",
    reset_filters: "Сбросить",
};

pub static EN: Strings = Strings {
    app_title: "Call Center API",
    lang_switch_label: "Русский",
    nav_dashboard: "Dashboard",
    nav_settings: "Settings",
    nav_users: "Users",
    nav_docs: "Documentation",
    nav_logout: "Log out",
    nav_menu: "Menu",
    login_title: "Sign in to the admin panel",
    login_username: "Username",
    login_password: "Password",
    login_submit: "Sign in",
    login_show_password: "Show",
    login_hide_password: "Hide",
    login_busy: "Checking…",
    err_bad_credentials: "Wrong username or password",
    err_throttled: "Too many attempts, retry in {n} s",
    err_unauthorized: "Your session has expired, please sign in again",
    err_internal: "Internal server error, please try again later",
    err_network: "The server cannot be reached",
    loading: "Loading…",
    dashboard_title: "Dashboard",
    dashboard_intro: "API requests over the chosen period; new requests appear as they happen.",
    signins_title: "Recent sign-ins to the panel",
    signins_empty: "No sign-ins yet",
    dash_period_today: "Today",
    dash_period_7d: "7 days",
    dash_period_30d: "30 days",
    dash_period_custom: "Custom",
    dash_from: "From",
    dash_until: "To (inclusive)",
    dash_show: "Show",
    dash_w_users: "API users",
    dash_w_users_sub: "active / blocked",
    dash_w_modules: "Modules",
    dash_w_methods: "Methods",
    dash_w_enabled_sub: "enabled / total",
    dash_w_requests: "API requests",
    dash_w_requests_sub: "in the period",
    dash_w_bad: "Bad requests",
    dash_w_bad_sub: "4xx, the caller's fault; share",
    dash_w_errors: "Server and upstream errors",
    dash_w_errors_sub: "5xx, counted apart",
    dash_chart_days: "Requests per day",
    dash_chart_total: "Period total",
    dash_series_valid: "Valid",
    dash_series_bad: "Bad (4xx)",
    dash_series_error: "Server errors (5xx)",
    dash_top_users: "Users: most requests",
    dash_top_users_bad: "Users: most bad requests",
    dash_top_methods: "Methods: most requests",
    dash_top_methods_bad: "Methods: most bad requests",
    dash_top_empty: "No requests in the period",
    dash_anonymous: "no key",
    dash_unknown_route: "unknown route",
    dash_col_requests: "Requests",
    dash_col_bad: "Bad",
    dash_latest: "Latest requests",
    dash_latest_empty: "No requests yet",
    dash_open_journal: "Open the journal",
    dash_live_on: "live",
    dash_live_off: "reconnecting…",
    col_time: "Time",
    col_user: "User",
    col_ip: "IP",
    col_browser: "Browser",
    col_result: "Result",
    result_ok: "success",
    result_fail: "wrong password",
    result_throttled: "throttled",
    settings_title: "Settings",
    settings_intro: "Modules, FreeSWITCH, SMS gateways, statistics and reports are configured here and apply without a restart.",
    users_title: "API users",
    users_intro: "API users, their keys and per-method permissions.",
    docs_title: "Documentation",
    docs_intro: "Public REST API: /api/v1/{module}/{method}. Pass the key as Authorization: Bearer <key> or X-API-Key.",
    coming_soon: "This section is being built.",
    not_found_title: "Page not found",
    not_found_back: "Back to the dashboard",
    nav_journal: "Journal",
    users_add: "Add user",
    users_shown: "Showing {a}-{b} of {n}.",
    users_none: "Nothing found",
    col_id: "ID",
    col_login: "Login",
    col_note: "Note",
    col_status: "Status",
    col_keys: "Keys",
    col_perms: "Methods",
    col_actions: "Actions",
    status_any: "All",
    status_active: "active",
    status_blocked: "blocked",
    block: "Block",
    unblock: "Unblock",
    save: "Save",
    saving: "Saving…",
    saved: "Saved",
    cancel: "Cancel",
    create: "Create",
    prev: "← Previous",
    next: "Next →",
    filter_placeholder: "filter",
    user_title: "API user",
    user_back: "← All users",
    keys_title: "API keys",
    key_name: "Key name",
    key_expires: "Valid until (optional)",
    key_create: "Create key",
    key_shown_once: "Copy the key now — it is shown once and stored nowhere:",
    key_copy: "Copy",
    key_copied: "Copied",
    key_revoke: "Revoke",
    key_rotate: "Rotate",
    key_grace: "Old key stays valid for",
    key_grace_none: "0 (at once)",
    key_grace_hour: "1 hour",
    key_grace_day: "1 day",
    key_grace_week: "7 days",
    col_prefix: "Prefix",
    col_created: "Created",
    col_expires: "Expires",
    col_last_used: "Last used",
    key_state_active: "active",
    key_state_expired: "expired",
    key_state_revoked: "revoked",
    never: "never",
    no_keys: "No keys",
    perms_title: "Modules of user",
    perms_hint: "Ticked methods are available to the user. A new user may call none.",
    perms_copy_from: "Copy permissions from user…",
    perms_copy: "Copy",
    modules_title: "Modules",
    modules_hint: "A switched-off module or method answers 403 method_disabled to everyone. Changes apply at once.",
    journal_title: "Request journal",
    col_method: "Method",
    col_code: "Code",
    col_latency: "Time, ms",
    col_request_id: "Request ID",
    col_path: "Path",
    outcome_any: "Any",
    outcome_ok: "successful",
    outcome_bad: "client errors",
    outcome_error: "server errors",
    journal_from: "From",
    journal_until: "Until",
    apply_filters: "Apply",
    reset_filters: "Reset",
};

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
    fn title_is_the_product_name() {
        assert_eq!(RU.app_title, "API для Центра обработки вызовов");
    }
}

/// Strings of the «SMS» settings block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsText {
    Title,
    Hint,
    Add,
    None,
    Active,
    Failover,
    Disabled,
    Activate,
    Test,
    Edit,
    Delete,
    Callback,
    FieldName,
    FieldKind,
    FieldUrl,
    FieldReserveUrl,
    FieldSender,
    FieldLogin,
    FieldPassword,
    FieldRate,
    FieldMaxParts,
    FieldTimeout,
    FieldPriority,
    FieldEnabled,
    SmppHint,
}

pub fn sms_text(lang: Lang, t: SmsText) -> &'static str {
    use SmsText::*;
    let (ru, en) = match t {
        Title => ("SMS", "SMS"),
        Hint => (
            "Шлюзы SMS: активный отправляет, остальные — резерв по приоритету (меньше — раньше). Переключение действует со следующего сообщения.",
            "SMS gateways: the active one sends, the others are the failover list by priority (lower first). A switch applies to the next message.",
        ),
        Add => ("+ настройка", "+ gateway"),
        None => ("Шлюзов SMS пока нет.", "No SMS gateways yet."),
        Active => ("активный", "active"),
        Failover => ("резерв", "failover"),
        Disabled => ("выключен", "disabled"),
        Activate => ("Сделать активным", "Make active"),
        Test => ("Проверить", "Test"),
        Edit => ("Изменить", "Edit"),
        Delete => ("Удалить", "Delete"),
        Callback => ("Адрес для отчётов о доставке", "Delivery-report URL path"),
        FieldName => ("Название", "Name"),
        FieldKind => ("Провайдер", "Provider"),
        FieldUrl => ("Адрес отправки", "Send URL"),
        FieldReserveUrl => ("Резервный адрес", "Reserve URL"),
        FieldSender => ("Имя отправителя", "Sender name"),
        FieldLogin => ("Логин", "Login"),
        FieldPassword => ("Пароль", "Password"),
        FieldRate => ("Скорость, частей SMS в секунду", "Rate, SMS parts per second"),
        FieldMaxParts => ("Наибольшее число частей", "Max parts"),
        FieldTimeout => ("Таймаут запроса, мс", "Request timeout, ms"),
        FieldPriority => ("Приоритет резерва", "Failover priority"),
        FieldEnabled => ("Включён", "Enabled"),
        SmppHint => (
            "SMPP 3.4: адрес — smpp://хост:порт (резервный — так же), логин — system_id (до 15 символов), пароль — до 8 символов. Отчёты о доставке приходят по той же привязке (transceiver), отдельный адрес не нужен.",
            "SMPP 3.4: the URL is smpp://host:port (the reserve likewise), login is the system_id (up to 15 characters), the password up to 8 characters. Delivery receipts arrive over the same (transceiver) bind; no callback URL is needed.",
        ),
    };
    if lang == Lang::En {
        en
    } else {
        ru
    }
}
