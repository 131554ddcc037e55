//! [`SqlType`]: how a Rust field type maps to a column type. Implemented here
//! for the usual types; an app implements it for its own newtypes.

use crate::model::{ColumnType, EnumType};

/// A Rust type that can be stored in a column.
///
/// ```
/// use forge_core::{model::ColumnType, SqlType};
/// struct Email(String);
/// impl SqlType for Email {
///     fn column_type() -> ColumnType { ColumnType::varchar(320) }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a column: it does not implement `forge::SqlType`",
    label = "unsupported column type",
    note = "implement `forge::SqlType` for it, or set the column type with `#[forge(sql_type = \"...\")]`, or leave the field out with `#[forge(skip)]`"
)]
pub trait SqlType {
    /// Whether the column accepts NULL (`Option<T>`).
    const NULLABLE: bool = false;

    fn column_type() -> ColumnType;

    /// The enum type this column needs to exist, for PostgreSQL enum columns.
    fn enum_type() -> Option<EnumType> {
        None
    }
}

/// Marker for string columns: what `max_length` applies to.
#[diagnostic::on_unimplemented(
    message = "`max_length` and `collation` apply to string columns, and `{Self}` is not a string type",
    label = "not a string column"
)]
pub trait TextType: SqlType {}

/// Marker for numeric columns: what `gt`, `ge`, `lt` and `le` apply to.
#[diagnostic::on_unimplemented(
    message = "`gt`, `ge`, `lt`, `le` and `scale` apply to numeric columns, and `{Self}` is not a numeric type",
    label = "not a numeric column"
)]
pub trait NumericType: SqlType {}

/// Marker for columns that take a precision: `numeric` (`precision` and
/// `scale`) and the time types (`precision`: fractional digits of the seconds).
#[diagnostic::on_unimplemented(
    message = "`precision` and `scale` apply to decimal and time columns, and `{Self}` is neither",
    label = "takes no precision"
)]
pub trait PrecisionType: SqlType {}

/// Marker for integer columns: what `identity` and `serial` apply to.
#[diagnostic::on_unimplemented(
    message = "`identity` and `serial` apply to integer columns (i16, i32, i64), and `{Self}` is not one",
    label = "not an integer column"
)]
pub trait IntegerType: SqlType {}

/// A foreign key column of type `Self` may reference a key of type `Key`:
/// the same type, or an `Option` of it for a nullable reference.
#[diagnostic::on_unimplemented(
    message = "a foreign key of type `{Self}` cannot reference a primary key of type `{Key}`",
    label = "not the referenced key's type",
    note = "a foreign key column has the type of the key it references (or an `Option` of it); the key type `()` means the target has no single-column primary key: name the column with `references = Target(column)`"
)]
pub trait References<Key> {}
impl<T> References<T> for T {}
impl<T> References<T> for Option<T> {}

impl<T: SqlType> SqlType for Option<T> {
    const NULLABLE: bool = true;
    fn column_type() -> ColumnType {
        T::column_type()
    }
    fn enum_type() -> Option<EnumType> {
        T::enum_type()
    }
}
impl<T: TextType> TextType for Option<T> {}
impl<T: NumericType> NumericType for Option<T> {}
impl<T: PrecisionType> PrecisionType for Option<T> {}
impl<T: IntegerType> IntegerType for Option<T> {}

macro_rules! sql_type {
    ($($rust:ty => $column:expr $(, $marker:ident)*;)*) => {$(
        impl SqlType for $rust {
            fn column_type() -> ColumnType {
                $column
            }
        }
        $(impl $marker for $rust {})*
    )*};
}

sql_type! {
    i16 => ColumnType::SmallInt, NumericType, IntegerType;
    i32 => ColumnType::Integer, NumericType, IntegerType;
    i64 => ColumnType::BigInt, NumericType, IntegerType;
    f32 => ColumnType::Real, NumericType;
    f64 => ColumnType::Double, NumericType;
    bool => ColumnType::Boolean;
    String => ColumnType::Text, TextType;
    Vec<u8> => ColumnType::Bytes;
    uuid::Uuid => ColumnType::Uuid;
    chrono::NaiveDate => ColumnType::Date;
    chrono::NaiveTime => ColumnType::TIME, PrecisionType;
    chrono::NaiveDateTime => ColumnType::TIMESTAMP, PrecisionType;
    chrono::DateTime<chrono::Utc> => ColumnType::TIMESTAMPTZ, PrecisionType;
    chrono::DateTime<chrono::FixedOffset> => ColumnType::TIMESTAMPTZ, PrecisionType;
    serde_json::Value => ColumnType::Jsonb;
}

#[cfg(feature = "decimal")]
sql_type! {
    rust_decimal::Decimal => ColumnType::Numeric { precision: None, scale: None }, NumericType, PrecisionType;
}

/// `Vec<T>` of a scalar is a PostgreSQL array.
macro_rules! sql_array {
    ($($rust:ty),*) => {$(
        impl SqlType for Vec<$rust> {
            fn column_type() -> ColumnType {
                ColumnType::array(<$rust as SqlType>::column_type())
            }
        }
    )*};
}

sql_array!(i16, i32, i64, f32, f64, bool, String, uuid::Uuid);
