//! When two definitions are "the same": the rules that keep autogenerate from
//! reporting changes that are not there, without ever calling two different
//! things equal. Expressions compare by their [`expression::key`], or through
//! the server: `Settled` holds what PostgreSQL printed for the models'
//! expressions (see `autogenerate`), which compares exactly with what it
//! prints for the live database's.

use crate::model::expression;
use crate::model::{
    CheckConstraint, Column, ForeignKey, Index, IndexKey, KeyTarget, PrimaryKey, Table,
    UniqueConstraint,
};

/// The desired table as PostgreSQL stores it, when the server was asked
/// (names as in the model): the other side of every expression comparison.
#[derive(Clone, Copy, Default)]
pub(crate) struct Settled<'a> {
    pub table: Option<&'a Table>,
}

impl<'a> Settled<'a> {
    fn column(&self, name: &str) -> Option<&'a Column> {
        self.table?.column(name)
    }

    fn check(&self, name: &str) -> Option<&'a CheckConstraint> {
        self.table?.checks.iter().find(|c| c.name == name)
    }

    fn index(&self, name: &str) -> Option<&'a Index> {
        self.table?.indexes.iter().find(|i| i.name == name)
    }
}

/// `desired` (as written) and `live` (as the server prints it) are the same
/// expression: alike by their keys, or the server prints `desired` as `live`.
pub(crate) fn same_expression(desired: &str, settled: Option<&str>, live: &str) -> bool {
    expression::same(desired, live) || settled.is_some_and(|s| expression::same(s, live))
}

fn same_optional_expression(
    desired: &Option<String>,
    settled: Option<&Option<String>>,
    live: &Option<String>,
) -> bool {
    match (desired, live) {
        (None, None) => true,
        (Some(d), Some(l)) => same_expression(d, settled.and_then(|s| s.as_deref()), l),
        _ => false,
    }
}

pub(crate) fn same_default(desired: &Column, settled: Settled, live: &Column) -> bool {
    let literal_cast = match (&desired.default, &live.default) {
        (Some(d), Some(l)) => expression::same_default(d, l),
        _ => false,
    };
    let settled = settled.column(&desired.name).map(|c| &c.default);
    literal_cast || same_optional_expression(&desired.default, settled, &live.default)
}

pub(crate) fn same_generated(desired: &Column, settled: Settled, live: &Column) -> bool {
    let settled = settled.column(&desired.name).map(|c| &c.generated);
    same_optional_expression(&desired.generated, settled, &live.generated)
}

pub(crate) fn comment(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|c| !c.trim().is_empty())
}

pub(crate) fn same_comment(a: &Option<String>, b: &Option<String>) -> bool {
    comment(a) == comment(b)
}

pub(crate) fn same_primary_key(a: &PrimaryKey, b: &PrimaryKey) -> bool {
    a.columns == b.columns
}

pub(crate) fn same_unique(a: &UniqueConstraint, b: &UniqueConstraint) -> bool {
    a.columns == b.columns
        && a.nulls_not_distinct == b.nulls_not_distinct
        && a.include == b.include
        && a.deferrable == b.deferrable
}

/// Same columns, target and behaviour. A live `NOT VALID` is the same
/// constraint (validating it is the user's call, in a migration of their own).
pub(crate) fn same_foreign_key(a: &ForeignKey, b: &ForeignKey) -> bool {
    a.columns == b.columns
        && a.referenced_schema == b.referenced_schema
        && a.referenced_table == b.referenced_table
        && a.referenced_columns == b.referenced_columns
        && a.on_delete == b.on_delete
        && a.on_update == b.on_update
        && a.deferrable == b.deferrable
        && a.match_type == b.match_type
}

/// Same expression. A live `NOT VALID` or `NO INHERIT` is the same
/// constraint: the models cannot say either, and the diff keeps them.
pub(crate) fn same_check(
    desired: &CheckConstraint,
    settled: Settled,
    live: &CheckConstraint,
) -> bool {
    let settled = settled.check(&desired.name).map(|c| c.expression.as_str());
    same_expression(&desired.expression, settled, &live.expression)
}

pub(crate) fn same_index(desired: &Index, settled: Settled, live: &Index) -> bool {
    let settled = settled.index(&desired.name);
    let method = |i: &Index| {
        i.method
            .as_deref()
            .map(str::to_ascii_lowercase)
            .filter(|m| m != "btree")
    };
    desired.unique == live.unique
        && desired.nulls_not_distinct == live.nulls_not_distinct
        && desired.include == live.include
        && method(desired) == method(live)
        && same_optional_expression(
            &desired.predicate,
            settled.map(|s| &s.predicate),
            &live.predicate,
        )
        && desired.keys.len() == live.keys.len()
        && desired.keys.iter().enumerate().all(|(i, d)| {
            let settled = settled.and_then(|s| s.keys.get(i));
            same_key(d, settled, &live.keys[i])
        })
}

fn same_key(desired: &IndexKey, settled: Option<&IndexKey>, live: &IndexKey) -> bool {
    let target = match (&desired.target, &live.target) {
        (KeyTarget::Column(a), KeyTarget::Column(b)) => a == b,
        (KeyTarget::Expression(d), KeyTarget::Expression(l)) => {
            let settled = settled.and_then(|s| match &s.target {
                KeyTarget::Expression(e) => Some(e.as_str()),
                KeyTarget::Column(_) => None,
            });
            same_expression(d, settled, l)
        }
        // An expression that is just a column is stored as the column.
        (KeyTarget::Column(name), KeyTarget::Expression(e))
        | (KeyTarget::Expression(e), KeyTarget::Column(name)) => expression::same(e, name),
    };
    let opclass = |k: &IndexKey| k.opclass.as_deref().map(str::to_ascii_lowercase);
    target
        && desired.descending == live.descending
        && desired.nulls == live.nulls
        && opclass(desired) == opclass(live)
        && desired.collation == live.collation
}
