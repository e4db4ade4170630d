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
    dashboard_intro: "Сводка по API появится здесь вместе с журналом запросов.",
    signins_title: "Последние входы в панель",
    signins_empty: "Входов пока не было",
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
    dashboard_intro: "The API summary appears here together with the request journal.",
    signins_title: "Recent sign-ins to the panel",
    signins_empty: "No sign-ins yet",
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
