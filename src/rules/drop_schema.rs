//! `drop-schema`: dropping a schema breaks running app versions that still use it or
//! anything in it.

use super::sql::{contract_later, own_statement};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ir::{ObjectKind, Op, OpKinds, Statement};

/// The rule.
pub struct DropSchema;

static META: RuleMeta = RuleMeta {
    id: "drop-schema",
    default_severity: Severity::Error,
    summary: "DROP SCHEMA breaks running app versions that still use the schema or anything in it",
    docs: include_str!("../../rules/drop-schema.md"),
    once_per_file: false,
};

impl Rule for DropSchema {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::DROP
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let Op::Drop(drop) = &stmt.op else { return };
        if drop.kind != ObjectKind::Schema {
            return;
        }
        for schema in &drop.names {
            // Like a table, a schema re-created later in the file is still flagged: with
            // CASCADE its tables and their rows are gone.
            if cx.is_new_object(ObjectKind::Schema, schema) {
                continue;
            }
            let object = format!("schema {}", schema.sql());
            let (message, label) = if drop.cascade {
                (
                    format!(
                        "dropping {object} with CASCADE drops every table, view and function in it"
                    ),
                    "running app versions lose everything in this schema",
                )
            } else {
                (
                    format!(
                        "dropping {object} breaks every running app version that still uses it"
                    ),
                    "queries naming this schema fail as soon as this runs",
                )
            };
            out.push(
                Finding::new(schema.span(), message, label)
                    .help("stop using the schema and everything in it in the app and deploy that first; drop it in a later migration")
                    .suggest(contract_later(META.id, &object, &own_statement(cx, stmt))),
            );
        }
    }
}
