//! «Пользователи API»: the list with per-column filters and paging (`list.rs`), and one user's
//! page: details (`edit.rs`), keys (`keys.rs`), the IP allow-list (`network.rs`), the limits and
//! their usage (`limits.rs`) and the permission editor (`permissions.rs`).

mod edit;
mod keys;
pub mod limits;
mod list;
mod network;
mod permissions;

pub use edit::UserPage;
pub use list::UsersPage;

use crate::i18n::Strings;

/// Rows per page of the users list.
const PAGE: i64 = 20;

pub fn status_text(s: &Strings, status: &str) -> &'static str {
    if status == "blocked" {
        s.status_blocked
    } else {
        s.status_active
    }
}
