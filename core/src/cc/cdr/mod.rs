//! Call detail records: the parsers of FreeSWITCH's CDR files (`parse`), the incremental index of
//! the CDR directory (`index`) and the queries behind `cc/cdr` (`query`). [`Row`] lists the
//! indexed columns once: the table's column names, the JSON keys and the CSV header come from it.

use serde::{Serialize, Serializer};
use sqlx::any::{Any, AnyArguments};
use sqlx::query::Query;

use crate::platform::time::rfc3339;

pub mod index;
pub mod parse;
pub mod query;

fn time<S: Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*ms))
}

fn opt_time<S: Serializer>(ms: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => time(ms, s),
        None => s.serialize_none(),
    }
}

/// `column: type => "public name"` for each indexed column, in the API's order.
macro_rules! cdr_columns {
    ($($(#[$attr:meta])* $col:ident: $ty:ty => $public:tt,)*) => {
        /// One call as indexed (table `cdr`) and as the API shows it (times as RFC 3339).
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Cdr))]
        pub struct Row {
            $($(#[$attr])* #[serde(rename = $public)] pub $col: $ty,)*
        }

        impl Row {
            /// The columns of table `cdr`, in order.
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($col)),*];
            /// The names the API shows them under (JSON keys, CSV header), in the same order.
            pub const PUBLIC: &'static [&'static str] = &[$($public),*];

            /// Bind the columns' values, in [`Row::COLUMNS`] order.
            pub fn bind_to<'q>(
                &'q self,
                q: Query<'q, Any, AnyArguments<'q>>,
            ) -> Query<'q, Any, AnyArguments<'q>> {
                q$(.bind(&self.$col))*
            }
        }
    };
}

cdr_columns! {
    uuid: String => "uuid",
    direction: String => "direction",
    caller_id_name: String => "caller_id_name",
    caller_id_number: String => "caller_id_number",
    destination_number: String => "destination_number",
    /// When the call started, RFC 3339 UTC (stored as Unix milliseconds).
    #[serde(serialize_with = "time")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    start_ms: i64 => "start",
    /// `None` when the call was never answered.
    #[serde(serialize_with = "opt_time")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    answer_ms: Option<i64> => "answer",
    #[serde(serialize_with = "time")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    end_ms: i64 => "end",
    duration: i64 => "duration",
    billsec: i64 => "billsec",
    hangup_cause: String => "hangup_cause",
    /// mod_callcenter's `cc_queue`, if the call went through a queue.
    queue: String => "queue",
}

impl Row {
    /// `uuid, direction, …`: the select list of [`Row`].
    pub fn select_list() -> String {
        Row::COLUMNS.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_shape_follows_the_column_list() {
        let r = Row {
            uuid: "u".into(),
            start_ms: 1_764_064_800_000,
            ..Default::default()
        };
        let v = serde_json::to_value(&r).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        let mut public = Row::PUBLIC.to_vec();
        public.sort();
        assert_eq!(keys, public);
        assert_eq!(v["start"], "2025-11-25T10:00:00Z");
        assert_eq!(v["answer"], serde_json::Value::Null);
        assert_eq!(Row::COLUMNS.len(), Row::PUBLIC.len());
        assert!(Row::select_list().starts_with("uuid, direction, caller_id_name,"));
    }
}
