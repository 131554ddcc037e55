//! Renames the models ask for (`renamed_from`): found first, emitted first, and
//! applied to a copy of the live schema so the rest of the diff compares the
//! renamed table or column with its model instead of dropping and adding it.

use crate::model::{KeyTarget, Schema, TableName};

use super::change::Change;

/// Finds the table, column and enum label renames and returns them with the
/// live schema as it will be once they ran.
pub(crate) fn apply_renames(desired: &Schema, live: &Schema) -> (Vec<Change>, Schema) {
    let mut live = live.clone();
    let mut changes = Vec::new();

    for e in &desired.enums {
        for (old, new) in &e.renamed_labels {
            let Some(live_enum) = live.enums.iter_mut().find(|l| l.name == e.name) else {
                continue;
            };
            // Only when the old label exists live and no model keeps it.
            let applies = live_enum.labels.contains(old)
                && !live_enum.labels.contains(new)
                && !e.labels.contains(old)
                && e.labels.contains(new);
            if applies {
                changes.push(Change::RenameEnumValue {
                    name: e.name.clone(),
                    from: old.clone(),
                    to: new.clone(),
                });
                rename_label(&mut live, &e.name, old, new);
            }
        }
    }

    for table in &desired.tables {
        let schema = table.schema.as_deref();
        if live.table_in(schema, &table.name).is_some() {
            continue;
        }
        // Only when the old name exists live and no model claims it any more.
        let old = table.renamed_from.iter().find(|old| {
            live.table_in(schema, old).is_some() && desired.table_in(schema, old).is_none()
        });
        if let Some(old) = old {
            let from = TableName::new(schema, old.as_str());
            let to = table.qualified_name();
            rename_table(&mut live, &from, &to);
            changes.push(Change::RenameTable { from, to });
        }
    }

    for table in &desired.tables {
        let name = table.qualified_name();
        for column in &table.columns {
            let Some(live_table) = live.table_named(&name) else {
                break;
            };
            if live_table.column(&column.name).is_some() {
                continue;
            }
            let old = column
                .renamed_from
                .iter()
                .find(|old| live_table.column(old).is_some() && table.column(old).is_none())
                .cloned();
            if let Some(old) = old {
                changes.push(Change::RenameColumn {
                    table: name.clone(),
                    from: old.clone(),
                    to: column.name.clone(),
                });
                rename_column(&mut live, &name, &old, &column.name);
            }
        }
    }
    live.normalize();
    (changes, live)
}

/// What PostgreSQL does on `RENAME VALUE`: the type's label, and every value
/// of it, which expressions print as `'label'::type`.
fn rename_label(schema: &mut Schema, name: &str, from: &str, to: &str) {
    for e in schema.enums.iter_mut().filter(|e| e.name == name) {
        for label in &mut e.labels {
            if label == from {
                *label = to.to_string();
            }
        }
    }
    let literal = |label: &str| format!("'{}'", label.replace('\'', "''"));
    let casts = |label: &str| {
        [
            format!("{}::{name}", literal(label)),
            format!("{}::\"{}\"", literal(label), name.replace('"', "\"\"")),
        ]
    };
    let rewrite = |text: &mut String| {
        for (old, new) in casts(from).iter().zip(casts(to)) {
            *text = text.replace(old.as_str(), &new);
        }
    };
    for table in &mut schema.tables {
        for column in &mut table.columns {
            if let Some(default) = &mut column.default {
                rewrite(default);
            }
        }
        for check in &mut table.checks {
            rewrite(&mut check.expression);
        }
        for index in &mut table.indexes {
            if let Some(p) = &mut index.predicate {
                rewrite(p);
            }
        }
    }
}

fn rename_table(schema: &mut Schema, from: &TableName, to: &TableName) {
    for table in &mut schema.tables {
        if table.qualified_name() == *from {
            table.name = to.name.clone();
        }
        for fk in &mut table.foreign_keys {
            if fk.referenced() == *from {
                fk.referenced_table = to.name.clone();
            }
        }
    }
}

/// What PostgreSQL does on `RENAME COLUMN`: every key, constraint and
/// expression of the table now names the new column.
fn rename_column(schema: &mut Schema, table_name: &TableName, from: &str, to: &str) {
    let swap = |name: &mut String| {
        if name == from {
            *name = to.to_string();
        }
    };
    for table in &mut schema.tables {
        for fk in &mut table.foreign_keys {
            if fk.referenced() == *table_name {
                fk.referenced_columns.iter_mut().for_each(swap);
            }
        }
        if table.qualified_name() != *table_name {
            continue;
        }
        table.columns.iter_mut().for_each(|c| swap(&mut c.name));
        if let Some(pk) = &mut table.primary_key {
            pk.columns.iter_mut().for_each(swap);
        }
        for unique in &mut table.uniques {
            unique.columns.iter_mut().for_each(swap);
        }
        for fk in &mut table.foreign_keys {
            fk.columns.iter_mut().for_each(swap);
        }
        for check in &mut table.checks {
            check.expression = rename_identifier(&check.expression, from, to);
        }
        for column in &mut table.columns {
            if let Some(g) = &mut column.generated {
                *g = rename_identifier(g, from, to);
            }
        }
        for index in &mut table.indexes {
            index.include.iter_mut().for_each(swap);
            for key in &mut index.keys {
                match &mut key.target {
                    KeyTarget::Column(name) => swap(name),
                    KeyTarget::Expression(expression) => {
                        *expression = rename_identifier(expression, from, to)
                    }
                }
            }
            if let Some(p) = &mut index.predicate {
                *p = rename_identifier(p, from, to);
            }
        }
    }
}

/// Replaces the identifier `from` (bare or double-quoted, outside string
/// literals, as a whole word) with `to`, quoted where PostgreSQL would need
/// it. A bare word names its lowercase spelling (`Price` is `price`); a word
/// called as a function or written as a type after `::` is no column.
pub fn rename_identifier(expr: &str, from: &str, to: &str) -> String {
    let to_bare = crate::model::expression::quote_ident(to);
    let mut out = String::with_capacity(expr.len());
    let chars: Vec<char> = expr.chars().collect();
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // Copy the literal through its closing quote ('' is an escaped quote).
            out.push(c);
            i += 1;
            while i < chars.len() {
                out.push(chars[i]);
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        out.push('\'');
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
        } else if c == '"' {
            let end = chars[i + 1..]
                .iter()
                .position(|&x| x == '"')
                .map_or(chars.len(), |p| i + 1 + p);
            let name: String = chars[i + 1..end.min(chars.len())].iter().collect();
            if name == from {
                out.push_str(&format!("\"{}\"", to.replace('"', "\"\"")));
            } else {
                out.push('"');
                out.push_str(&name);
                if end < chars.len() {
                    out.push('"');
                }
            }
            i = end + 1;
        } else if is_word(c) && (i == 0 || !is_word(chars[i - 1])) {
            let end = chars[i..]
                .iter()
                .position(|&x| !is_word(x))
                .map_or(chars.len(), |p| i + p);
            let word: String = chars[i..end].iter().collect();
            let mut j = i;
            while j > 0 && chars[j - 1].is_whitespace() {
                j -= 1;
            }
            let cast = j >= 2 && chars[j - 1] == ':' && chars[j - 2] == ':';
            let call = chars[end..].iter().find(|c| !c.is_whitespace()) == Some(&'(');
            if word.to_lowercase() == from && !call && !cast {
                out.push_str(&to_bare);
            } else {
                out.push_str(&word);
            }
            i = end;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_renamed_as_whole_words_outside_literals() {
        assert_eq!(rename_identifier("price > 0", "price", "cost"), "cost > 0");
        assert_eq!(
            rename_identifier("(price_old > price)", "price", "cost"),
            "(price_old > cost)"
        );
        assert_eq!(
            rename_identifier("\"price\" <> 'price'", "price", "cost"),
            "\"cost\" <> 'price'"
        );
        assert_eq!(
            rename_identifier("x = 'it''s price'", "price", "cost"),
            "x = 'it''s price'"
        );
        // Unquoted words fold to lowercase; types and calls are no columns;
        // a name that needs quotes gets them.
        assert_eq!(
            rename_identifier("Date > '2020-01-01'::date AND date(x) > 0", "date", "Day"),
            "\"Day\" > '2020-01-01'::date AND date(x) > 0"
        );
    }
}
