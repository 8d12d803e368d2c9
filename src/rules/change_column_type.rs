//! `change-column-type`: `ALTER COLUMN … TYPE` rewrites an existing table under an ACCESS
//! EXCLUSIVE lock and breaks app versions that expect the old type.

use super::sql::{alter_table, batched_update, column_swap, free_column_name};
use super::{Rule, RuleMeta};
use crate::catalog::ColumnType;
use crate::context::Context;
use crate::diagnostic::{Finding, Severity, Suggestion};
use crate::ident::{Name, QualifiedName};
use crate::ir::{ActionKind, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct ChangeColumnType;

static META: RuleMeta = RuleMeta {
    id: "change-column-type",
    default_severity: Severity::Error,
    summary: "ALTER COLUMN … TYPE rewrites an existing table under an ACCESS EXCLUSIVE lock",
    docs: include_str!("../../rules/change-column-type.md"),
    once_per_file: false,
};

impl Rule for ChangeColumnType {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::ALTER_TABLE
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let Some(at) = stmt.alter_table() else { return };
        if cx.is_new_table(&at.table) {
            return;
        }
        let catalog = cx.catalog();
        for action in &at.actions {
            let ActionKind::AlterColumnType {
                column,
                data_type,
                using,
            } = &action.kind
            else {
                continue;
            };
            let new_type = cx.text(data_type.span).trim();
            let new = ColumnType::of(data_type, new_type);
            let old = catalog.column_type(&at.table, column);
            // A USING expression may change the values, which rewrites whatever the types.
            if !*using && old.is_some_and(|old| keeps_the_bytes(old, &new)) {
                continue;
            }
            let lock = locks::alter_table_action(&action.kind, cx.pg_version());
            let from = old.map_or(String::new(), |t| format!(" from {}", t.text));
            let indexes = catalog.indexes_on(&at.table, column);
            let rebuilt = match indexes.as_slice() {
                [] => String::new(),
                [one] => format!(" and rebuilds index {one}"),
                many => format!(" and rebuilds indexes {}", many.join(", ")),
            };
            let mut help = String::from(
                "add a column of the new type, write both, backfill in batches, switch reads, then drop the old column",
            );
            match old {
                None => help.push_str(&format!(
                    "; bellows does not know the current type of {} (it was defined in a migration it did not read): if the change is binary-coercible (varchar(n) to text or to a longer varchar, numeric(p,s) to a larger precision) it does not rewrite: silence it with a reason",
                    column.sql()
                )),
                Some(old) if is_timestamp_pair(old, &new) => help.push_str(
                    "; from PostgreSQL 12 this change skips the rewrite only when the session TimeZone is UTC, which a migration cannot count on",
                ),
                Some(_) => {}
            }
            out.push(
                Finding::new(
                    action.focus,
                    format!(
                        "changing the type of {}{from} to {new_type} rewrites {}{rebuilt} under {} lock",
                        column.sql(),
                        at.table.sql(),
                        lock.mode.with_article()
                    ),
                    format!("{} until every row is rewritten", lock.mode.blocks_phrase()),
                )
                .help(help)
                .suggest(suggestion(cx, &at.table, column, new_type, *using))
                .lock(lock),
            );
        }
    }
}

/// True when PostgreSQL changes the column from `old` to `new` without rewriting the table:
/// the same type, or a binary-coercible change whose new modifiers accept every old value
/// (`varchar(n)` to `varchar(m ≥ n)`, `varchar` to `text` and back without a length,
/// `numeric(p, s)` to `numeric(p' ≥ p, s)` or unconstrained `numeric`, `varbit(n)` to a
/// longer or unconstrained `varbit`, `cidr` to `inet`). Anything else rewrites, or may.
fn keeps_the_bytes(old: &ColumnType, new: &ColumnType) -> bool {
    if old.same_as(new) {
        return true;
    }
    let (Some(om), Some(nm)) = (&old.modifiers, &new.modifiers) else {
        return false;
    };
    if old.array || new.array {
        return false;
    }
    // A length limit no smaller than the old one, or none.
    let wider = nm.is_empty() || matches!((om.first(), nm.first()), (Some(o), Some(n)) if n >= o);
    match (old.base.as_str(), new.base.as_str()) {
        ("character varying", "character varying") | ("bit varying", "bit varying") => wider,
        ("character varying", "text") => true,
        ("text", "character varying") => nm.is_empty(),
        // A larger precision with the same scale keeps every value as it is stored.
        ("numeric", "numeric") => {
            let scale = |m: &[u32]| m.get(1).copied().unwrap_or(0);
            nm.is_empty() || (wider && !om.is_empty() && scale(om) == scale(nm))
        }
        ("cidr", "inet") => true,
        _ => false,
    }
}

/// True for `timestamp` to `timestamptz` or back.
fn is_timestamp_pair(old: &ColumnType, new: &ColumnType) -> bool {
    let pair = ["timestamp without time zone", "timestamp with time zone"];
    old.base != new.base && pair.contains(&old.base.as_str()) && pair.contains(&new.base.as_str())
}

fn suggestion(
    cx: &Context,
    table: &QualifiedName,
    column: &Name,
    new_type: &str,
    using: bool,
) -> Suggestion {
    let old = column.sql();
    let new = free_column_name(cx, table, &format!("{}_new", column.folded()), column);
    let mut backfill = batched_update(
        table,
        &format!("{new} = {old}::{new_type}"),
        &format!("{new} IS NULL AND {old} IS NOT NULL"),
    );
    if using {
        backfill = format!("-- put your USING expression in place of the cast\n{backfill}");
    }
    let add = alter_table(table, &format!("ADD COLUMN {new} {new_type}"));
    column_swap(table, &old, &new, add, backfill)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::TypeName;
    use crate::source::Span;

    fn ty(text: &str) -> ColumnType {
        let t = TypeName::new(text.to_lowercase(), Span::default());
        ColumnType::of(&t, text)
    }

    #[test]
    fn binary_coercible_changes_keep_the_bytes() {
        for (old, new) in [
            ("varchar(50)", "varchar(100)"),
            ("varchar(50)", "character varying(50)"),
            ("varchar(50)", "varchar"),
            ("varchar(50)", "text"),
            ("character varying", "text"),
            ("text", "varchar"),
            ("text", "text"),
            ("numeric(10,2)", "numeric(12, 2)"),
            ("numeric(10,2)", "numeric"),
            ("decimal(5)", "numeric(7,0)"),
            ("bit varying(5)", "varbit(8)"),
            ("cidr", "inet"),
            ("mood", "public.mood"),
            ("\"Mood\"", "public.\"Mood\""),
            ("int", "integer"),
        ] {
            assert!(keeps_the_bytes(&ty(old), &ty(new)), "{old} -> {new}");
        }
    }

    #[test]
    fn other_changes_rewrite() {
        for (old, new) in [
            ("int", "bigint"),
            ("varchar(100)", "varchar(50)"),
            ("varchar", "varchar(50)"),
            ("text", "varchar(50)"),
            ("text", "int"),
            ("numeric(10,2)", "numeric(12,3)"),
            ("numeric(10,2)", "numeric(9,2)"),
            ("numeric", "numeric(10,2)"),
            ("timestamp", "timestamptz"),
            ("inet", "cidr"),
            ("varchar(10)[]", "varchar(20)[]"),
            ("mood", "app.mood"),
            ("\"Mood\"", "mood"),
            ("geometry(point, 4326)", "geometry(point, 4326)"),
        ] {
            assert!(!keeps_the_bytes(&ty(old), &ty(new)), "{old} -> {new}");
        }
    }
}
