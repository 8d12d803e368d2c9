//! `drop-view`: DROP VIEW and DROP MATERIALIZED VIEW break running app versions that still query the view.

use super::compat::{dropped_in_use, kind_words};
use super::sql::{contract_later, own_statement};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ir::{ObjectKind, Statement};

/// The rule.
pub struct DropView;

static META: RuleMeta = RuleMeta {
    id: "drop-view",
    default_severity: Severity::Error,
    summary: "DROP VIEW and DROP MATERIALIZED VIEW break running app versions that still query the view",
    docs: include_str!("../../rules/drop-view.md"),
    once_per_file: false,
};

impl Rule for DropView {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        for (kind, name) in
            dropped_in_use(stmt, cx, &[ObjectKind::View, ObjectKind::MaterializedView])
        {
            let object = format!("{} {}", kind_words(kind), name.sql());
            out.push(
                Finding::new(
                    name.span(),
                    format!("dropping {object} breaks every running app version that still uses it"),
                    "queries on this view fail as soon as this runs",
                )
                .help("stop using the view in the app and deploy that first; drop it in a later migration")
                .suggest(contract_later(META.id, &object, &own_statement(cx, stmt))),
            );
        }
    }
}
