//! What a database holds besides the tables and enum types Forge manages:
//! views, functions, triggers, domains, partitions, policies... Introspection
//! lists each one with the SQL that creates it, so `schema inspect` can show
//! it and `--sql` (and `migrate baseline`) can recreate it; the diff never
//! adds, alters or drops one.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::TableName;

/// The kinds of object a database holds, as `[autogenerate] exclude` names
/// them (`view:*`). `Table` and `Enum` are the kinds Forge manages (an enum
/// type of another PostgreSQL schema is listed as unmanaged); every other
/// kind is read and listed, never managed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Table,
    Enum,
    Extension,
    Domain,
    CompositeType,
    RangeType,
    /// A type written in C (`CREATE TYPE ... (INPUT = ...)`): noted, not recreated.
    BaseType,
    Sequence,
    Function,
    Procedure,
    /// Noted, not recreated (`pg_get_functiondef` cannot print one).
    Aggregate,
    View,
    MaterializedView,
    /// Noted, not recreated (it needs its foreign server).
    ForeignTable,
    /// A partition of a partitioned table (`CREATE TABLE ... PARTITION OF`).
    Partition,
    /// A table inheriting another (`ALTER TABLE child INHERIT parent`).
    Inheritance,
    /// An index of a partition or a materialized view.
    Index,
    ExclusionConstraint,
    Trigger,
    Rule,
    Policy,
    /// `ALTER TABLE ... ENABLE [FORCE] ROW LEVEL SECURITY`.
    RowLevelSecurity,
    /// `WITH (fillfactor = ...)` of a table or index.
    StorageParameters,
    /// `ALTER TABLE ... SET UNLOGGED`.
    Unlogged,
    /// `ALTER TABLE ... REPLICA IDENTITY ...` other than the default.
    ReplicaIdentity,
    /// `CREATE STATISTICS`.
    Statistics,
}

impl ObjectKind {
    /// Every kind, in the order `schema inspect` lists them.
    pub const ALL: [ObjectKind; 26] = [
        ObjectKind::Table,
        ObjectKind::Enum,
        ObjectKind::Extension,
        ObjectKind::Domain,
        ObjectKind::CompositeType,
        ObjectKind::RangeType,
        ObjectKind::BaseType,
        ObjectKind::Sequence,
        ObjectKind::Function,
        ObjectKind::Procedure,
        ObjectKind::Aggregate,
        ObjectKind::View,
        ObjectKind::MaterializedView,
        ObjectKind::ForeignTable,
        ObjectKind::Partition,
        ObjectKind::Inheritance,
        ObjectKind::Index,
        ObjectKind::ExclusionConstraint,
        ObjectKind::Trigger,
        ObjectKind::Rule,
        ObjectKind::Policy,
        ObjectKind::RowLevelSecurity,
        ObjectKind::StorageParameters,
        ObjectKind::Unlogged,
        ObjectKind::ReplicaIdentity,
        ObjectKind::Statistics,
    ];

    /// The snake_case name (`materialized_view`), as in JSON and in patterns.
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::Table => "table",
            ObjectKind::Enum => "enum",
            ObjectKind::Extension => "extension",
            ObjectKind::Domain => "domain",
            ObjectKind::CompositeType => "composite_type",
            ObjectKind::RangeType => "range_type",
            ObjectKind::BaseType => "base_type",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Function => "function",
            ObjectKind::Procedure => "procedure",
            ObjectKind::Aggregate => "aggregate",
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized_view",
            ObjectKind::ForeignTable => "foreign_table",
            ObjectKind::Partition => "partition",
            ObjectKind::Inheritance => "inheritance",
            ObjectKind::Index => "index",
            ObjectKind::ExclusionConstraint => "exclusion_constraint",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Rule => "rule",
            ObjectKind::Policy => "policy",
            ObjectKind::RowLevelSecurity => "row_level_security",
            ObjectKind::StorageParameters => "storage_parameters",
            ObjectKind::Unlogged => "unlogged",
            ObjectKind::ReplicaIdentity => "replica_identity",
            ObjectKind::Statistics => "statistics",
        }
    }

    pub fn parse(name: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The kind in words, for sentences (`materialized view`).
    pub fn words(self) -> String {
        self.name().replace('_', " ")
    }

    /// Whether the object is a setting or part of its table (a trigger, a
    /// policy...), which goes away with the table, rather than an object of
    /// its own that merely uses the table (a view).
    pub fn belongs_to_table(self) -> bool {
        matches!(
            self,
            ObjectKind::Inheritance
                | ObjectKind::Index
                | ObjectKind::ExclusionConstraint
                | ObjectKind::Trigger
                | ObjectKind::Rule
                | ObjectKind::Policy
                | ObjectKind::RowLevelSecurity
                | ObjectKind::StorageParameters
                | ObjectKind::Unlogged
                | ObjectKind::ReplicaIdentity
                | ObjectKind::Statistics
        )
    }

    /// When the object can be created relative to the managed tables: before
    /// them (what a column, default or check may use), or after them.
    pub fn phase(self) -> Phase {
        match self {
            ObjectKind::Extension
            | ObjectKind::Domain
            | ObjectKind::Enum
            | ObjectKind::CompositeType
            | ObjectKind::RangeType
            | ObjectKind::BaseType
            | ObjectKind::Sequence
            | ObjectKind::Function
            | ObjectKind::Procedure
            | ObjectKind::Aggregate => Phase::BeforeTables,
            _ => Phase::AfterTables,
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where an object's creation goes in a script that builds the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    BeforeTables,
    AfterTables,
}

/// One object Forge reads but does not manage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmanagedObject {
    pub kind: ObjectKind,
    /// Its PostgreSQL schema (an extension's: the one it is installed in);
    /// `None` for the default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Its name: a function's with its argument types (`touch(integer)`);
    /// a setting's is its table's.
    pub name: String,
    /// The table (or view) it belongs to: a trigger's, a policy's, a
    /// partition's parent...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<TableName>,
    /// The SQL that creates it, as PostgreSQL prints it (read by `schema
    /// inspect`); `None` when Forge cannot write it (a foreign table, an
    /// aggregate) or did not read it (autogenerate needs no definitions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// Other unmanaged objects that must exist first (a view a view selects
    /// from, a trigger's function).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<ObjectRef>,
}

/// Names an unmanaged object: its kind, schema and name (a trigger's or
/// policy's name is unique only with its table, which is part of it here).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectRef {
    pub kind: ObjectKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<TableName>,
}

impl UnmanagedObject {
    pub fn reference(&self) -> ObjectRef {
        ObjectRef {
            kind: self.kind,
            schema: self.schema.clone(),
            name: self.name.clone(),
            table: self.table.clone(),
        }
    }

    /// `schema.name`, or the bare name in the default schema.
    pub fn qualified_name(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{schema}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// `view active_users`, `trigger users_touch on users`.
impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.kind.words())?;
        if let Some(schema) = &self.schema {
            write!(f, "{schema}.")?;
        }
        f.write_str(&self.name)?;
        match (&self.table, self.kind) {
            (Some(table), kind) if kind.belongs_to_table() || kind == ObjectKind::Partition => {
                let preposition = if kind == ObjectKind::Partition {
                    "of"
                } else {
                    "on"
                };
                write!(f, " {preposition} {table}")
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for UnmanagedObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.reference().fmt(f)
    }
}

/// The order a script creates `objects` in, each with its phase: by phase
/// (an object comes after the tables when its kind does, or when it
/// requires a table or anything that comes after them), then each after
/// what it requires (a cycle, which PostgreSQL would not have let exist,
/// keeps the listed order), ties in the listed order.
pub fn creation_order(objects: &[UnmanagedObject]) -> Vec<(Phase, &UnmanagedObject)> {
    let index: HashMap<ObjectRef, usize> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| (o.reference(), i))
        .collect();
    let required = |i: usize| -> Vec<usize> {
        objects[i]
            .requires
            .iter()
            .filter_map(|r| index.get(r).copied())
            .filter(|&j| j != i)
            .collect()
    };
    let mut phases: Vec<Phase> = objects
        .iter()
        .map(|o| {
            if o.requires.iter().any(|r| r.kind == ObjectKind::Table) {
                Phase::AfterTables
            } else {
                o.kind.phase()
            }
        })
        .collect();
    loop {
        let mut changed = false;
        for i in 0..objects.len() {
            for j in required(i) {
                if phases[j] > phases[i] {
                    phases[i] = phases[j];
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut listed: Vec<usize> = (0..objects.len()).collect();
    listed.sort_by_key(|&i| phases[i]);
    let mut placed = vec![false; objects.len()];
    let mut out = Vec::with_capacity(objects.len());
    for i in listed {
        place(i, &required, &mut placed, &mut Vec::new(), &mut out);
    }
    out.into_iter().map(|i| (phases[i], &objects[i])).collect()
}

/// Depth first: what `i` requires, then `i`.
fn place(
    i: usize,
    required: &dyn Fn(usize) -> Vec<usize>,
    placed: &mut [bool],
    visiting: &mut Vec<usize>,
    out: &mut Vec<usize>,
) {
    if placed[i] || visiting.contains(&i) {
        return;
    }
    visiting.push(i);
    for j in required(i) {
        place(j, required, placed, visiting, out);
    }
    visiting.pop();
    placed[i] = true;
    out.push(i);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(kind: ObjectKind, name: &str, requires: &[(ObjectKind, &str)]) -> UnmanagedObject {
        UnmanagedObject {
            kind,
            schema: None,
            name: name.into(),
            table: None,
            definition: None,
            requires: requires
                .iter()
                .map(|(kind, name)| ObjectRef {
                    kind: *kind,
                    schema: None,
                    name: name.to_string(),
                    table: None,
                })
                .collect(),
        }
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in ObjectKind::ALL {
            assert_eq!(ObjectKind::parse(kind.name()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
        assert_eq!(ObjectKind::parse("views"), None);
    }

    #[test]
    fn objects_come_after_what_they_require_and_types_before_views() {
        let objects = vec![
            object(ObjectKind::View, "top", &[(ObjectKind::View, "middle")]),
            object(
                ObjectKind::Trigger,
                "touch",
                &[(ObjectKind::Function, "touch()")],
            ),
            object(ObjectKind::View, "middle", &[(ObjectKind::View, "bottom")]),
            object(ObjectKind::View, "bottom", &[]),
            object(ObjectKind::Function, "touch()", &[]),
            object(ObjectKind::Domain, "email", &[]),
        ];
        let names: Vec<&str> = creation_order(&objects)
            .iter()
            .map(|(_, o)| o.name.as_str())
            .collect();
        assert_eq!(
            names,
            ["touch()", "email", "bottom", "middle", "top", "touch"]
        );
    }

    #[test]
    fn a_function_that_reads_a_table_or_a_view_comes_after_the_tables() {
        let objects = vec![
            object(
                ObjectKind::Function,
                "count_rows()",
                &[(ObjectKind::Table, "users")],
            ),
            object(ObjectKind::View, "v", &[]),
            object(
                ObjectKind::Function,
                "from_view()",
                &[(ObjectKind::View, "v")],
            ),
            object(ObjectKind::Function, "pure()", &[]),
        ];
        let order: Vec<(Phase, &str)> = creation_order(&objects)
            .iter()
            .map(|(phase, o)| (*phase, o.name.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                (Phase::BeforeTables, "pure()"),
                (Phase::AfterTables, "count_rows()"),
                (Phase::AfterTables, "v"),
                (Phase::AfterTables, "from_view()"),
            ]
        );
    }

    #[test]
    fn a_cycle_keeps_the_listed_order() {
        let objects = vec![
            object(ObjectKind::View, "a", &[(ObjectKind::View, "b")]),
            object(ObjectKind::View, "b", &[(ObjectKind::View, "a")]),
        ];
        assert_eq!(creation_order(&objects).len(), 2);
    }

    #[test]
    fn references_read_as_sentences() {
        let mut trigger = object(ObjectKind::Trigger, "audit", &[]);
        trigger.table = Some(TableName::new(Some("sales"), "orders"));
        assert_eq!(trigger.to_string(), "trigger audit on sales.orders");
        let mut view = object(ObjectKind::MaterializedView, "totals", &[]);
        view.schema = Some("report".into());
        assert_eq!(view.to_string(), "materialized view report.totals");
    }
}
