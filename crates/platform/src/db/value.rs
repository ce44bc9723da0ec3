//! The values a statement binds and a row holds, the same for both backends, and their
//! conversion into Rust types.

use super::{DbError, DbResult};

/// A bound parameter or a fetched column value. NULLs keep their type so that PostgreSQL can
/// type the parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Bool(Option<bool>),
    Bytes(Option<Vec<u8>>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(
            self,
            Value::Int(None)
                | Value::Real(None)
                | Value::Text(None)
                | Value::Bool(None)
                | Value::Bytes(None)
        )
    }
}

macro_rules! value_from {
    ($t:ty, $variant:ident, $conv:expr) => {
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::$variant(Some($conv(v)))
            }
        }
        impl From<Option<$t>> for Value {
            fn from(v: Option<$t>) -> Self {
                Value::$variant(v.map($conv))
            }
        }
    };
}
value_from!(i64, Int, |v| v);
value_from!(i32, Int, i64::from);
value_from!(u32, Int, i64::from);
value_from!(f64, Real, |v| v);
value_from!(bool, Bool, |v| v);
value_from!(String, Text, |v| v);
value_from!(&str, Text, |v: &str| v.to_owned());
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(Some(v.clone()))
    }
}
value_from!(Vec<u8>, Bytes, |v| v);
value_from!(&[u8], Bytes, |v: &[u8]| v.to_vec());

impl From<Option<&String>> for Value {
    fn from(v: Option<&String>) -> Self {
        Value::Text(v.cloned())
    }
}

/// Build a parameter list: `params![user_id, name, None::<String>]`.
#[macro_export]
macro_rules! params {
    () => { ::std::vec::Vec::<$crate::db::Value>::new() };
    ($($v:expr),+ $(,)?) => { vec![$($crate::db::Value::from($v)),+] };
}

/// Conversion from a fetched column value into a Rust type.
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Option<Self>;
    const NULLABLE: bool = false;
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(Some(i)) => Some(*i),
            Value::Bool(Some(b)) => Some(i64::from(*b)),
            Value::Real(Some(f)) if f.fract() == 0.0 => Some(*f as i64),
            _ => None,
        }
    }
}
impl FromValue for f64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Real(Some(f)) => Some(*f),
            Value::Int(Some(i)) => Some(*i as f64),
            _ => None,
        }
    }
}
impl FromValue for bool {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Bool(Some(b)) => Some(*b),
            Value::Int(Some(i)) => Some(*i != 0),
            _ => None,
        }
    }
}
impl FromValue for String {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(Some(s)) => Some(s.clone()),
            _ => None,
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Bytes(Some(b)) => Some(b.clone()),
            Value::Text(Some(s)) => Some(s.as_bytes().to_vec()),
            _ => None,
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Self> {
        if v.is_null() {
            Some(None)
        } else {
            T::from_value(v).map(Some)
        }
    }
    const NULLABLE: bool = true;
}

/// One fetched row: column names and values, decoded from either backend.
#[derive(Debug, Clone)]
pub struct Row {
    pub(super) columns: std::sync::Arc<[String]>,
    pub(super) values: Vec<Value>,
}

impl Row {
    /// The value of a column, converted; a missing column or a wrong type is an error that names
    /// the column.
    pub fn get<T: FromValue>(&self, column: &str) -> DbResult<T> {
        let i = self
            .columns
            .iter()
            .position(|c| c == column)
            .ok_or_else(|| DbError::Decode {
                column: column.to_owned(),
                problem: "no such column".into(),
            })?;
        T::from_value(&self.values[i]).ok_or_else(|| DbError::Decode {
            column: column.to_owned(),
            problem: format!("cannot convert {:?}", self.values[i]),
        })
    }

    pub fn values(&self) -> &[Value] {
        &self.values
    }
}
