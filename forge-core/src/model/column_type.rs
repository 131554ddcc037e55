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
    /// `time` without time zone; `precision`: fractional digits of the seconds (0-6).
    Time {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<u32>,
    },
    /// `timetz`.
    TimeTz {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<u32>,
    },
    /// `timestamp` without time zone.
    Timestamp {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<u32>,
    },
    /// `timestamptz`.
    TimestampTz {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<u32>,
    },
    /// `interval` (with a field restriction it is a [`ColumnType::Custom`]).
    Interval {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<u32>,
    },
    Json,
    Jsonb,
    /// A named enum type (PostgreSQL `CREATE TYPE ... AS ENUM`).
    Enum {
        name: String,
    },
    Array {
        element: Box<ColumnType>,
    },
    /// A type Forge does not model by itself, in PostgreSQL's own spelling
    /// (`inet`, `int4range`, a domain, an extension type such as `citext`).
    /// A model's spelling is settled against the server's before comparing.
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

    pub const TIME: ColumnType = ColumnType::Time { precision: None };
    pub const TIMESTAMP: ColumnType = ColumnType::Timestamp { precision: None };
    pub const TIMESTAMPTZ: ColumnType = ColumnType::TimestampTz { precision: None };
    pub const INTERVAL: ColumnType = ColumnType::Interval { precision: None };

    pub fn custom(sql: impl Into<String>) -> Self {
        ColumnType::Custom { sql: sql.into() }
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

    /// Date and time types, which take a fractional-seconds precision.
    pub fn is_temporal(&self) -> bool {
        matches!(
            self,
            ColumnType::Time { .. }
                | ColumnType::TimeTz { .. }
                | ColumnType::Timestamp { .. }
                | ColumnType::TimestampTz { .. }
                | ColumnType::Interval { .. }
        )
    }

    /// The type with a precision (and, for numeric, a scale) set: `numeric(p,s)`,
    /// `timestamp(p)`... `None` when the type takes no precision.
    pub fn with_precision(&self, precision: u32, scale: Option<u32>) -> Option<ColumnType> {
        let p = Some(precision);
        Some(match self {
            ColumnType::Numeric { .. } => ColumnType::Numeric {
                precision: p,
                scale: Some(scale.unwrap_or(0)),
            },
            _ if scale.is_some() => return None,
            ColumnType::Time { .. } => ColumnType::Time { precision: p },
            ColumnType::TimeTz { .. } => ColumnType::TimeTz { precision: p },
            ColumnType::Timestamp { .. } => ColumnType::Timestamp { precision: p },
            ColumnType::TimestampTz { .. } => ColumnType::TimestampTz { precision: p },
            ColumnType::Interval { .. } => ColumnType::Interval { precision: p },
            ColumnType::Array { element } => {
                ColumnType::array(element.with_precision(precision, scale)?)
            }
            _ => return None,
        })
    }

    /// Whether PostgreSQL lets the type carry a collation.
    pub fn is_collatable(&self) -> bool {
        match self {
            ColumnType::Array { element } => element.is_collatable(),
            // A domain or extension type (citext) may be; the server decides.
            ColumnType::Custom { .. } => true,
            t => t.is_string(),
        }
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

fn typmod(precision: &Option<u32>) -> String {
    precision.map(|p| format!("({p})")).unwrap_or_default()
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
            ColumnType::Time { precision } => write!(f, "time{}", typmod(precision)),
            ColumnType::TimeTz { precision } => write!(f, "timetz{}", typmod(precision)),
            ColumnType::Timestamp { precision } => write!(f, "timestamp{}", typmod(precision)),
            ColumnType::TimestampTz { precision } => {
                write!(f, "timestamptz{}", typmod(precision))
            }
            ColumnType::Interval { precision } => write!(f, "interval{}", typmod(precision)),
            ColumnType::Json => f.write_str("json"),
            ColumnType::Jsonb => f.write_str("jsonb"),
            ColumnType::Enum { name } => write!(f, "\"{}\"", name.replace('"', "\"\"")),
            ColumnType::Array { element } => write!(f, "{element}[]"),
            ColumnType::Custom { sql } => f.write_str(sql),
        }
    }
}
