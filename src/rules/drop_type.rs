//! `drop-type`: DROP TYPE and DROP DOMAIN break running app versions that still name the type.

use super::compat::{dropped_in_use, kind_words};
use super::sql::{contract_later, own_statement};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ir::{ObjectKind, Statement};

/// The rule.
pub struct DropType;

static META: RuleMeta = RuleMeta {
    id: "drop-type",
    default_severity: Severity::Error,
    summary: "DROP TYPE and DROP DOMAIN break running app versions that still name the type",
    docs: include_str!("../../rules/drop-type.md"),
    once_per_file: false,
};

impl Rule for DropType {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        for (kind, name) in dropped_in_use(stmt, cx, &[ObjectKind::Type]) {
            let object = format!("{} {}", kind_words(kind), name.sql());
            out.push(
                Finding::new(
                    name.span(),
                    format!("dropping {object} breaks every running app version that still uses it"),
                    "casts and columns of this type stop working as soon as this runs",
                )
                .help("stop naming the type in the app (casts, ORM enum declarations) and deploy that first; drop it in a later migration")
                .suggest(contract_later(META.id, &object, &own_statement(cx, stmt))),
            );
        }
    }
}
