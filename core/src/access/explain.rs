//! Why an API user may or may not call each catalogue method, for the panel's «Что может этот
//! ключ» view: the checks the REST pipeline makes once a key is accepted, in its order (a blocked
//! user, a switched-off module or method, a permission not granted), read from the same live
//! snapshot, so the view and the API answer cannot disagree (`server/tests/api/docs.rs` calls
//! both).

use std::collections::HashSet;

use crate::access::live::{Snapshot, UserEntry};
use crate::platform::error::ErrorCode;

/// One method and the error a call to it would get today (`None`: it would run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodAccess {
    pub module: &'static str,
    pub method: &'static str,
    pub refusal: Option<ErrorCode>,
}

impl Snapshot {
    /// The refusal a call of `module.method` by `user` gets with a valid key, if any.
    pub fn refusal(&self, user: &UserEntry, module: &str, method: &str) -> Option<ErrorCode> {
        // HashSet is covariant in its key: the 'static set answers for shorter borrows.
        let granted: &HashSet<(&str, &str)> = &user.perms;
        if user.blocked {
            Some(ErrorCode::UserBlocked)
        } else if !self.method_enabled(module, method) {
            Some(ErrorCode::MethodDisabled)
        } else if !granted.contains(&(module, method)) {
            Some(ErrorCode::PermissionDenied)
        } else {
            None
        }
    }

    /// Every catalogue method with its verdict for the user `user_id` (`None`: no such user).
    pub fn access_of(&self, user_id: i64) -> Option<Vec<MethodAccess>> {
        let user = self.user(user_id)?;
        Some(
            ccgate_catalogue::all()
                .map(|(m, x)| MethodAccess {
                    module: m.name,
                    method: x.name,
                    refusal: self.refusal(user, m.name, x.name),
                })
                .collect(),
        )
    }
}
