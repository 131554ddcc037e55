//! The normalized, dialect-neutral column type. Each dialect maps it to and from
//! its own spelling (PostgreSQL `int4` and SQLite `INTEGER` both read as
//! [`ColumnType::Integer`]), so neither backend is a special case of the other.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnType {
    SmallInt,
    Integer,
    BigInt,
    /// 4-byte float (`real`).
    Real,
    /// 8-byte float (`double precision`).
    Double,
    Numeric {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scale: Option<u32>,
    },
    Boolean,
    Text,
    Varchar {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        length: Option<u32>,
    },
    Char {
        length: u32,
    },
    Bytes,
    Uuid,
    Date,
    Time,
    /// `timestamp` without time zone.
    Timestamp,
    /// `timestamptz`.
    TimestampTz,
    Interval,
    Json,
    Jsonb,
    /// A named enum type (PostgreSQL `CREATE TYPE ... AS ENUM`).
    Enum {
        name: String,
    },
    Array {
        element: Box<ColumnType>,
    },
    /// A type Forge does not model, kept verbatim (the `sql_type` escape hatch,
    /// or an introspected type such as `inet`).
    Custom {
        sql: String,
    },
}

impl ColumnType {
    pub fn varchar(length: u32) -> Self {
        ColumnType::Varchar {
            length: Some(length),
        }
    }

    pub fn array(element: ColumnType) -> Self {
        ColumnType::Array {
            element: Box::new(element),
        }
    }

    /// The one spelling of types PostgreSQL treats as the same: `numeric(p)` is
    /// `numeric(p,0)` (and is read back so by introspection).
    pub fn canonical(&self) -> ColumnType {
        match self {
            ColumnType::Numeric {
                precision: Some(p),
                scale: None,
            } => ColumnType::Numeric {
                precision: Some(*p),
                scale: Some(0),
            },
            ColumnType::Array { element } => ColumnType::array(element.canonical()),
            other => other.clone(),
        }
    }

    pub fn is_string(&self) -> bool {
        matches!(
            self,
            ColumnType::Text | ColumnType::Varchar { .. } | ColumnType::Char { .. }
        )
    }

    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            ColumnType::SmallInt
                | ColumnType::Integer
                | ColumnType::BigInt
                | ColumnType::Real
                | ColumnType::Double
                | ColumnType::Numeric { .. }
        )
    }

    /// The enum type this column uses, looking through arrays.
    pub fn enum_name(&self) -> Option<&str> {
        match self {
            ColumnType::Enum { name } => Some(name),
            ColumnType::Array { element } => element.enum_name(),
            _ => None,
        }
    }
}

/// The PostgreSQL spelling, used for display (`entities list`) and by the
/// PostgreSQL dialect.
impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnType::SmallInt => f.write_str("smallint"),
            ColumnType::Integer => f.write_str("integer"),
            ColumnType::BigInt => f.write_str("bigint"),
            ColumnType::Real => f.write_str("real"),
            ColumnType::Double => f.write_str("double precision"),
            ColumnType::Numeric {
                precision: Some(p),
                scale: Some(s),
            } => write!(f, "numeric({p},{s})"),
            ColumnType::Numeric {
                precision: Some(p),
                scale: None,
            } => write!(f, "numeric({p})"),
            ColumnType::Numeric { .. } => f.write_str("numeric"),
            ColumnType::Boolean => f.write_str("boolean"),
            ColumnType::Text => f.write_str("text"),
            ColumnType::Varchar { length: Some(n) } => write!(f, "varchar({n})"),
            ColumnType::Varchar { length: None } => f.write_str("varchar"),
            ColumnType::Char { length } => write!(f, "char({length})"),
            ColumnType::Bytes => f.write_str("bytea"),
            ColumnType::Uuid => f.write_str("uuid"),
            ColumnType::Date => f.write_str("date"),
            ColumnType::Time => f.write_str("time"),
            ColumnType::Timestamp => f.write_str("timestamp"),
            ColumnType::TimestampTz => f.write_str("timestamptz"),
            ColumnType::Interval => f.write_str("interval"),
            ColumnType::Json => f.write_str("json"),
            ColumnType::Jsonb => f.write_str("jsonb"),
            ColumnType::Enum { name } => write!(f, "\"{}\"", name.replace('"', "\"\"")),
            ColumnType::Array { element } => write!(f, "{element}[]"),
            ColumnType::Custom { sql } => f.write_str(sql),
        }
    }
}
