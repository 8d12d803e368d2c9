//! `ban-char-type`: `char(n)` pads values with spaces and is never faster than text.

use super::column_types::{retyped, typed_columns};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ir::{OpKinds, Statement};

/// The rule.
pub struct BanCharType;

static META: RuleMeta = RuleMeta {
    id: "ban-char-type",
    default_severity: Severity::Warning,
    summary: "char(n) pads values with spaces and is never faster; use text",
    docs: include_str!("../../rules/ban-char-type.md"),
    once_per_file: false,
};

impl Rule for BanCharType {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::CREATE_TABLE.or(OpKinds::ALTER_TABLE)
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        for col in typed_columns(stmt, cx) {
            // `"char"` (quoted) is PostgreSQL's internal one-byte type, not char(n).
            if col.data_type.base() != "character" || col.data_type.text.contains("\"char\"") {
                continue;
            }
            let mut finding = Finding::new(
                col.data_type.span,
                format!(
                    "column {} is {}: values are padded with spaces to the full length",
                    col.column.sql(),
                    col.data_type.text
                ),
                "use text",
            )
            .help("char(n) pads with spaces, ignores trailing spaces in comparisons and takes as much room as text; use text, with a CHECK if the length matters");
            if let Some(s) = retyped(cx, stmt, &col, "text", "declare the column as text") {
                finding = finding.suggest(s);
            }
            out.push(finding);
        }
    }
}
