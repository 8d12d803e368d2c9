//! `rename-object`: renaming a view, materialized view, type, function, procedure, sequence
//! or schema breaks running app versions that use the old name.

use super::compat::{keep_old_name_as_view, kind_words, name_in_use};
use super::sql::{contract_later, own_statement};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ir::{ObjectKind, Op, OpKinds, Statement};

/// The rule.
pub struct RenameObject;

static META: RuleMeta = RuleMeta {
    id: "rename-object",
    default_severity: Severity::Error,
    summary: "renaming a view, type, function, sequence or schema breaks running app versions that use the old name",
    docs: include_str!("../../rules/rename-object.md"),
    once_per_file: false,
};

impl Rule for RenameObject {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::RENAME_OBJECT
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let Op::RenameObject { kind, name, to } = &stmt.op else {
            return;
        };
        // Index names appear in no query an app runs (tables have their own rule).
        let app_visible = matches!(
            kind,
            ObjectKind::View
                | ObjectKind::MaterializedView
                | ObjectKind::Type
                | ObjectKind::Function
                | ObjectKind::Procedure
                | ObjectKind::Sequence
                | ObjectKind::Schema
        );
        if !app_visible || !name_in_use(cx, *kind, name) {
            return;
        }
        let object = format!("{} {}", kind_words(*kind), name.sql());
        let relation = matches!(kind, ObjectKind::View | ObjectKind::MaterializedView);
        let (help, suggestion) = if relation {
            (
                "rename it and create a view with the old name over it in the same transaction; drop that view once the deployed app uses the new name",
                keep_old_name_as_view(cx, stmt, name, &name.renamed(to)),
            )
        } else {
            (
                "make the app stop using the old name first (for a type or function: create the new one alongside, switch the app, drop the old one later); rename in a later migration",
                contract_later(META.id, &object, &own_statement(cx, stmt)),
            )
        };
        out.push(
            Finding::new(
                name.span().to(to.span),
                format!(
                    "renaming {object} to {} breaks running app versions at once",
                    to.sql()
                ),
                "statements using the old name fail as soon as this runs",
            )
            .help(help)
            .suggest(suggestion),
        );
    }
}
