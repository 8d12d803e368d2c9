//! `add-column-rewrite`: `ADD COLUMN` that gives existing rows per-row values (a volatile
//! default, serial, identity, a stored generated column), or any default before PostgreSQL
//! 11, rewrites the whole table under an ACCESS EXCLUSIVE lock.

use super::sql::{
    BATCH_SIZE, alter_table, app_step, batched_update, free_name, literal, not_null_steps, pg_name,
    step,
};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Step, Suggestion};
use crate::ident::QualifiedName;
use crate::ir::{ActionKind, ColumnDef, OpKinds, Statement};
use crate::locks::{self, AddColumnRewrite as Cause};
use crate::volatility::VolatileCall;

/// The rule.
pub struct AddColumnRewrite;

static META: RuleMeta = RuleMeta {
    id: "add-column-rewrite",
    default_severity: Severity::Error,
    summary: "ADD COLUMN with a volatile default, serial, identity or stored generated column rewrites an existing table",
    docs: include_str!("../../rules/add-column-rewrite.md"),
    once_per_file: false,
};

impl Rule for AddColumnRewrite {
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
        for action in &at.actions {
            let ActionKind::AddColumn { column, .. } = &action.kind else {
                continue;
            };
            let Some(cause) = locks::add_column_rewrite(column, pg) else {
                continue;
            };
            let lock = locks::alter_table_action(&action.kind, pg);
            let default_span = column.default.as_ref().map_or(column.span, |d| d.span);
            let (at_span, why) = match &cause {
                Cause::Serial => (
                    column.data_type.span,
                    format!(
                        "{} gives every existing row its own sequence value",
                        column.data_type.text
                    ),
                ),
                Cause::Identity => (
                    column.span,
                    "an identity column gives every existing row its own sequence value".into(),
                ),
                Cause::GeneratedStored => (
                    column.span,
                    "a stored generated column is computed and written for every existing row"
                        .into(),
                ),
                Cause::VolatileDefault(VolatileCall::Known(f)) => (
                    default_span,
                    format!("{f}() is volatile, so the default is computed for every existing row"),
                ),
                Cause::VolatileDefault(VolatileCall::Unknown(f)) => (
                    default_span,
                    format!(
                        "bellows does not know {f}(); PostgreSQL makes a function VOLATILE unless it is declared IMMUTABLE or STABLE, so the default is taken to be computed for every existing row"
                    ),
                ),
                Cause::DefaultBefore11 => (
                    default_span,
                    "before PostgreSQL 11 every default is written into every existing row".into(),
                ),
            };
            let mut help = format!(
                "{why}; add the column without it, fill existing rows in batches, then enforce it"
            );
            if matches!(cause, Cause::VolatileDefault(VolatileCall::Unknown(_))) {
                help.push_str(
                    "; if the function is IMMUTABLE or STABLE there is no rewrite: silence this with `-- bellows-ignore add-column-rewrite: <function> is STABLE`",
                );
            }
            if matches!(cause, Cause::GeneratedStored) {
                help.push_str(
                    "; from PostgreSQL 18 a VIRTUAL generated column is added without a rewrite",
                );
            }
            out.push(
                Finding::new(
                    at_span,
                    format!(
                        "adding column {} rewrites {} under {} lock",
                        column.name.sql(),
                        at.table.sql(),
                        lock.mode.with_article()
                    ),
                    format!("{} until every row is rewritten", lock.mode.blocks_phrase()),
                )
                .help(help)
                .suggest(suggestion(cx, &at.table, column, &cause))
                .lock(lock),
            );
        }
    }
}

/// The plain integer type behind a serial type.
fn serial_base(column: &ColumnDef) -> &'static str {
    match column.data_type.base() {
        "bigserial" => "bigint",
        "smallserial" => "smallint",
        _ => "integer",
    }
}

fn suggestion(
    cx: &Context,
    table: &QualifiedName,
    column: &ColumnDef,
    cause: &Cause,
) -> Suggestion {
    let col = column.name.sql();
    let type_sql = match cause {
        Cause::Serial => serial_base(column).to_string(),
        _ => cx.text(column.data_type.span).trim().to_string(),
    };
    let add = alter_table(table, &format!("ADD COLUMN {col} {type_sql}"));
    let pending = format!("{col} IS NULL");
    let mut steps: Vec<Step> = Vec::new();
    let title = match cause {
        Cause::Serial | Cause::Identity => {
            // Named like the sequence PostgreSQL would create for a serial column, in the
            // table's schema.
            let name = free_name(
                cx,
                table,
                &pg_name(&table.display_name(), &[column.name.folded()], "seq"),
                &column.name,
            );
            let seq = match &table.schema {
                Some(s) => format!("{}.{name}", s.sql()),
                None => name,
            };
            let next = format!("nextval({})", literal(&seq));
            let mut expand = format!(
                "{add}\nCREATE SEQUENCE {seq} OWNED BY {}.{col};\n{}",
                table.sql(),
                alter_table(table, &format!("ALTER COLUMN {col} SET DEFAULT {next}"))
            );
            if matches!(cause, Cause::Identity) {
                expand = format!(
                    "-- the column draws from its own sequence; once it is filled and NOT NULL it can\n-- become an identity column with DROP DEFAULT and ADD GENERATED BY DEFAULT AS IDENTITY\n{expand}"
                );
            }
            steps.push(step(Phase::Expand, expand, true));
            steps.push(step(
                Phase::Backfill,
                batched_update(table, &format!("{col} = {next}"), &pending),
                true,
            ));
            "add the column with a sequence default, number existing rows in batches, then make it NOT NULL"
        }
        Cause::GeneratedStored => {
            steps.push(step(Phase::Expand, add, true));
            steps.push(app_step(&[
                &format!(
                    "Compute {col} on every INSERT and UPDATE, in the app or in a BEFORE INSERT OR UPDATE"
                ),
                "trigger, from the expression of its GENERATED ALWAYS AS (…) clause, and deploy that.",
            ]));
            steps.push(step(
                Phase::Backfill,
                format!(
                    "-- fill existing rows in batches of {}, each in its own transaction, until none is left:\n-- UPDATE {t} SET {col} = (<the generation expression>) WHERE ctid IN (SELECT ctid FROM {t} WHERE {pending} LIMIT {});",
                    BATCH_SIZE,
                    BATCH_SIZE,
                    t = table.sql()
                ),
                true,
            ));
            "add a plain column kept up to date on write, and fill it in batches"
        }
        Cause::VolatileDefault(_) | Cause::DefaultBefore11 => {
            let value = column
                .default
                .as_ref()
                .map_or("NULL", |d| cx.text(d.span).trim());
            steps.push(step(
                Phase::Expand,
                format!(
                    "{add}\n{}",
                    alter_table(table, &format!("ALTER COLUMN {col} SET DEFAULT {value}"))
                ),
                true,
            ));
            steps.push(step(
                Phase::Backfill,
                batched_update(table, &format!("{col} = {value}"), &pending),
                true,
            ));
            "add the column, set the default for new rows, then fill existing rows in batches"
        }
    };
    if column.not_null || column.is_serial() || column.identity {
        steps.extend(not_null_steps(
            cx,
            table,
            &column.name,
            cx.pg_version().at_least(12),
        ));
    }
    Suggestion {
        title: title.into(),
        mechanical: false,
        steps,
    }
}
