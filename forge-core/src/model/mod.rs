//! The schema model: plain, serializable data describing tables, columns,
//! constraints and enum types. The models (through the registry) and a live
//! database (through introspection) both produce it, so the diff compares like
//! with like. Every collection is kept in a defined order (see [`Schema::normalize`]).
//!
//! Expressions (defaults, CHECK bodies, index predicates and expression keys,
//! generated columns) are kept as written: the models' text as the user wrote
//! it, the database's as PostgreSQL prints it. Whether two of them mean the
//! same is the diff's question ([`expression`] and the server), never a
//! rewrite of the text that gets rendered.

mod column_type;
pub mod expression;
pub mod naming;
mod unmanaged;

pub use column_type::ColumnType;
pub use unmanaged::{creation_order, ObjectKind, ObjectRef, Phase, UnmanagedObject};

use std::fmt;

use serde::{Deserialize, Serialize};

/// A whole database schema: the tables of the default PostgreSQL schema (the
/// one configured, reached through the search_path) and of the other schemas
/// the models name, and the enum types they use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// Tables, sorted by schema (the default one first) and name.
    pub tables: Vec<Table>,
    /// Enum types of the default schema, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enums: Vec<EnumType>,
    /// The PostgreSQL schemas other than the default one that hold tables,
    /// sorted (models: named by `#[forge(schema = "...")]`; a database: those
    /// of them that exist).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// What the database holds besides the managed tables and enum types
    /// (views, functions, triggers, partitions...), read from a database
    /// only, sorted by kind, schema, table and name. The diff never touches
    /// them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmanaged: Vec<UnmanagedObject>,
}

/// A table's name with its PostgreSQL schema (`None`: the default schema).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TableName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub name: String,
}

impl TableName {
    pub fn new(schema: Option<&str>, name: impl Into<String>) -> Self {
        TableName {
            schema: schema.map(str::to_string),
            name: name.into(),
        }
    }

    /// A table of the default schema.
    pub fn bare(name: impl Into<String>) -> Self {
        TableName {
            schema: None,
            name: name.into(),
        }
    }
}

/// `schema.table`, or the bare name in the default schema.
impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

impl From<&str> for TableName {
    fn from(name: &str) -> Self {
        TableName::bare(name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// The PostgreSQL schema the table lives in; `None` for the default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub name: String,
    /// Columns in declaration (or ordinal) order.
    pub columns: Vec<Column>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKey>,
    /// Sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// Sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uniques: Vec<UniqueConstraint>,
    /// Sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    /// Sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckConstraint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `PARTITION BY ...` of a partitioned table, as PostgreSQL prints it
    /// (`RANGE (happened_on)`). Its partitions are not managed: they are
    /// listed among the unmanaged objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<String>,
    /// Earlier names of this table, in the same schema (models only): the
    /// diff renames instead of dropping and creating.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renamed_from: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    pub nullable: bool,
    /// Server default, an SQL expression as written (models) or as
    /// PostgreSQL prints it (a database).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// How the database numbers the column: an identity or a `serial`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// The sequence behind an identity or serial column: its options when not
    /// the defaults, and (read from a database) its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<Sequence>,
    /// `COLLATE`: a collation other than the type's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// `GENERATED ALWAYS AS (expression) STORED`: the expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Earlier names of this column (models only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renamed_from: Vec<String>,
}

/// How the database fills a column with the next number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// `GENERATED ALWAYS AS IDENTITY`
    Always,
    /// `GENERATED BY DEFAULT AS IDENTITY`
    ByDefault,
    /// `serial`, `bigserial`, `smallserial`: a sequence the column owns feeds
    /// its default (`nextval(...)`). Behaves like `ByDefault`, but is not an
    /// identity to PostgreSQL, so it is kept apart.
    Serial,
}

impl Identity {
    /// A SQL identity (`GENERATED ... AS IDENTITY`), as opposed to a serial.
    pub fn is_sql_identity(self) -> bool {
        !matches!(self, Identity::Serial)
    }
}

/// The options of the sequence behind an identity column, each `None` when
/// PostgreSQL's default; see [`Sequence::canonical`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sequence {
    /// The sequence's name (read from a database; a model leaves it to the
    /// convention `<table>_<column>_seq`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_value: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_value: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<i64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cycle: bool,
}

/// Every option of a sequence with PostgreSQL's defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SequenceValues {
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub start: i64,
    pub cache: i64,
    pub cycle: bool,
}

impl Sequence {
    /// The values PostgreSQL uses for a sequence of `column_type` with these
    /// options: an ascending one runs from 1 to the type's maximum, a
    /// descending one from -1 to its minimum, and starts at its first value.
    pub fn values(&self, column_type: &ColumnType) -> SequenceValues {
        let (type_min, type_max) = match column_type {
            ColumnType::SmallInt => (i16::MIN as i64, i16::MAX as i64),
            ColumnType::Integer => (i32::MIN as i64, i32::MAX as i64),
            _ => (i64::MIN, i64::MAX),
        };
        let increment = self.increment.unwrap_or(1);
        let ascending = increment > 0;
        let min_value = self
            .min_value
            .unwrap_or(if ascending { 1 } else { type_min });
        let max_value = self
            .max_value
            .unwrap_or(if ascending { type_max } else { -1 });
        SequenceValues {
            increment,
            min_value,
            max_value,
            start: self
                .start
                .unwrap_or(if ascending { min_value } else { max_value }),
            cache: self.cache.unwrap_or(1),
            cycle: self.cycle,
        }
    }

    /// The options only (no name), with every value equal to PostgreSQL's
    /// default for `column_type` left out, so two spellings of the same
    /// sequence compare equal. `None` when every option is the default.
    pub fn canonical(sequence: Option<&Sequence>, column_type: &ColumnType) -> Option<Sequence> {
        let given = sequence?.values(column_type);
        let default = Sequence {
            increment: Some(given.increment),
            ..Sequence::default()
        }
        .values(column_type);
        let differs = |a: i64, b: i64| (a != b).then_some(a);
        let out = Sequence {
            name: None,
            start: differs(given.start, default.start),
            increment: differs(given.increment, 1),
            min_value: differs(given.min_value, default.min_value),
            max_value: differs(given.max_value, default.max_value),
            cache: differs(given.cache, 1),
            cycle: given.cycle,
        };
        (out != Sequence::default()).then_some(out)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    pub name: String,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub keys: Vec<IndexKey>,
    pub unique: bool,
    /// `NULLS NOT DISTINCT` (PostgreSQL 15+): NULLs collide in a unique index.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nulls_not_distinct: bool,
    /// `INCLUDE (...)`: columns stored in the index but not part of the key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// Partial index predicate (`WHERE ...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// Access method when not the default `btree` (`hash`, `gin`, `gist`, `brin`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// One key of an index: a column or an expression, its order and operator class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexKey {
    #[serde(flatten)]
    pub target: KeyTarget,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub descending: bool,
    /// `NULLS FIRST` / `NULLS LAST` when not the direction's default (NULLS
    /// LAST ascending, NULLS FIRST descending); see [`IndexKey::canonical`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nulls: Option<NullsOrder>,
    /// An operator class other than the type's default (`text_pattern_ops`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opclass: Option<String>,
    /// `COLLATE` of the key when not the one of its column (or expression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
}

/// What an index key indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyTarget {
    Column(String),
    Expression(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NullsOrder {
    First,
    Last,
}

impl IndexKey {
    pub fn column(name: impl Into<String>) -> Self {
        IndexKey::of(KeyTarget::Column(name.into()))
    }

    pub fn expression(expression: impl Into<String>) -> Self {
        IndexKey::of(KeyTarget::Expression(expression.into()))
    }

    fn of(target: KeyTarget) -> Self {
        IndexKey {
            target,
            descending: false,
            nulls: None,
            opclass: None,
            collation: None,
        }
    }

    pub fn desc(mut self) -> Self {
        self.descending = true;
        self
    }

    /// The column this key indexes, if it is a plain column.
    pub fn column_name(&self) -> Option<&str> {
        match &self.target {
            KeyTarget::Column(name) => Some(name),
            KeyTarget::Expression(_) => None,
        }
    }

    /// The same key with an explicit NULLS order that is the direction's
    /// default left out (`DESC NULLS FIRST` is `DESC`).
    pub fn canonical(mut self) -> Self {
        let default = if self.descending {
            NullsOrder::First
        } else {
            NullsOrder::Last
        };
        if self.nulls == Some(default) {
            self.nulls = None;
        }
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UniqueConstraint {
    pub name: String,
    pub columns: Vec<String>,
    /// `UNIQUE NULLS NOT DISTINCT` (PostgreSQL 15+).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nulls_not_distinct: bool,
    /// `INCLUDE (...)`: columns stored in its index but not part of the key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    #[serde(default, skip_serializing_if = "Deferrable::is_default")]
    pub deferrable: Deferrable,
}

impl UniqueConstraint {
    pub fn new(name: impl Into<String>, columns: &[&str]) -> Self {
        UniqueConstraint {
            name: name.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            nulls_not_distinct: false,
            include: Vec::new(),
            deferrable: Deferrable::NotDeferrable,
        }
    }
}

impl Index {
    /// A plain (btree, not unique, not partial) index.
    pub fn new(name: impl Into<String>, keys: Vec<IndexKey>) -> Self {
        Index {
            name: name.into(),
            keys,
            unique: false,
            nulls_not_distinct: false,
            include: Vec::new(),
            predicate: None,
            method: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    /// The referenced table's schema; `None` for the default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referenced_schema: Option<String>,
    pub referenced_table: String,
    pub referenced_columns: Vec<String>,
    #[serde(default, skip_serializing_if = "ReferentialAction::is_default")]
    pub on_delete: ReferentialAction,
    #[serde(default, skip_serializing_if = "ReferentialAction::is_default")]
    pub on_update: ReferentialAction,
    #[serde(default, skip_serializing_if = "Deferrable::is_default")]
    pub deferrable: Deferrable,
    #[serde(default, skip_serializing_if = "MatchType::is_default")]
    pub match_type: MatchType,
    /// Added `NOT VALID` and not validated since (read from a database; the
    /// diff neither adds nor validates it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_valid: bool,
}

impl ForeignKey {
    /// A foreign key of the default options to a table of the default schema.
    pub fn new(
        name: impl Into<String>,
        columns: &[&str],
        referenced_table: impl Into<String>,
        referenced_columns: &[&str],
    ) -> Self {
        ForeignKey {
            name: name.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            referenced_schema: None,
            referenced_table: referenced_table.into(),
            referenced_columns: referenced_columns.iter().map(|c| c.to_string()).collect(),
            on_delete: ReferentialAction::NoAction,
            on_update: ReferentialAction::NoAction,
            deferrable: Deferrable::NotDeferrable,
            match_type: MatchType::Simple,
            not_valid: false,
        }
    }

    pub fn referenced(&self) -> TableName {
        TableName {
            schema: self.referenced_schema.clone(),
            name: self.referenced_table.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferentialAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl ReferentialAction {
    pub fn is_default(&self) -> bool {
        *self == ReferentialAction::NoAction
    }

    /// The SQL spelling, e.g. `SET NULL`.
    pub fn sql(&self) -> &'static str {
        match self {
            ReferentialAction::NoAction => "NO ACTION",
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::SetDefault => "SET DEFAULT",
        }
    }

    /// Parses the spelling used in model attributes and SQL (`"set null"`,
    /// `"SET_NULL"`, `"cascade"`...).
    pub fn parse(text: &str) -> Option<Self> {
        match words(text).as_str() {
            "no action" => Some(ReferentialAction::NoAction),
            "restrict" => Some(ReferentialAction::Restrict),
            "cascade" => Some(ReferentialAction::Cascade),
            "set null" => Some(ReferentialAction::SetNull),
            "set default" => Some(ReferentialAction::SetDefault),
            _ => None,
        }
    }
}

/// Lowercase words separated by one space: `"SET_NULL"` -> `"set null"`.
fn words(text: &str) -> String {
    let key: String = text
        .trim()
        .chars()
        .map(|c| {
            if c == '_' || c == '-' {
                ' '
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    key.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deferrable {
    #[default]
    NotDeferrable,
    InitiallyImmediate,
    InitiallyDeferred,
}

impl Deferrable {
    pub fn is_default(&self) -> bool {
        *self == Deferrable::NotDeferrable
    }

    /// `""`, `"DEFERRABLE"` or `"DEFERRABLE INITIALLY DEFERRED"`.
    pub fn sql(&self) -> &'static str {
        match self {
            Deferrable::NotDeferrable => "",
            Deferrable::InitiallyImmediate => "DEFERRABLE",
            Deferrable::InitiallyDeferred => "DEFERRABLE INITIALLY DEFERRED",
        }
    }
}

/// How a multi-column foreign key treats NULLs (`MATCH PARTIAL` is not
/// implemented by PostgreSQL).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchType {
    /// `MATCH SIMPLE`: a NULL in any referencing column skips the check.
    #[default]
    Simple,
    /// `MATCH FULL`: all referencing columns NULL, or none.
    Full,
}

impl MatchType {
    pub fn is_default(&self) -> bool {
        *self == MatchType::Simple
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckConstraint {
    pub name: String,
    /// The boolean expression, as written in the model or as the database prints it.
    pub expression: String,
    /// Added `NOT VALID` and not validated since (read from a database).
    /// Kept as it is: the diff neither adds nor validates one (validating
    /// is a migration of its own, written by hand).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_valid: bool,
    /// `NO INHERIT`: not passed on to inheriting tables (read from a
    /// database, kept as it is).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_inherit: bool,
}

impl CheckConstraint {
    pub fn new(name: impl Into<String>, expression: impl Into<String>) -> Self {
        CheckConstraint {
            name: name.into(),
            expression: expression.into(),
            not_valid: false,
            no_inherit: false,
        }
    }
}

/// A PostgreSQL enum type (other backends render a CHECK instead).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumType {
    pub name: String,
    /// Labels in their declared order (the order is part of the type).
    pub labels: Vec<String>,
    /// Earlier spellings of labels (models only): `(old, new)` pairs the diff
    /// renames (`ALTER TYPE ... RENAME VALUE`) instead of rebuilding the type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renamed_labels: Vec<(String, String)>,
}

impl EnumType {
    pub fn new(name: impl Into<String>, labels: &[&str]) -> Self {
        EnumType {
            name: name.into(),
            labels: labels.iter().map(|l| l.to_string()).collect(),
            renamed_labels: Vec::new(),
        }
    }
}

impl Schema {
    /// A table of the default schema.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.table_in(None, name)
    }

    pub fn table_in(&self, schema: Option<&str>, name: &str) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| t.name == name && t.schema.as_deref() == schema)
    }

    pub fn table_named(&self, name: &TableName) -> Option<&Table> {
        self.table_in(name.schema.as_deref(), &name.name)
    }

    pub fn enum_type(&self, name: &str) -> Option<&EnumType> {
        self.enums.iter().find(|e| e.name == name)
    }

    /// The PostgreSQL schemas besides the default one: those listed, and
    /// those a table names.
    pub fn namespaces_used(&self) -> Vec<String> {
        let mut out = self.namespaces.clone();
        out.extend(self.tables.iter().filter_map(|t| t.schema.clone()));
        out.sort();
        out.dedup();
        out
    }

    /// Puts every collection in its defined order, so two schemas that describe
    /// the same database compare equal and serialize identically.
    pub fn normalize(&mut self) {
        self.tables
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.enums.sort_by(|a, b| a.name.cmp(&b.name));
        self.namespaces.sort();
        self.namespaces.dedup();
        for table in &mut self.tables {
            table.normalize();
        }
        self.unmanaged.sort_by(|a, b| {
            (a.kind, &a.schema, &a.table, &a.name).cmp(&(b.kind, &b.schema, &b.table, &b.name))
        });
    }

    pub fn normalized(mut self) -> Self {
        self.normalize();
        self
    }
}

impl Table {
    pub fn new(name: impl Into<String>) -> Self {
        Table {
            schema: None,
            name: name.into(),
            columns: Vec::new(),
            primary_key: None,
            indexes: Vec::new(),
            uniques: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            comment: None,
            partition_by: None,
            renamed_from: Vec::new(),
        }
    }

    pub fn qualified_name(&self) -> TableName {
        TableName {
            schema: self.schema.clone(),
            name: self.name.clone(),
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Sorts the named objects; column order is kept (it is the table's shape).
    pub fn normalize(&mut self) {
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        self.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        self.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        self.checks.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

impl Column {
    pub fn new(name: impl Into<String>, column_type: ColumnType, nullable: bool) -> Self {
        Column {
            name: name.into(),
            column_type,
            nullable,
            default: None,
            identity: None,
            sequence: None,
            collation: None,
            generated: None,
            comment: None,
            renamed_from: Vec::new(),
        }
    }
}
