//! `prefer-jsonb`: `json` stores text and parses it again on every use.

use super::column_types::{retyped, typed_columns};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ir::{OpKinds, Statement};

/// The rule.
pub struct PreferJsonb;

static META: RuleMeta = RuleMeta {
    id: "prefer-jsonb",
    default_severity: Severity::Warning,
    summary: "json stores text and reparses it on every use; use jsonb",
    docs: include_str!("../../rules/prefer-jsonb.md"),
    once_per_file: false,
};

impl Rule for PreferJsonb {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::CREATE_TABLE.or(OpKinds::ALTER_TABLE)
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        for col in typed_columns(stmt, cx) {
            if col.data_type.base() != "json" {
                continue;
            }
            let mut finding = Finding::new(
                col.data_type.span,
                format!(
                    "column {} is json: every operator parses the text again, and it has no equality, so no index, DISTINCT or GROUP BY",
                    col.column.sql()
                ),
                "use jsonb",
            )
            .help("jsonb stores the parsed value: faster to query, indexable with GIN, comparable; it drops whitespace, key order and duplicate keys");
            if let Some(s) = retyped(cx, stmt, &col, "jsonb", "declare the column as jsonb") {
                finding = finding.suggest(s);
            }
            out.push(finding);
        }
    }
}
