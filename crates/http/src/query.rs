//! Query strings: parsed once into name/value pairs, then read parameter by parameter, so a
//! bad value is a `bad_request` problem that names the parameter (axum's own `Query`
//! rejection is a plain-text 400).

use std::str::FromStr;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::problem::Problem;

/// Longest query string read, in bytes. The longest legitimate one (a projection list with
/// every filter and a cursor) is a few hundred bytes; 4 KiB bounds the work a hostile URL
/// can cause.
const QUERY_LEN_MAX: usize = 4096;

/// The parameters of one request. Unknown parameters are ignored (cache busters and the like
/// are common); a parameter given twice is a `bad_request`, since which one counts would be
/// a guess.
#[derive(Debug, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    pub fn parse(raw: Option<&str>) -> Result<QueryParams, Problem> {
        let Some(raw) = raw else {
            return Ok(QueryParams::default());
        };
        if raw.len() > QUERY_LEN_MAX {
            return Err(Problem::bad_request(
                format!("the query string is longer than {QUERY_LEN_MAX} bytes"),
                format!("查询字符串超过 {QUERY_LEN_MAX} 字节"),
            ));
        }
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw).map_err(|e| {
            Problem::bad_request(
                format!("the query string does not parse: {e}"),
                "查询字符串无法解析",
            )
        })?;
        for (i, (name, _)) in pairs.iter().enumerate() {
            if pairs[..i].iter().any(|(earlier, _)| earlier == name) {
                return Err(Problem::bad_request(
                    format!("query parameter {name} is given more than once"),
                    format!("查询参数 {name} 重复"),
                ));
            }
        }
        Ok(QueryParams(pairs))
    }

    /// The raw value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A non-negative decimal integer (digits only: no sign, no space).
    pub fn u64(&self, name: &str) -> Result<Option<u64>, Problem> {
        self.get(name)
            .map(|value| parse_u64(name, value))
            .transpose()
    }

    /// A value parsed with its type's `FromStr` (ids, regions, dates, enum names); the
    /// parser's own message says what is wrong.
    pub fn parsed<T>(&self, name: &str) -> Result<Option<T>, Problem>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        self.get(name)
            .map(|value| {
                value.parse::<T>().map_err(|e| {
                    Problem::bad_request(
                        format!("query parameter {name}={value:?}: {e}"),
                        format!("查询参数 {name} 的值无效"),
                    )
                })
            })
            .transpose()
    }
}

/// Digits only, within `u64`.
pub fn parse_u64(name: &str, value: &str) -> Result<u64, Problem> {
    let bad = || {
        Problem::bad_request(
            format!("query parameter {name}={value:?} is not a non-negative decimal integer"),
            format!("查询参数 {name} 应为非负十进制整数"),
        )
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    value.parse().map_err(|_| bad())
}

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        QueryParams::parse(parts.uri.query())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_plain_decimal() {
        let q = QueryParams::parse(Some("start=007&limit=10&x=%2B1")).unwrap();
        assert_eq!(q.u64("start").unwrap(), Some(7));
        assert_eq!(q.u64("limit").unwrap(), Some(10));
        assert_eq!(q.u64("absent").unwrap(), None);
        assert_eq!(q.u64("x").unwrap_err().code(), "bad_request");
        for bad in ["-1", "", " 1", "1e3", "18446744073709551616"] {
            let q = QueryParams::parse(Some(&format!("n={bad}"))).unwrap();
            assert_eq!(q.u64("n").unwrap_err().code(), "bad_request", "{bad:?}");
        }
    }

    #[test]
    fn repeated_parameters_are_refused() {
        let problem = QueryParams::parse(Some("seq=1&seq=2")).unwrap_err();
        assert_eq!(problem.code(), "bad_request");
        assert!(problem.body().detail.contains("seq"));
    }

    #[test]
    fn typed_values_report_the_parameter() {
        let q = QueryParams::parse(Some("as_of=2025-02-30")).unwrap();
        let problem = q
            .parsed::<pactlog_statement::time::Date>("as_of")
            .unwrap_err();
        assert!(problem.body().detail.starts_with("query parameter as_of="));
    }
}
