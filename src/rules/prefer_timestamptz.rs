//! `prefer-timestamptz`: `timestamp without time zone` does not record an instant.

use super::column_types::{modifier, retyped, typed_columns};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ir::{OpKinds, Statement};

/// The rule.
pub struct PreferTimestamptz;

static META: RuleMeta = RuleMeta {
    id: "prefer-timestamptz",
    default_severity: Severity::Warning,
    summary: "timestamp without time zone does not record an instant; use timestamptz",
    docs: include_str!("../../rules/prefer-timestamptz.md"),
    once_per_file: false,
};

impl Rule for PreferTimestamptz {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::CREATE_TABLE.or(OpKinds::ALTER_TABLE)
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        for col in typed_columns(stmt, cx) {
            if col.data_type.base() != "timestamp without time zone" {
                continue;
            }
            // Keep the precision: `timestamp(3)` becomes `timestamptz(3)`.
            let better = format!("timestamptz{}", modifier(&col.data_type.text));
            let mut finding = Finding::new(
                col.data_type.span,
                format!(
                    "column {} is {}: it stores a wall-clock reading without saying in which time zone",
                    col.column.sql(),
                    col.data_type.text
                ),
                format!("use {better}"),
            )
            .help("timestamptz stores the instant (as UTC) and converts to the session's time zone on output; it takes the same 8 bytes");
            if let Some(s) = retyped(
                cx,
                stmt,
                &col,
                &better,
                &format!("declare the column as {better}"),
            ) {
                finding = finding.suggest(s);
            }
            out.push(finding);
        }
    }
}
