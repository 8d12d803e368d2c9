//! What the type-hygiene rules share: the columns whose type a statement writes, and the
//! suggestion that writes a better type in their place.

use crate::context::Context;
use crate::diagnostic::{Phase, Suggestion};
use crate::ident::Name;
use crate::ir::{
    ActionKind, ColumnDef, Constraint, ConstraintKind, Op, Statement, TypeName, canonical_type,
};
use crate::source::Span;

use super::sql::step;

/// A column whose type the statement writes: a `CREATE TABLE` column, an `ADD COLUMN`, or the
/// target of `ALTER COLUMN … TYPE`.
pub struct TypedColumn<'s> {
    /// The column.
    pub column: &'s Name,
    /// The type written.
    pub data_type: &'s TypeName,
    /// The whole definition (`CREATE TABLE`, `ADD COLUMN`); `None` for `ALTER COLUMN … TYPE`.
    pub def: Option<&'s ColumnDef>,
    /// Part of the table's primary key (inline or as a table constraint).
    pub primary_key: bool,
    /// Part of a foreign key (inline `REFERENCES` or a table constraint).
    pub foreign_key: bool,
    /// No deployed app version uses the column yet: its table or the column itself is new
    /// in this file, so changing the type in the statement is safe.
    pub new: bool,
}

/// The columns whose type `stmt` writes.
pub fn typed_columns<'s>(stmt: &'s Statement, cx: &Context) -> Vec<TypedColumn<'s>> {
    let member = |col: &ColumnDef, table_constraints: &[Constraint], pk: bool| {
        let matches_kind = |k: &ConstraintKind| match k {
            ConstraintKind::PrimaryKey => pk,
            ConstraintKind::ForeignKey { .. } => !pk,
            _ => false,
        };
        col.constraints.iter().any(|c| matches_kind(&c.kind))
            || table_constraints
                .iter()
                .any(|c| matches_kind(&c.kind) && c.columns.iter().any(|n| n.same_as(&col.name)))
    };
    let defined = |col: &'s ColumnDef, constraints: &[Constraint]| TypedColumn {
        column: &col.name,
        data_type: &col.data_type,
        def: Some(col),
        primary_key: member(col, constraints, true),
        foreign_key: member(col, constraints, false),
        new: true,
    };
    match &stmt.op {
        Op::CreateTable(ct) => ct
            .columns
            .iter()
            .map(|col| defined(col, &ct.constraints))
            .collect(),
        Op::AlterTable(at) => at
            .actions
            .iter()
            .filter_map(|a| match &a.kind {
                // An added column is new whatever its table: no deployed app uses it yet.
                ActionKind::AddColumn { column, .. } => Some(defined(column, &[])),
                ActionKind::AlterColumnType {
                    column, data_type, ..
                } => Some(TypedColumn {
                    column,
                    data_type,
                    def: None,
                    primary_key: false,
                    foreign_key: false,
                    new: cx.is_new_table(&at.table) || cx.is_new_column(&at.table, column),
                }),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The statement with `col`'s type replaced by `better` (array brackets kept), as a one-step
/// suggestion: mechanical when the column is new. `None` when the type's words cannot be
/// located exactly in the text.
pub fn retyped(
    cx: &Context,
    stmt: &Statement,
    col: &TypedColumn,
    better: &str,
    title: &str,
) -> Option<Suggestion> {
    let span = col.data_type.span;
    let written = cx.text(span);
    // The span must hold exactly the type, or the rewrite would cut the statement apart.
    if canonical_type(&written.to_lowercase()) != col.data_type.base() || written.is_empty() {
        return None;
    }
    let brackets = written.find('[').map_or("", |i| &written[i..]);
    let before = cx.text(Span::new(stmt.span.start, span.start));
    let after = cx.text(Span::new(span.end, stmt.span.end));
    Some(Suggestion {
        title: title.into(),
        mechanical: col.new,
        steps: vec![step(
            Phase::Expand,
            format!("{before}{better}{brackets}{after};"),
            false,
        )],
    })
}

/// The `(n)` modifier of a type text (`timestamp(3) without time zone` → `(3)`), or "".
pub fn modifier(text: &str) -> &str {
    match (text.find('('), text.find(')')) {
        (Some(open), Some(close)) if open < close => &text[open..=close],
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifiers() {
        assert_eq!(modifier("timestamp(3) without time zone"), "(3)");
        assert_eq!(modifier("timestamp"), "");
        assert_eq!(modifier("varchar(255)[]"), "(255)");
    }
}
