//! Typed settings blocks. A module declares its Settings page block once with
//! [`settings_block!`](crate::settings_block): one line per setting gives the registry definition
//! (pulled into `access::settings::registry`) and a typed field of the block's struct, read once per
//! live snapshot. Every default is written in that declaration and nowhere else.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::access::settings::{Def, Kind};
use crate::platform::secret::Secret;

/// A value type of a block, read from a setting's text (stored or default).
pub trait FromSetting: Sized {
    fn from_setting(s: &str) -> Option<Self>;
}

impl FromSetting for String {
    fn from_setting(s: &str) -> Option<Self> {
        Some(s.trim().to_string())
    }
}

macro_rules! from_str_setting {
    ($($t:ty),*) => {$(
        impl FromSetting for $t {
            fn from_setting(s: &str) -> Option<Self> {
                s.trim().parse().ok()
            }
        }
    )*};
}
from_str_setting!(u16, u64, i64, f64, PathBuf);

impl FromSetting for Secret<String> {
    fn from_setting(s: &str) -> Option<Self> {
        Some(Secret::new(s.to_string()))
    }
}

/// The stored value of `{block}.{key}` when it reads as a `T`, else the declared default.
pub fn typed<T: FromSetting>(
    values: &BTreeMap<String, String>,
    block: &str,
    key: &str,
    default: &str,
) -> T {
    values
        .get(&format!("{block}.{key}"))
        .and_then(|v| T::from_setting(v))
        .or_else(|| T::from_setting(default))
        .unwrap_or_else(|| panic!("the default of {block}.{key} must read as its type"))
}

/// The registry definition of `{block}.{key}`.
pub fn def(block: &str, key: &str, kind: Kind, default: &str, ru: &str, en: &str) -> Def {
    Def {
        name: format!("{block}.{key}"),
        block: block.into(),
        kind,
        default: default.into(),
        title_ru: ru.into(),
        title_en: en.into(),
    }
}

/// Declare a settings block: `pub struct Name in BLOCK { field: Type = kind, "default", "Russian
/// title", "English title"; … }` gives the struct (with `from_values` and a `Default` of the
/// declared defaults) and `pub fn defs()`, the block's definitions in the Settings page's order.
#[macro_export]
macro_rules! settings_block {
    ($(#[$sdoc:meta])* $vis:vis struct $name:ident in $block:ident {
        $($(#[$doc:meta])* $field:ident: $ty:ty = $kind:expr, $default:literal, $ru:literal, $en:literal;)*
    }) => {
        $(#[$sdoc])*
        #[derive(Debug, Clone, PartialEq)]
        $vis struct $name {
            $($(#[$doc])* pub $field: $ty,)*
        }

        /// The block's definitions, in the Settings page's order.
        pub fn defs() -> Vec<$crate::access::settings::Def> {
            vec![$($crate::access::block::def($block, stringify!($field), $kind, $default, $ru, $en)),*]
        }

        impl $name {
            /// Read the block from effective values; a value missing or unreadable as its type
            /// falls back to the declared default.
            pub fn from_values(values: &::std::collections::BTreeMap<String, String>) -> $name {
                $name {
                    $($field: $crate::access::block::typed(values, $block, stringify!($field), $default),)*
                }
            }
        }

        impl Default for $name {
            /// The declared defaults.
            fn default() -> Self {
                $name::from_values(&::std::collections::BTreeMap::new())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_win_and_unreadable_ones_fall_back() {
        let values: BTreeMap<String, String> = [("b.n", " 7 "), ("b.s", " x "), ("b.bad", "many")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(typed::<u64>(&values, "b", "n", "1"), 7);
        assert_eq!(typed::<String>(&values, "b", "s", ""), "x");
        assert_eq!(typed::<u64>(&values, "b", "bad", "3"), 3);
        assert_eq!(typed::<u64>(&values, "b", "missing", "4"), 4);
        assert_eq!(def("b", "n", Kind::Bool, "true", "р", "e").name, "b.n");
    }
}
