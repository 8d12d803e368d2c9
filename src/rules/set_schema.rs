//! `set-schema`: moving a table, view, type, function or sequence to another schema breaks
//! running app versions that find it by its old qualified name.

use super::compat::{keep_old_name_as_view, kind_words, name_in_use};
use super::sql::{contract_later, own_statement};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ident::{Name, QualifiedName};
use crate::ir::{ActionKind, ObjectKind, Op, Statement};
use crate::source::Span;

/// The rule.
pub struct SetSchema;

static META: RuleMeta = RuleMeta {
    id: "set-schema",
    default_severity: Severity::Error,
    summary: "SET SCHEMA breaks running app versions that find the object in its old schema",
    docs: include_str!("../../rules/set-schema.md"),
    once_per_file: false,
};

/// One move: what, from where, to which schema, and the words to underline.
struct Move<'s> {
    kind: ObjectKind,
    name: &'s QualifiedName,
    schema: &'s Name,
    focus: Span,
}

impl Rule for SetSchema {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let moves: Vec<Move> = match &stmt.op {
            Op::AlterTable(at) => at
                .actions
                .iter()
                .filter_map(|a| match &a.kind {
                    ActionKind::SetSchema { schema } => Some(Move {
                        kind: ObjectKind::Table,
                        name: &at.table,
                        schema,
                        focus: a.focus,
                    }),
                    _ => None,
                })
                .collect(),
            Op::SetObjectSchema { kind, name, schema } => vec![Move {
                kind: *kind,
                name,
                schema,
                focus: name.span().to(schema.span),
            }],
            _ => Vec::new(),
        };
        for m in moves {
            if !name_in_use(cx, m.kind, m.name) {
                continue;
            }
            let object = format!("{} {}", kind_words(m.kind), m.name.sql());
            let relation = matches!(
                m.kind,
                ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView
            );
            let (help, suggestion) = if relation {
                (
                    "move it and create a view with the old name over it in the same transaction; drop that view once the deployed app uses the new schema",
                    keep_old_name_as_view(cx, stmt, m.name, &m.name.moved(m.schema)),
                )
            } else {
                (
                    "make the app find it in the new schema first (qualify it, or put both schemas on its search_path), deploy, then move it in a later migration",
                    contract_later(META.id, &object, &own_statement(cx, stmt)),
                )
            };
            out.push(
                Finding::new(
                    m.focus,
                    format!(
                        "moving {object} to schema {} breaks running app versions that use its old name",
                        m.schema.sql()
                    ),
                    "statements using the old qualified name fail as soon as this runs",
                )
                .help(help)
                .suggest(suggestion),
            );
        }
    }
}
