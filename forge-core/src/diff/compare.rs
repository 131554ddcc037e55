//! When two definitions are "the same": the rules that keep autogenerate from
//! reporting changes that are not there (expressions compared through
//! [`normalize`], `btree` as the default index method, empty comments as none).

use crate::model::normalize::{comparison_key, default_expression};
use crate::model::{CheckConstraint, ForeignKey, Index, IndexKey, PrimaryKey, UniqueConstraint};

pub(crate) fn same_default(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => default_expression(a) == default_expression(b),
        _ => false,
    }
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
}

pub(crate) fn same_foreign_key(a: &ForeignKey, b: &ForeignKey) -> bool {
    a.columns == b.columns
        && a.referenced_table == b.referenced_table
        && a.referenced_columns == b.referenced_columns
        && a.on_delete == b.on_delete
        && a.on_update == b.on_update
        && a.deferrable == b.deferrable
}

pub(crate) fn same_check(a: &CheckConstraint, b: &CheckConstraint) -> bool {
    comparison_key(&a.expression) == comparison_key(&b.expression)
}

pub(crate) fn same_index(a: &Index, b: &Index) -> bool {
    let method = |i: &Index| {
        i.method
            .as_deref()
            .map(str::to_ascii_lowercase)
            .filter(|m| m != "btree")
    };
    let predicate = |i: &Index| i.predicate.as_deref().map(comparison_key);
    a.unique == b.unique
        && method(a) == method(b)
        && predicate(a) == predicate(b)
        && a.keys.len() == b.keys.len()
        && a.keys.iter().zip(&b.keys).all(|(x, y)| same_key(x, y))
}

fn same_key(a: &IndexKey, b: &IndexKey) -> bool {
    match (a, b) {
        (
            IndexKey::Column {
                name: x,
                descending: dx,
            },
            IndexKey::Column {
                name: y,
                descending: dy,
            },
        ) => x == y && dx == dy,
        (
            IndexKey::Expression {
                expression: x,
                descending: dx,
            },
            IndexKey::Expression {
                expression: y,
                descending: dy,
            },
        ) => dx == dy && comparison_key(x) == comparison_key(y),
        // An expression that is just a column reads back as the column.
        (
            IndexKey::Column {
                name,
                descending: false,
            },
            IndexKey::Expression {
                expression: e,
                descending: false,
            },
        )
        | (
            IndexKey::Expression {
                expression: e,
                descending: false,
            },
            IndexKey::Column {
                name,
                descending: false,
            },
        ) => comparison_key(e) == comparison_key(name),
        _ => false,
    }
}
