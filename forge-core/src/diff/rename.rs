//! Renames the models ask for (`renamed_from`): found first, emitted first, and
//! applied to a copy of the live schema so the rest of the diff compares the
//! renamed table or column with its model instead of dropping and adding it.

use crate::model::{IndexKey, Schema};

use super::change::Change;

/// Finds the table and column renames and returns them with the live schema
/// as it will be once they ran.
pub(crate) fn apply_renames(desired: &Schema, live: &Schema) -> (Vec<Change>, Schema) {
    let mut live = live.clone();
    let mut changes = Vec::new();

    for table in &desired.tables {
        if live.table(&table.name).is_some() {
            continue;
        }
        // Only when the old name exists live and no model claims it any more.
        let old = table
            .renamed_from
            .iter()
            .find(|old| live.table(old).is_some() && desired.table(old).is_none());
        if let Some(old) = old {
            changes.push(Change::RenameTable {
                from: old.clone(),
                to: table.name.clone(),
            });
            rename_table(&mut live, old, &table.name);
        }
    }

    for table in &desired.tables {
        for column in &table.columns {
            let Some(live_table) = live.table(&table.name) else {
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
                    table: table.name.clone(),
                    from: old.clone(),
                    to: column.name.clone(),
                });
                rename_column(&mut live, &table.name, &old, &column.name);
            }
        }
    }
    live.normalize();
    (changes, live)
}

fn rename_table(schema: &mut Schema, from: &str, to: &str) {
    for table in &mut schema.tables {
        if table.name == from {
            table.name = to.to_string();
        }
        for fk in &mut table.foreign_keys {
            if fk.referenced_table == from {
                fk.referenced_table = to.to_string();
            }
        }
    }
}

/// What PostgreSQL does on `RENAME COLUMN`: every key, constraint and
/// expression of the table now names the new column.
fn rename_column(schema: &mut Schema, table_name: &str, from: &str, to: &str) {
    let swap = |name: &mut String| {
        if name == from {
            *name = to.to_string();
        }
    };
    for table in &mut schema.tables {
        for fk in &mut table.foreign_keys {
            if fk.referenced_table == table_name {
                fk.referenced_columns.iter_mut().for_each(swap);
            }
        }
        if table.name != table_name {
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
        for index in &mut table.indexes {
            for key in &mut index.keys {
                match key {
                    IndexKey::Column { name, .. } => swap(name),
                    IndexKey::Expression { expression, .. } => {
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
/// literals, as a whole word) with `to`.
pub(crate) fn rename_identifier(expr: &str, from: &str, to: &str) -> String {
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
            // A qualified name (`t.col`) or function call is left alone unless it is the column.
            if word == from && chars.get(end) != Some(&'(') {
                out.push_str(to);
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
    }
}
