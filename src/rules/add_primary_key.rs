//! `add-primary-key`: `ADD PRIMARY KEY` builds its index (and may set NOT NULL) under an
//! ACCESS EXCLUSIVE lock on an existing table.

use super::sql::{alter_table, free_name, index_then_constraint, pg_name, step, text_without};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Step, Suggestion};
use crate::ident::{Name, QualifiedName};
use crate::ir::{ConstraintKind, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct AddPrimaryKey;

static META: RuleMeta = RuleMeta {
    id: "add-primary-key",
    default_severity: Severity::Error,
    summary: "ADD PRIMARY KEY builds an index on an existing table under an ACCESS EXCLUSIVE lock",
    docs: include_str!("../../rules/add-primary-key.md"),
    once_per_file: false,
};

impl Rule for AddPrimaryKey {
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
                if !matches!(c.kind, ConstraintKind::PrimaryKey) || c.using_index.is_some() {
                    continue;
                }
                let lock = locks::alter_table_action(&action.kind, cx.pg_version());
                let name = match &c.name {
                    Some(n) => n.sql(),
                    None => free_name(
                        cx,
                        &at.table,
                        &pg_name(&at.table.display_name(), &[], "pkey"),
                        &at.table.name,
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
                steps.extend(not_null_first(
                    cx,
                    &at.table,
                    &c.columns,
                    cx.pg_version().at_least(12),
                ));
                steps.extend(index_then_constraint(
                    &at.table,
                    &name,
                    &c.columns,
                    "PRIMARY KEY",
                ));
                out.push(
                    Finding::new(
                        c.span,
                        format!(
                            "adding primary key {name} builds its index on {} under {} lock",
                            at.table.sql(),
                            lock.mode.with_article()
                        ),
                        format!("{} until the index is built", lock.mode.blocks_phrase()),
                    )
                    .help("build a unique index CONCURRENTLY (writes go on), then add the primary key USING INDEX; prove the columns NOT NULL with validated CHECK constraints first so that no scan runs under the lock")
                    .suggest(Suggestion {
                        title: "build the unique index concurrently, then attach it as the primary key".into(),
                        mechanical: false,
                        steps,
                    })
                    .lock(lock),
                );
            }
        }
    }
}

/// `PRIMARY KEY USING INDEX` sets NOT NULL on nullable key columns, which scans under ACCESS
/// EXCLUSIVE unless (PostgreSQL 12+) a validated `CHECK (col IS NOT NULL)` proves it: these
/// steps add and validate those checks, and on 12+ set NOT NULL and drop them.
fn not_null_first(
    cx: &Context,
    table: &QualifiedName,
    columns: &[Name],
    can_skip_scan: bool,
) -> Vec<Step> {
    let check = |c: &Name| {
        free_name(
            cx,
            table,
            &format!("{}_{}_not_null", table.display_name(), c.folded()),
            c,
        )
    };
    let all = |f: &dyn Fn(&Name) -> String| columns.iter().map(f).collect::<Vec<_>>().join("\n");
    let mut steps = vec![
        step(
            Phase::Expand,
            format!(
                "-- skip the NOT NULL steps for columns that are NOT NULL already\n{}",
                all(&|c| alter_table(
                    table,
                    &format!(
                        "ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID",
                        check(c),
                        c.sql()
                    )
                ))
            ),
            true,
        ),
        step(
            Phase::Backfill,
            all(&|c| alter_table(table, &format!("VALIDATE CONSTRAINT {}", check(c)))),
            true,
        ),
    ];
    if can_skip_scan {
        steps.push(step(
            Phase::Expand,
            all(&|c| {
                format!(
                    "{}\n{}",
                    alter_table(table, &format!("ALTER COLUMN {} SET NOT NULL", c.sql())),
                    alter_table(table, &format!("DROP CONSTRAINT {}", check(c)))
                )
            }),
            true,
        ));
    }
    steps
}
