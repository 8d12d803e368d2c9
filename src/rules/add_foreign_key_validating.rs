//! `add-foreign-key-validating`: adding a foreign key without `NOT VALID` scans the existing
//! table while both it and the referenced table are locked against writes.

use super::sql::{alter_table, free_name, pg_name, step, text_without};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ident::QualifiedName;
use crate::ir::{Action, ColumnDef, Constraint, ConstraintKind, OpKinds, Statement};
use crate::locks::{self, Relation};

/// The rule.
pub struct AddForeignKeyValidating;

static META: RuleMeta = RuleMeta {
    id: "add-foreign-key-validating",
    default_severity: Severity::Error,
    summary: "ADD FOREIGN KEY without NOT VALID scans an existing table while blocking writes to both tables",
    docs: include_str!("../../rules/add-foreign-key-validating.md"),
    once_per_file: false,
};

impl Rule for AddForeignKeyValidating {
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
        let pg = cx.pg_version();
        // Only a statement that adds a foreign key needs its locks.
        let mut statement_locks = None;
        for action in &at.actions {
            for (c, column) in action.added_constraints() {
                let ConstraintKind::ForeignKey { references } = &c.kind else {
                    continue;
                };
                if c.not_valid {
                    continue;
                }
                let lock = locks::alter_table_action(&action.kind, pg);
                let referenced = statement_locks
                    .get_or_insert_with(|| locks::statement(stmt, pg))
                    .iter()
                    .find(
                    |l| matches!(&l.relation, Relation::Table(t) if t.key() == references.key()),
                );
                let (held, blocked) = referenced.map_or((String::new(), String::new()), |l| {
                    (
                        format!(" and {} on {}", l.facts.mode.name(), references.sql()),
                        format!(
                            ", {} on {},",
                            l.facts.mode.blocks_phrase(),
                            references.sql()
                        ),
                    )
                });
                let name = constraint_name(cx, &at.table, c);
                out.push(
                    Finding::new(
                        c.span,
                        format!(
                            "validating foreign key {name} scans {} while holding {} on it{held}",
                            at.table.sql(),
                            lock.mode.name(),
                        ),
                        format!(
                            "{} on {}{blocked} until every row is checked",
                            lock.mode.blocks_phrase(),
                            at.table.sql()
                        ),
                    )
                    .help("add the foreign key NOT VALID (new rows are checked at once), then VALIDATE CONSTRAINT in a separate transaction, which lets reads and writes go on")
                    .suggest(suggestion(cx, &at.table, action, c, column, &name))
                    .lock(lock),
                );
            }
        }
    }
}

/// The constraint's name, or one like PostgreSQL would give it (`<table>_<columns>_fkey`)
/// that no known constraint or relation has.
fn constraint_name(cx: &Context, table: &QualifiedName, c: &Constraint) -> String {
    match &c.name {
        Some(n) => n.sql(),
        None => free_name(
            cx,
            table,
            &pg_name(
                &table.display_name(),
                &c.columns.iter().map(|n| n.folded()).collect::<Vec<_>>(),
                "fkey",
            ),
            c.columns.first().unwrap_or(&table.name),
        ),
    }
}

fn suggestion(
    cx: &Context,
    table: &QualifiedName,
    action: &Action,
    c: &Constraint,
    column: Option<&ColumnDef>,
    name: &str,
) -> Suggestion {
    let body = cx.text(c.body_span()).trim();
    let add = match column {
        // A column's `REFERENCES …` becomes a table constraint on that column.
        Some(col) => format!(
            "{}\n{}",
            alter_table(table, &text_without(cx, action.span, c.span)),
            alter_table(
                table,
                &format!(
                    "ADD CONSTRAINT {name} FOREIGN KEY ({}) {body} NOT VALID",
                    col.name.sql()
                )
            )
        ),
        None => alter_table(table, &format!("ADD CONSTRAINT {name} {body} NOT VALID")),
    };
    Suggestion {
        title: "add the foreign key NOT VALID, then validate it in a separate transaction".into(),
        mechanical: true,
        steps: vec![
            step(Phase::Expand, add, true),
            step(
                Phase::Backfill,
                alter_table(table, &format!("VALIDATE CONSTRAINT {name}")),
                true,
            ),
        ],
    }
}
