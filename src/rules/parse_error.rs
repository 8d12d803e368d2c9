//! `parse-error`: text that is not a PostgreSQL statement.

use super::{PARSE_ERROR, Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ir::{Origin, Statement};

/// The rule.
pub struct ParseError;

static META: RuleMeta = RuleMeta {
    id: PARSE_ERROR,
    default_severity: Severity::Error,
    summary: "text that is not a PostgreSQL statement, or an unterminated quote or comment",
    docs: include_str!("../../rules/parse-error.md"),
    once_per_file: false,
};

impl Rule for ParseError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, stmt: &Statement, _cx: &Context, out: &mut Vec<Finding>) {
        let Origin::ParseError { message, at } = &stmt.origin else {
            return;
        };
        out.push(
            Finding::new(
                *at,
                format!("cannot parse this statement: {message}"),
                "not understood here",
            )
            .help(
                "no PostgreSQL command starts this way; the statements after it are still checked",
            ),
        );
    }
}
