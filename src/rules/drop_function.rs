//! `drop-function`: DROP FUNCTION and DROP PROCEDURE break running app versions that still call them.

use super::compat::{dropped_in_use, kind_words};
use super::sql::{contract_later, own_statement};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ir::{ObjectKind, Statement};

/// The rule.
pub struct DropFunction;

static META: RuleMeta = RuleMeta {
    id: "drop-function",
    default_severity: Severity::Error,
    summary: "DROP FUNCTION and DROP PROCEDURE break running app versions that still call them",
    docs: include_str!("../../rules/drop-function.md"),
    once_per_file: false,
};

impl Rule for DropFunction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        for (kind, name) in dropped_in_use(stmt, cx, &[ObjectKind::Function, ObjectKind::Procedure])
        {
            let object = format!("{} {}", kind_words(kind), name.sql());
            out.push(
                Finding::new(
                    name.span(),
                    format!("dropping {object} breaks every running app version that still uses it"),
                    "calls to it fail as soon as this runs",
                )
                .help("stop calling it from the app and deploy that first; drop it in a later migration")
                .suggest(contract_later(META.id, &object, &own_statement(cx, stmt))),
            );
        }
    }
}
