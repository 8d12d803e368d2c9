//! `prefer-text`: `varchar(n)` puts a length limit in the type, where changing it is costly.

use super::column_types::{modifier, retyped, typed_columns};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ir::{OpKinds, Statement};

/// The rule.
pub struct PreferText;

static META: RuleMeta = RuleMeta {
    id: "prefer-text",
    default_severity: Severity::Warning,
    summary: "varchar(n) puts a length limit in the type; use text, with a CHECK if the limit matters",
    docs: include_str!("../../rules/prefer-text.md"),
    once_per_file: false,
};

impl Rule for PreferText {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::CREATE_TABLE.or(OpKinds::ALTER_TABLE)
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        for col in typed_columns(stmt, cx) {
            // Plain `varchar` has no limit: it is text under another name.
            let limit = modifier(&col.data_type.text);
            if col.data_type.base() != "character varying" || limit.is_empty() {
                continue;
            }
            let mut finding = Finding::new(
                col.data_type.span,
                format!(
                    "column {} is {}: the limit lives in the type, and lowering it later rewrites the table",
                    col.column.sql(),
                    col.data_type.text
                ),
                "use text",
            )
            .help(format!(
                "use text; if the limit is a real rule, add CHECK (char_length({}) <= {}), which can be changed without a rewrite",
                col.column.sql(),
                limit.trim_matches(|c| c == '(' || c == ')')
            ));
            if let Some(s) = retyped(cx, stmt, &col, "text", "declare the column as text") {
                finding = finding.suggest(s);
            }
            out.push(finding);
        }
    }
}
