//! `sql_type = "..."`: a PostgreSQL type name, parsed at compile time into the
//! same canonical column type introspection reads back (`int4`, `integer`
//! and `int` are all `integer`; `varchar(40)` is a varchar of 40). A name
//! Forge does not model (`inet`, a domain, an extension type) is kept as
//! written and settled against the server's spelling at `migrate revision`.
//! What PostgreSQL would silently store otherwise (`timestamp(9)`, `int[3]`)
//! is a compile error.

use proc_macro2::TokenStream;
use quote::quote;

/// The column type, as the derive generates it.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlType {
    SmallInt,
    Integer,
    BigInt,
    Real,
    Double,
    Numeric(Option<(u32, u32)>),
    Boolean,
    Text,
    Varchar(Option<u32>),
    Char(u32),
    Bytes,
    Uuid,
    Date,
    Time(Option<u32>),
    TimeTz(Option<u32>),
    Timestamp(Option<u32>),
    TimestampTz(Option<u32>),
    Interval(Option<u32>),
    Json,
    Jsonb,
    Array(Box<SqlType>),
    /// PostgreSQL's spelling of a type Forge keeps verbatim.
    Custom(String),
}

/// A parsed `sql_type`.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub column_type: SqlType,
    /// `serial`, `bigserial`, `smallserial`: an integer fed by an owned sequence.
    pub serial: bool,
}

const MAX_LENGTH: u32 = 10_485_760;

/// Built-in types Forge keeps verbatim, by every name PostgreSQL accepts,
/// with the spelling `format_type()` gives them.
const VERBATIM: &[(&[&str], &str)] = &[
    (&["money"], "money"),
    (&["inet"], "inet"),
    (&["cidr"], "cidr"),
    (&["macaddr"], "macaddr"),
    (&["macaddr8"], "macaddr8"),
    (&["point"], "point"),
    (&["line"], "line"),
    (&["lseg"], "lseg"),
    (&["box"], "box"),
    (&["path"], "path"),
    (&["polygon"], "polygon"),
    (&["circle"], "circle"),
    (&["tsvector"], "tsvector"),
    (&["tsquery"], "tsquery"),
    (&["xml"], "xml"),
    (&["oid"], "oid"),
    (&["pg_lsn"], "pg_lsn"),
    (&["pg_snapshot"], "pg_snapshot"),
    (&["txid_snapshot"], "txid_snapshot"),
    (&["int4range"], "int4range"),
    (&["int8range"], "int8range"),
    (&["numrange"], "numrange"),
    (&["tsrange"], "tsrange"),
    (&["tstzrange"], "tstzrange"),
    (&["daterange"], "daterange"),
    (&["int4multirange"], "int4multirange"),
    (&["int8multirange"], "int8multirange"),
    (&["nummultirange"], "nummultirange"),
    (&["tsmultirange"], "tsmultirange"),
    (&["tstzmultirange"], "tstzmultirange"),
    (&["datemultirange"], "datemultirange"),
    (&["bpchar"], "bpchar"),
    (&["name"], "name"),
];

/// The interval field restrictions, as `format_type()` spells them.
const INTERVAL_FIELDS: &[&str] = &[
    "year to month",
    "day to hour",
    "day to minute",
    "day to second",
    "hour to minute",
    "hour to second",
    "minute to second",
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
];

pub fn parse(text: &str) -> Result<Parsed, String> {
    let normalized = normalize(text, true);
    if normalized.is_empty() {
        return Err("`sql_type` cannot be empty".to_string());
    }
    let (base, dimensions) = split_array(&normalized)?;
    // A type kept verbatim keeps the user's letter case (an extension's
    // modifiers may care); the server settles its spelling.
    let (spelled, _) = split_array(&normalize(text, false))?;
    let (column_type, serial) = scalar(&base, &spelled)?;
    if dimensions == 0 {
        return Ok(Parsed {
            column_type,
            serial,
        });
    }
    if serial {
        return Err(format!(
            "`{base}` cannot be an array element: a serial is a column of its own"
        ));
    }
    Ok(Parsed {
        column_type: SqlType::Array(Box::new(column_type)),
        serial: false,
    })
}

/// Lowercase outside double quotes, one space between words, none inside
/// parentheses: `Character  Varying( 40 )` -> `character varying(40)`.
fn normalize(text: &str, lowercase: bool) -> String {
    let mut out = String::new();
    let mut quoted = false;
    let mut space = false;
    for c in text.trim().chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if !quoted && c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !matches!(c, '(' | ')' | ',' | '[' | ']') && !out.ends_with(['(', ',', '[']) {
            out.push(' ');
        }
        space = false;
        out.push(if quoted || !lowercase {
            c
        } else {
            c.to_ascii_lowercase()
        });
    }
    out
}

/// The element type and the number of array dimensions (`int[]`, `int array`).
fn split_array(text: &str) -> Result<(String, usize), String> {
    let mut base = text.to_string();
    let mut dimensions = 0;
    loop {
        if let Some(rest) = base.strip_suffix(" array") {
            base = rest.to_string();
            dimensions += 1;
        } else if base.ends_with(']') {
            let open = base
                .rfind('[')
                .ok_or_else(|| format!("`{text}` has a `]` without its `[`"))?;
            let size = base[open + 1..base.len() - 1].trim();
            if !size.is_empty() {
                return Err(format!(
                    "PostgreSQL ignores array sizes, so `{text}` would be stored as an array of any length; write `[]`"
                ));
            }
            base.truncate(open);
            dimensions += 1;
        } else if base.ends_with(" array") || base.ends_with("array[") {
            return Err(format!("`{text}` is not a type PostgreSQL accepts"));
        } else {
            break;
        }
        base = base.trim_end().to_string();
    }
    if dimensions > 1 {
        return Err(format!(
            "PostgreSQL does not enforce array dimensions, so `{text}` would be stored as a one-dimensional array type; write one `[]`"
        ));
    }
    Ok((base, dimensions))
}

/// `name(1, 2)` -> (`name`, [1, 2]); a name without modifiers has none.
fn modifiers(text: &str) -> Result<(String, Vec<i64>), String> {
    let Some(open) = text.find('(') else {
        return Ok((text.to_string(), Vec::new()));
    };
    let close = text
        .rfind(')')
        .ok_or_else(|| format!("`{text}` opens a parenthesis it does not close"))?;
    let args = text[open + 1..close]
        .split(',')
        .map(|a| {
            a.trim()
                .parse::<i64>()
                .map_err(|_| format!("`{text}`: type modifiers are integers"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // `time(3) with time zone`: the words after the modifier belong to the name.
    let name = format!("{}{}", text[..open].trim_end(), &text[close + 1..]);
    Ok((name, args))
}

/// `text`: lowercased; `spelled`: as the user wrote it (for a verbatim type).
fn scalar(text: &str, spelled: &str) -> Result<(SqlType, bool), String> {
    let verbatim = || Ok((SqlType::Custom(spelled.to_string()), false));
    if text.contains('"') || text.contains('.') {
        // A quoted or schema-qualified name: the server knows what it is.
        return verbatim();
    }
    let (name, args) = match modifiers(text) {
        Ok(parsed) => parsed,
        // Modifiers that are not integers (`geometry(Point, 4326)`): a type
        // of an extension, kept verbatim.
        Err(_) => return verbatim(),
    };
    let none = |t: SqlType| {
        if args.is_empty() {
            Ok((t, false))
        } else {
            Err(format!(
                "`{name}` takes no type modifier, but `{text}` gives one"
            ))
        }
    };
    let length = |what: &str| -> Result<Option<u32>, String> {
        match args.as_slice() {
            [] => Ok(None),
            [n] if *n >= 1 && *n <= MAX_LENGTH as i64 => Ok(Some(*n as u32)),
            [n] => Err(format!(
                "`{text}`: the length of {what} is 1 to {MAX_LENGTH}, not {n}"
            )),
            _ => Err(format!("`{text}`: {what} takes one length")),
        }
    };
    let precision = |what: &str| -> Result<Option<u32>, String> {
        match args.as_slice() {
            [] => Ok(None),
            [p] if (0..=6).contains(p) => Ok(Some(*p as u32)),
            [p] => Err(format!(
                "`{text}`: PostgreSQL keeps at most 6 fractional digits of {what} and would store precision {p} as 6; write 0 to 6"
            )),
            _ => Err(format!("`{text}`: {what} takes one precision")),
        }
    };
    let serial = |t: SqlType| none(t).map(|(t, _)| (t, true));
    match name.as_str() {
        "smallint" | "int2" => none(SqlType::SmallInt),
        "integer" | "int" | "int4" => none(SqlType::Integer),
        "bigint" | "int8" => none(SqlType::BigInt),
        "smallserial" | "serial2" => serial(SqlType::SmallInt),
        "serial" | "serial4" => serial(SqlType::Integer),
        "bigserial" | "serial8" => serial(SqlType::BigInt),
        "real" | "float4" => none(SqlType::Real),
        "double precision" | "float8" => none(SqlType::Double),
        "float" => match args.as_slice() {
            [] => Ok((SqlType::Double, false)),
            [p] if (1..=24).contains(p) => Ok((SqlType::Real, false)),
            [p] if (25..=53).contains(p) => Ok((SqlType::Double, false)),
            _ => Err(format!(
                "`{text}`: the precision of float is 1 to 53 binary digits"
            )),
        },
        "numeric" | "decimal" | "dec" => match args.as_slice() {
            [] => Ok((SqlType::Numeric(None), false)),
            [p] | [p, _] if !(1..=1000).contains(p) => {
                Err(format!("`{text}`: the precision of numeric is 1 to 1000"))
            }
            [p] => Ok((SqlType::Numeric(Some((*p as u32, 0))), false)),
            [p, s] if (0..=*p).contains(s) => {
                Ok((SqlType::Numeric(Some((*p as u32, *s as u32))), false))
            }
            [_, s] => Err(format!(
                "`{text}`: Forge models a numeric scale of 0 up to the precision, not {s}"
            )),
            _ => Err(format!("`{text}`: numeric takes a precision and a scale")),
        },
        "boolean" | "bool" => none(SqlType::Boolean),
        "text" => none(SqlType::Text),
        "varchar" | "character varying" | "char varying" => {
            Ok((SqlType::Varchar(length("varchar")?), false))
        }
        "char" | "character" => Ok((SqlType::Char(length("char")?.unwrap_or(1)), false)),
        "bpchar" if !args.is_empty() => Ok((SqlType::Char(length("char")?.unwrap_or(1)), false)),
        "bytea" => none(SqlType::Bytes),
        "uuid" => none(SqlType::Uuid),
        "date" => none(SqlType::Date),
        "time" | "time without time zone" => Ok((SqlType::Time(precision("a time")?), false)),
        "timetz" | "time with time zone" => Ok((SqlType::TimeTz(precision("a time")?), false)),
        "timestamp" | "timestamp without time zone" => {
            Ok((SqlType::Timestamp(precision("a timestamp")?), false))
        }
        "timestamptz" | "timestamp with time zone" => {
            Ok((SqlType::TimestampTz(precision("a timestamp")?), false))
        }
        "interval" => Ok((SqlType::Interval(precision("an interval")?), false)),
        "json" => none(SqlType::Json),
        "jsonb" => none(SqlType::Jsonb),
        "bit" => match length("bit")? {
            Some(n) => Ok((SqlType::Custom(format!("bit({n})")), false)),
            None => Ok((SqlType::Custom("bit(1)".into()), false)),
        },
        "varbit" | "bit varying" => match length("bit varying")? {
            Some(n) => Ok((SqlType::Custom(format!("bit varying({n})")), false)),
            None => Ok((SqlType::Custom("bit varying".into()), false)),
        },
        other => {
            if let Some(fields) = other.strip_prefix("interval ") {
                if INTERVAL_FIELDS.contains(&fields) {
                    let p = precision("an interval")?;
                    let spelled = match p {
                        Some(p) if fields.ends_with("second") => format!("interval {fields}({p})"),
                        Some(_) => {
                            return Err(format!(
                                "`{text}`: only a restriction ending in `second` takes a precision"
                            ))
                        }
                        None => format!("interval {fields}"),
                    };
                    return Ok((SqlType::Custom(spelled), false));
                }
            }
            if let Some((_, spelled)) = VERBATIM.iter().find(|(names, _)| names.contains(&other)) {
                return none(SqlType::Custom(spelled.to_string()));
            }
            let word = other
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ' ');
            if !word {
                return Err(format!("`{text}` is not a type name PostgreSQL accepts"));
            }
            // A domain or an extension's type, settled by the server.
            verbatim()
        }
    }
}

impl SqlType {
    /// `::forge::__private::ColumnType::...`
    pub fn tokens(&self) -> TokenStream {
        let ct = quote!(::forge::__private::ColumnType);
        let opt = |v: &Option<u32>| match v {
            Some(v) => quote!(::core::option::Option::Some(#v)),
            None => quote!(::core::option::Option::None),
        };
        match self {
            SqlType::SmallInt => quote!(#ct::SmallInt),
            SqlType::Integer => quote!(#ct::Integer),
            SqlType::BigInt => quote!(#ct::BigInt),
            SqlType::Real => quote!(#ct::Real),
            SqlType::Double => quote!(#ct::Double),
            SqlType::Numeric(None) => quote!(#ct::Numeric {
                precision: ::core::option::Option::None,
                scale: ::core::option::Option::None
            }),
            SqlType::Numeric(Some((p, s))) => quote!(#ct::Numeric {
                precision: ::core::option::Option::Some(#p),
                scale: ::core::option::Option::Some(#s)
            }),
            SqlType::Boolean => quote!(#ct::Boolean),
            SqlType::Text => quote!(#ct::Text),
            SqlType::Varchar(length) => {
                let length = opt(length);
                quote!(#ct::Varchar { length: #length })
            }
            SqlType::Char(length) => quote!(#ct::Char { length: #length }),
            SqlType::Bytes => quote!(#ct::Bytes),
            SqlType::Uuid => quote!(#ct::Uuid),
            SqlType::Date => quote!(#ct::Date),
            SqlType::Time(p) => {
                let p = opt(p);
                quote!(#ct::Time { precision: #p })
            }
            SqlType::TimeTz(p) => {
                let p = opt(p);
                quote!(#ct::TimeTz { precision: #p })
            }
            SqlType::Timestamp(p) => {
                let p = opt(p);
                quote!(#ct::Timestamp { precision: #p })
            }
            SqlType::TimestampTz(p) => {
                let p = opt(p);
                quote!(#ct::TimestampTz { precision: #p })
            }
            SqlType::Interval(p) => {
                let p = opt(p);
                quote!(#ct::Interval { precision: #p })
            }
            SqlType::Json => quote!(#ct::Json),
            SqlType::Jsonb => quote!(#ct::Jsonb),
            SqlType::Array(element) => {
                let element = element.tokens();
                quote!(#ct::array(#element))
            }
            SqlType::Custom(sql) => quote!(#ct::Custom { sql: ::std::string::String::from(#sql) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> SqlType {
        parse(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .column_type
    }

    #[test]
    fn every_spelling_of_a_built_in_type_is_one_type() {
        for spelling in ["integer", "INT", "int4", " Integer "] {
            assert_eq!(t(spelling), SqlType::Integer, "{spelling}");
        }
        for spelling in [
            "varchar(40)",
            "character varying(40)",
            "CHARACTER VARYING ( 40 )",
        ] {
            assert_eq!(t(spelling), SqlType::Varchar(Some(40)), "{spelling}");
        }
        assert_eq!(t("numeric(10,2)"), SqlType::Numeric(Some((10, 2))));
        assert_eq!(t("decimal(10, 2)"), SqlType::Numeric(Some((10, 2))));
        assert_eq!(t("numeric(7)"), SqlType::Numeric(Some((7, 0))));
        assert_eq!(t("char"), SqlType::Char(1));
        assert_eq!(t("character(2)"), SqlType::Char(2));
        assert_eq!(t("double precision"), SqlType::Double);
        assert_eq!(t("float"), SqlType::Double);
        assert_eq!(t("float(24)"), SqlType::Real);
        assert_eq!(t("timestamptz"), SqlType::TimestampTz(None));
        assert_eq!(
            t("timestamp(3) with time zone"),
            SqlType::TimestampTz(Some(3))
        );
        assert_eq!(t("time(0) without time zone"), SqlType::Time(Some(0)));
        assert_eq!(t("timetz"), SqlType::TimeTz(None));
        assert_eq!(t("interval(2)"), SqlType::Interval(Some(2)));
        assert_eq!(
            t("interval day to second(3)"),
            SqlType::Custom("interval day to second(3)".into())
        );
        assert_eq!(t("bit"), SqlType::Custom("bit(1)".into()));
        assert_eq!(t("varbit(8)"), SqlType::Custom("bit varying(8)".into()));
        assert_eq!(t("text[]"), SqlType::Array(Box::new(SqlType::Text)));
        assert_eq!(t("int ARRAY"), SqlType::Array(Box::new(SqlType::Integer)));
        assert_eq!(t("inet"), SqlType::Custom("inet".into()));
        assert_eq!(t("citext"), SqlType::Custom("citext".into()));
        assert_eq!(
            t("geometry(Point, 4326)"),
            SqlType::Custom("geometry(Point,4326)".into())
        );
    }

    #[test]
    fn serials_are_integers_with_a_sequence() {
        for (spelling, expected) in [
            ("serial", SqlType::Integer),
            ("bigserial", SqlType::BigInt),
            ("smallserial", SqlType::SmallInt),
            ("serial8", SqlType::BigInt),
        ] {
            let parsed = parse(spelling).unwrap();
            assert_eq!((parsed.column_type, parsed.serial), (expected, true));
        }
        assert!(parse("serial[]").is_err());
    }

    #[test]
    fn what_postgresql_would_store_otherwise_is_refused() {
        for bad in [
            "timestamp(9)",
            "varchar(0)",
            "char(20000000)",
            "numeric(2000)",
            "numeric(5,7)",
            "int[3]",
            "text[][]",
            "float(60)",
            "integer(4)",
            "interval year(2)",
        ] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
