//! SQL built at run time, the one way: [`Filter`] collects the conditions of a list query with
//! their values, in order (`IN` lists included), and binds them to any sqlx query type; [`insert_rows`] writes the
//! multi-row `INSERT … VALUES (?,…),(?,…)` head. Column names are always literals of the caller;
//! only values travel as bound parameters, so no input reaches the SQL text.

use sqlx::any::{Any, AnyArguments};
use sqlx::query::{Query, QueryAs, QueryScalar};

/// One bound value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Int(i64),
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}

/// Query types that take bound values: `query`, `query_as`, `query_scalar`.
pub trait Bind<'q>: Sized {
    fn bind_value(self, v: &'q Value) -> Self;
}

impl<'q> Bind<'q> for Query<'q, Any, AnyArguments<'q>> {
    fn bind_value(self, v: &'q Value) -> Self {
        match v {
            Value::Int(i) => self.bind(*i),
            Value::Text(s) => self.bind(s.as_str()),
        }
    }
}

impl<'q, O> Bind<'q> for QueryAs<'q, Any, O, AnyArguments<'q>> {
    fn bind_value(self, v: &'q Value) -> Self {
        match v {
            Value::Int(i) => self.bind(*i),
            Value::Text(s) => self.bind(s.as_str()),
        }
    }
}

impl<'q, O> Bind<'q> for QueryScalar<'q, Any, O, AnyArguments<'q>> {
    fn bind_value(self, v: &'q Value) -> Self {
        match v {
            Value::Int(i) => self.bind(*i),
            Value::Text(s) => self.bind(s.as_str()),
        }
    }
}

/// The `WHERE` clause of a list query: conditions joined by `AND`, each with its values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Filter {
    conditions: Vec<String>,
    values: Vec<Value>,
}

impl Filter {
    pub fn new() -> Filter {
        Filter::default()
    }

    /// Add `condition` (SQL with one `?` per value) and its values.
    pub fn and(&mut self, condition: &str, values: impl IntoIterator<Item = Value>) -> &mut Self {
        let values: Vec<Value> = values.into_iter().collect();
        debug_assert_eq!(
            condition.matches('?').count(),
            values.len(),
            "placeholders of `{condition}`"
        );
        self.conditions.push(condition.to_string());
        self.values.extend(values);
        self
    }

    /// `condition` with one value, only when the value is given.
    pub fn and_opt<V: Into<Value>>(&mut self, condition: &str, value: Option<V>) -> &mut Self {
        if let Some(v) = value {
            self.and(condition, [v.into()]);
        }
        self
    }

    /// `column IN (?,…)` with one value per element. An empty list matches nothing (`1 = 0`).
    pub fn and_in<V: Into<Value>>(
        &mut self,
        column: &str,
        values: impl IntoIterator<Item = V>,
    ) -> &mut Self {
        let values: Vec<Value> = values.into_iter().map(Into::into).collect();
        if values.is_empty() {
            return self.and("1 = 0", []);
        }
        let marks = vec!["?"; values.len()].join(",");
        self.and(&format!("{column} IN ({marks})"), values)
    }

    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty()
    }

    /// ` WHERE a AND b`, or empty without conditions.
    pub fn sql(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// Bind the values, in order, to a query made from [`Filter::sql`].
    pub fn bind<'q, Q: Bind<'q>>(&'q self, mut q: Q) -> Q {
        for v in &self.values {
            q = q.bind_value(v);
        }
        q
    }
}

/// `INSERT INTO table (a, b) VALUES (?,?),(?,?)` for `rows` rows of `columns` (a literal list).
pub fn insert_rows(table: &str, columns: &[&str], rows: usize) -> String {
    let one = format!("({})", vec!["?"; columns.len()].join(","));
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&one);
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_join_with_and_and_keep_value_order() {
        let mut f = Filter::new();
        assert_eq!(f.sql(), "");
        f.and_opt("module = ?", Some("cc"))
            .and_opt::<i64>("at >= ?", None)
            .and("at < ? AND status <> ?", [Value::Int(5), Value::Int(200)]);
        assert_eq!(f.sql(), " WHERE module = ? AND at < ? AND status <> ?");
        assert_eq!(
            f.values,
            vec![Value::Text("cc".into()), Value::Int(5), Value::Int(200)]
        );
        let mut f = Filter::new();
        f.and("final = 0", []).and_in("id", ["a", "b"]);
        assert_eq!(f.sql(), " WHERE final = 0 AND id IN (?,?)");
        let mut f = Filter::new();
        f.and_in::<i64>("id", []);
        assert_eq!(f.sql(), " WHERE 1 = 0");
    }

    #[test]
    fn multi_row_inserts() {
        assert_eq!(
            insert_rows("t", &["a", "b"], 3),
            "INSERT INTO t (a, b) VALUES (?,?),(?,?),(?,?)"
        );
    }

    #[tokio::test]
    async fn binds_on_sqlite() {
        let (_dir, db) = crate::platform::db::scratch(1).await;
        sqlx::query("CREATE TABLE t (a INTEGER, b TEXT)")
            .execute(&db.pool)
            .await
            .unwrap();
        let sql = insert_rows("t", &["a", "b"], 2);
        let vals = [Value::Int(1), "x".into(), Value::Int(2), "y".into()];
        let mut q = sqlx::query(&sql);
        for v in &vals {
            q = q.bind_value(v);
        }
        q.execute(&db.pool).await.unwrap();
        let mut f = Filter::new();
        f.and_opt("b = ?", Some("y"));
        let sql = format!("SELECT a FROM t{}", f.sql());
        let a: i64 = f
            .bind(sqlx::query_scalar(&sql))
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(a, 2);
    }
}
