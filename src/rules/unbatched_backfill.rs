//! `unbatched-backfill`: an `UPDATE` or `DELETE` of a whole existing table in one statement,
//! or in the transaction that changed the table's schema, holds its locks for the whole run.

use super::sql::{BATCH_SIZE, batched_update, step};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ident::QualifiedName;
use crate::ir::{Assignment, Expr, Op, Statement};
use crate::locks::{self, Relation};
use crate::volatility::{self, Volatility};

/// The rule.
pub struct UnbatchedBackfill;

static META: RuleMeta = RuleMeta {
    id: "unbatched-backfill",
    default_severity: Severity::Warning,
    summary: "UPDATE or DELETE of a whole existing table, or in the transaction that changed its schema",
    docs: include_str!("../../rules/unbatched-backfill.md"),
    once_per_file: false,
};

impl Rule for UnbatchedBackfill {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let (verb, table, has_where, assignments, filter) = match &stmt.op {
            Op::Update {
                table,
                has_where,
                assignments,
                filter,
            } => ("UPDATE", table, *has_where, assignments.as_slice(), filter),
            Op::Delete {
                table,
                has_where,
                filter,
            } => ("DELETE", table, *has_where, [].as_slice(), filter),
            _ => return,
        };
        if cx.is_new_table(table) {
            return;
        }
        let after_ddl = cx.ddl_in_transaction(table);
        if has_where && !after_ddl {
            return;
        }
        let Some(lock) = locks::statement(stmt, cx.pg_version())
            .into_iter()
            .find(|l| matches!(&l.relation, Relation::Table(t) if t.key() == table.key()))
            .map(|l| l.facts)
        else {
            return;
        };
        let (message, label) = match (after_ddl, cx.lock_held(table)) {
            (true, Some(held)) => (
                format!(
                    "{verb} of {} in the transaction that changed its schema keeps {} on it until every row is done",
                    table.sql(),
                    held.name()
                ),
                format!("{} until the transaction commits", held.blocks_phrase()),
            ),
            _ => (
                format!(
                    "{verb} of every row of {} in one statement",
                    table.sql()
                ),
                "locks every row it touches until the transaction commits, and bloats the table at once".into(),
            ),
        };
        let mut help = format!(
            "{} in batches of {BATCH_SIZE} rows, each batch in its own transaction, after the schema change has committed",
            verb.to_lowercase()
        );
        if verb == "DELETE" && !has_where {
            help.push_str(&format!(
                "; to empty the table at once, TRUNCATE is instant (but takes {})",
                locks::truncate().mode.name()
            ));
        }
        let mut finding = Finding::new(stmt.keyword_span, message, label)
            .help(help)
            .lock(lock);
        let filter = filter.as_ref().map(|f| cx.text(f.span).trim());
        let batch = match (verb, has_where, filter) {
            // A condition bellows cannot move into the batch must not be dropped from it.
            (_, true, None) => None,
            ("DELETE", ..) => Some(batched_delete(table, filter)),
            _ => batched_set(cx, table, assignments, filter),
        };
        if let Some(sql) = batch {
            finding = finding.suggest(Suggestion {
                title: format!(
                    "{} in batches, each in its own transaction",
                    verb.to_lowercase()
                ),
                mechanical: false,
                steps: vec![step(Phase::Backfill, sql, true)],
            });
        }
        out.push(finding);
    }
}

/// One batch of a DELETE: the rows it removes no longer match, so the loop ends.
fn batched_delete(table: &QualifiedName, filter: Option<&str>) -> String {
    let t = table.sql();
    let filter = filter.map_or(String::new(), |f| format!(" WHERE {f}"));
    format!(
        "-- repeat until it deletes 0 rows, each run in its own transaction\n\
         DELETE FROM {t} WHERE ctid IN (SELECT ctid FROM {t}{filter} LIMIT {BATCH_SIZE});"
    )
}

/// One batch of an UPDATE. The batch must skip rows already done: when every assignment is
/// immutable and does not read its own column, `col IS DISTINCT FROM (value)` says so;
/// otherwise the user's own condition has to, and without one there is no safe batch.
fn batched_set(
    cx: &Context,
    table: &QualifiedName,
    assignments: &[Assignment],
    filter: Option<&str>,
) -> Option<String> {
    if assignments.is_empty() {
        return None;
    }
    let set = assignments
        .iter()
        .map(|a| format!("{} = {}", a.column.sql(), cx.text(a.value.span).trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let repeatable = assignments
        .iter()
        .all(|a| is_immutable(&a.value) && !mentions(cx.text(a.value.span), &a.column.folded()));
    let pending = if repeatable {
        let not_done = assignments
            .iter()
            .map(|a| {
                format!(
                    "{} IS DISTINCT FROM ({})",
                    a.column.sql(),
                    cx.text(a.value.span).trim()
                )
            })
            .collect::<Vec<_>>()
            .join(" OR ");
        match filter {
            Some(f) => format!("({f}) AND ({not_done})"),
            None => not_done,
        }
    } else {
        filter?.to_string()
    };
    let batch = batched_update(table, &set, &pending);
    Some(if repeatable {
        batch
    } else {
        format!(
            "-- the inner WHERE must leave out rows already updated, or this never ends\n{batch}"
        )
    })
}

/// True when every function the value calls is IMMUTABLE: the value is the same in every
/// batch's transaction. `DEFAULT` is not a value that can be compared.
fn is_immutable(value: &Expr) -> bool {
    !value.text.eq_ignore_ascii_case("DEFAULT")
        && value
            .calls
            .iter()
            .all(|c| volatility::of_function(c) == Some(Volatility::Immutable))
}

/// True when `text` mentions the identifier `column` (compared case-insensitively, as a
/// whole word): `count + 1` for column `count`.
fn mentions(text: &str, column: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w.eq_ignore_ascii_case(column))
}
