//! `add-unique-constraint`: `ADD UNIQUE` (or `EXCLUDE`) builds its index under an ACCESS
//! EXCLUSIVE lock on an existing table.

use super::sql::{
    acknowledged, alter_table, free_name, index_then_constraint, pg_name, step, text_without,
};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ir::{ConstraintKind, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct AddUniqueConstraint;

static META: RuleMeta = RuleMeta {
    id: "add-unique-constraint",
    default_severity: Severity::Error,
    summary: "ADD UNIQUE or EXCLUDE builds an index on an existing table under an ACCESS EXCLUSIVE lock",
    docs: include_str!("../../rules/add-unique-constraint.md"),
    once_per_file: false,
};

impl Rule for AddUniqueConstraint {
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
        for action in &at.actions {
            for (c, column) in action.added_constraints() {
                let exclude = match c.kind {
                    ConstraintKind::Unique => false,
                    ConstraintKind::Exclude => true,
                    _ => continue,
                };
                if c.using_index.is_some() {
                    continue;
                }
                let lock = locks::alter_table_action(&action.kind, cx.pg_version());
                let what = if exclude {
                    "an exclusion constraint"
                } else {
                    "a UNIQUE constraint"
                };
                let finding = Finding::new(
                    c.span,
                    format!(
                        "adding {what} builds its index on {} under {} lock",
                        at.table.sql(),
                        lock.mode.with_article()
                    ),
                    format!("{} until the index is built", lock.mode.blocks_phrase()),
                )
                .lock(lock);
                let (help, suggestion) = if exclude {
                    (
                        "an exclusion constraint cannot be built from an existing index: run it at a quiet time with a short lock_timeout and retry on timeout",
                        Suggestion {
                            title: "no concurrent form exists: run it at a quiet time, with a lock_timeout".into(),
                            mechanical: false,
                            steps: vec![step(
                                Phase::Expand,
                                format!(
                                    "SET lock_timeout = '5s';\n{}",
                                    acknowledged(
                                        META.id,
                                        "no concurrent form; run at a quiet time",
                                        &format!("{};", cx.text(stmt.span).trim()),
                                    )
                                ),
                                true,
                            )],
                        },
                    )
                } else {
                    let name = match &c.name {
                        Some(n) => n.sql(),
                        None => free_name(
                            cx,
                            &at.table,
                            &pg_name(
                                &at.table.display_name(),
                                &c.columns.iter().map(|n| n.folded()).collect::<Vec<_>>(),
                                "key",
                            ),
                            c.columns.first().unwrap_or(&at.table.name),
                        ),
                    };
                    let mut steps = Vec::new();
                    if column.is_some() {
                        steps.push(step(
                            Phase::Expand,
                            alter_table(&at.table, &text_without(cx, action.span, c.span)),
                            true,
                        ));
                    }
                    steps.extend(index_then_constraint(
                        &at.table, &name, &c.columns, "UNIQUE",
                    ));
                    (
                        "build a unique index CONCURRENTLY (writes go on), then add the constraint USING INDEX, which is instant",
                        Suggestion {
                            title: "build the unique index concurrently, then attach it as the constraint".into(),
                            mechanical: true,
                            steps,
                        },
                    )
                };
                out.push(finding.help(help).suggest(suggestion));
            }
        }
    }
}
