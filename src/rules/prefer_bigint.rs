//! `prefer-bigint`: integer and smallint keys run out.

use super::column_types::{retyped, typed_columns};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ir::{OpKinds, Statement};

/// The rule.
pub struct PreferBigint;

static META: RuleMeta = RuleMeta {
    id: "prefer-bigint",
    default_severity: Severity::Warning,
    summary: "integer, smallint and serial keys run out; use bigint",
    docs: include_str!("../../rules/prefer-bigint.md"),
    once_per_file: false,
};

impl Rule for PreferBigint {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::CREATE_TABLE.or(OpKinds::ALTER_TABLE)
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        for col in typed_columns(stmt, cx) {
            // Whether an ALTER COLUMN … TYPE target is a key is not known without a catalog.
            let Some(def) = col.def else { continue };
            let (better, max) = match col.data_type.base() {
                "integer" => ("bigint", "2,147,483,647"),
                "serial" => ("bigserial", "2,147,483,647"),
                "smallint" => ("bigint", "32,767"),
                "smallserial" => ("bigserial", "32,767"),
                _ => continue,
            };
            if col.data_type.is_array() {
                continue;
            }
            let serial = better == "bigserial";
            let role = if col.primary_key {
                "primary-key column"
            } else if def.identity || serial {
                "generated key column"
            } else if col.foreign_key {
                "foreign-key column"
            } else {
                continue;
            };
            let written = &col.data_type.text;
            let message = if role == "foreign-key column" {
                format!(
                    "{role} {} is {written}: it must hold every value of the key it references; make it bigint along with that key",
                    col.column.sql()
                )
            } else {
                format!(
                    "{role} {} is {written}: it runs out at {max}, and widening it later rewrites the table",
                    col.column.sql()
                )
            };
            let mut finding = Finding::new(
                col.data_type.span,
                message,
                format!("use {better}"),
            )
            .help(format!(
                "declare keys (and the foreign keys that reference them) as {better} from the start: the extra 4 bytes per row are cheap, changing the type of a large table is not"
            ));
            if let Some(s) = retyped(
                cx,
                stmt,
                &col,
                better,
                &format!("declare the column as {better}"),
            ) {
                finding = finding.suggest(s);
            }
            out.push(finding);
        }
    }
}
