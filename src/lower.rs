//! Lowers sqlparser's AST into bellows' IR.
//!
//! The AST gives structure and names; the statement's tokens give the spans of the words a
//! finding underlines, since the AST keeps no keyword positions. This is the only module
//! besides `parse.rs`, `tokens.rs` and `fallback/` that sees sqlparser types.

use crate::fallback;
use crate::ident::{Name, QualifiedName};
use crate::ir::{
    Action, ActionKind, AlterTable, ColumnDef, Constraint, ConstraintKind, CreateIndex,
    CreateTable, Drop, Expr, ObjectKind, Op, TypeName,
};
use crate::source::Span;
use crate::tokens::Tokens;
use sqlparser::ast;
use sqlparser::ast::Spanned;
use sqlparser::tokenizer::Token;

/// Lowers one parsed statement. `span` is the statement's range in the file.
pub fn lower(stmt: &ast::Statement, toks: &Tokens, span: Span) -> Op {
    let cx = Lowerer { toks, span };
    cx.statement(stmt)
}

struct Lowerer<'a> {
    toks: &'a Tokens,
    span: Span,
}

impl Lowerer<'_> {
    fn statement(&self, stmt: &ast::Statement) -> Op {
        use ast::Statement as S;
        match stmt {
            S::CreateTable(ct) => self.create_table(ct),
            S::CreateIndex(ci) => self.create_index(ci),
            S::AlterTable(at) => self.alter_table(at),
            S::Drop {
                object_type,
                if_exists,
                names,
                cascade,
                ..
            } => Op::Drop(Drop {
                kind: object_kind(object_type),
                names: names.iter().filter_map(|n| self.qname(n)).collect(),
                if_exists: *if_exists,
                cascade: *cascade,
            }),
            S::DropFunction(f) => Op::Drop(Drop {
                kind: ObjectKind::Function,
                names: f
                    .func_desc
                    .iter()
                    .filter_map(|d| self.qname(&d.name))
                    .collect(),
                if_exists: f.if_exists,
                cascade: matches!(f.drop_behavior, Some(ast::DropBehavior::Cascade)),
            }),
            S::DropDomain(d) => Op::Drop(Drop {
                kind: ObjectKind::Type,
                names: self.qname(&d.name).into_iter().collect(),
                if_exists: d.if_exists,
                cascade: matches!(d.drop_behavior, Some(ast::DropBehavior::Cascade)),
            }),
            S::AlterIndex {
                name,
                operation: ast::AlterIndexOperation::RenameIndex { index_name },
            } => match (self.qname(name), self.qname(index_name)) {
                (Some(name), Some(to)) => Op::RenameObject {
                    kind: ObjectKind::Index,
                    name,
                    to: to.name,
                },
                _ => self.other(),
            },
            S::StartTransaction { .. } => Op::Begin,
            S::Commit { .. } => Op::Commit,
            S::Rollback {
                savepoint: None, ..
            } => Op::Rollback,
            S::Update(u) => match self.table_factor(&u.table.relation) {
                Some(table) => Op::Update {
                    table,
                    has_where: u.selection.is_some(),
                },
                None => self.other(),
            },
            S::Delete(d) => {
                let from = match &d.from {
                    ast::FromTable::WithFromKeyword(t) | ast::FromTable::WithoutKeyword(t) => t,
                };
                match from.first().and_then(|t| self.table_factor(&t.relation)) {
                    Some(table) => Op::Delete {
                        table,
                        has_where: d.selection.is_some(),
                    },
                    None => self.other(),
                }
            }
            S::Insert(ins) => match &ins.table {
                ast::TableObject::TableName(n) => match self.qname(n) {
                    Some(table) => Op::Insert { table },
                    None => self.other(),
                },
                _ => self.other(),
            },
            S::Truncate(t) => Op::Truncate {
                tables: t
                    .table_names
                    .iter()
                    .filter_map(|t| self.qname(&t.name))
                    .collect(),
            },
            S::Set(ast::Set::SingleAssignment {
                scope,
                variable,
                values,
                ..
            }) => Op::Set {
                name: variable.to_string().to_lowercase(),
                local: matches!(scope, Some(ast::ContextModifier::Local)),
                value: values
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            },
            S::Lock(l) => Op::Lock {
                tables: l
                    .tables
                    .iter()
                    .filter_map(|t| self.qname(&t.name))
                    .collect(),
            },
            // sqlparser reads `VACUUM ANALYZE` as a vacuum of a table named "analyze".
            S::Vacuum(_) => fallback::vacuum(self.toks).unwrap_or_else(|| self.other()),
            _ => self.other(),
        }
    }

    /// A statement read but not modelled: named by its leading keywords.
    fn other(&self) -> Op {
        Op::Other {
            command: fallback::command_name(self.toks).unwrap_or_else(|| "UNKNOWN".into()),
        }
    }

    fn name(&self, id: &ast::Ident) -> Name {
        let span = self.toks.span_at(id.span.start).unwrap_or(self.span);
        Name::new(id.value.clone(), id.quote_style.is_some(), span)
    }

    fn qname(&self, n: &ast::ObjectName) -> Option<QualifiedName> {
        let mut idents: Vec<Name> =
            n.0.iter()
                .filter_map(|p| match p {
                    ast::ObjectNamePart::Identifier(id) => Some(self.name(id)),
                    ast::ObjectNamePart::Function(_) => None,
                })
                .collect();
        let name = idents.pop()?;
        Some(QualifiedName {
            schema: idents.pop(),
            name,
        })
    }

    fn table_factor(&self, t: &ast::TableFactor) -> Option<QualifiedName> {
        match t {
            ast::TableFactor::Table { name, .. } => self.qname(name),
            _ => None,
        }
    }

    /// Index of the significant token just after `name` (a name read from the AST).
    fn after(&self, name: &QualifiedName) -> usize {
        self.toks
            .index_at(name.name.span.start)
            .map_or(self.toks.sig.len(), |i| i + 1)
    }

    fn create_table(&self, ct: &ast::CreateTable) -> Op {
        let Some(table) = self.qname(&ct.name) else {
            return self.other();
        };
        // Column and constraint items are the comma-separated items inside the first
        // parentheses after the name.
        let open = self.after(&table);
        let items = match self.toks.sig.get(open).map(|t| &t.token) {
            Some(Token::LParen) => {
                let close = self.toks.matching_paren(open);
                self.toks.split_top_level_commas(open + 1, close)
            }
            _ => Vec::new(),
        };
        let item_span = |i: usize| {
            items
                .get(i)
                .and_then(|&(a, b)| self.toks.span_of(a, b))
                .unwrap_or(self.span)
        };
        let columns = ct
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| self.column_def(c, item_span(i)))
            .collect();
        let constraints = ct
            .constraints
            .iter()
            .enumerate()
            .filter_map(|(i, c)| self.constraint(c, false, item_span(ct.columns.len() + i)))
            .collect();
        Op::CreateTable(CreateTable {
            table,
            if_not_exists: ct.if_not_exists,
            columns,
            constraints,
            partition_of: ct.partition_of.as_ref().and_then(|p| self.qname(p)),
        })
    }

    fn create_index(&self, ci: &ast::CreateIndex) -> Op {
        let Some(table) = self.qname(&ci.table_name) else {
            return self.other();
        };
        let head = self
            .toks
            .sig
            .first()
            .map_or(self.span, |t| t.span.to(table.span()));
        Op::CreateIndex(CreateIndex {
            name: ci.name.as_ref().and_then(|n| self.qname(n)),
            table,
            unique: ci.unique,
            concurrently: ci.concurrently,
            if_not_exists: ci.if_not_exists,
            only: false,
            head,
        })
    }

    fn alter_table(&self, at: &ast::AlterTable) -> Op {
        let Some(table) = self.qname(&at.name) else {
            return self.other();
        };
        let start = self.after(&table);
        let ranges = self.toks.split_top_level_commas(start, self.toks.sig.len());
        let mut actions = Vec::new();
        for (i, op) in at.operations.iter().enumerate() {
            // When the token items do not line up with the AST's (never seen, but cheap to
            // guard), each action points at the whole statement.
            let (from, to) = if ranges.len() == at.operations.len() {
                ranges[i]
            } else {
                (start, self.toks.sig.len())
            };
            let span = self.toks.span_of(from, to).unwrap_or(self.span);
            self.action(op, from, to, span, &mut actions);
        }
        Op::AlterTable(AlterTable {
            table,
            if_exists: at.if_exists,
            only: at.only,
            actions,
        })
    }

    fn action(
        &self,
        op: &ast::AlterTableOperation,
        from: usize,
        to: usize,
        span: Span,
        out: &mut Vec<Action>,
    ) {
        use ast::AlterColumnOperation as C;
        use ast::AlterTableOperation as A;
        let focus = |words: &[&str]| self.toks.find_seq(from, to, words).map_or(span, |(_, s)| s);
        let push = |out: &mut Vec<Action>, focus: Span, kind: ActionKind| {
            out.push(Action { span, focus, kind })
        };
        match op {
            A::AddColumn {
                column_def,
                if_not_exists,
                ..
            } => push(
                out,
                span,
                ActionKind::AddColumn {
                    column: self.column_def(column_def, span),
                    if_not_exists: *if_not_exists,
                },
            ),
            A::DropColumn {
                column_names,
                if_exists,
                ..
            } => {
                for c in column_names {
                    push(
                        out,
                        span,
                        ActionKind::DropColumn {
                            column: self.name(c),
                            if_exists: *if_exists,
                        },
                    );
                }
            }
            A::RenameColumn {
                old_column_name,
                new_column_name,
            } => push(
                out,
                span,
                ActionKind::RenameColumn {
                    from: self.name(old_column_name),
                    to: self.name(new_column_name),
                },
            ),
            A::AlterColumn { column_name, op } => {
                let column = self.name(column_name);
                let (f, kind) = match op {
                    C::SetNotNull => (
                        focus(&["SET", "NOT", "NULL"]),
                        ActionKind::SetNotNull { column },
                    ),
                    C::DropNotNull => (
                        focus(&["DROP", "NOT", "NULL"]),
                        ActionKind::DropNotNull { column },
                    ),
                    C::SetDefault { value } => (
                        focus(&["SET", "DEFAULT"]),
                        ActionKind::SetDefault {
                            column,
                            default: self.expr(value),
                        },
                    ),
                    C::DropDefault => (
                        focus(&["DROP", "DEFAULT"]),
                        ActionKind::DropDefault { column },
                    ),
                    C::SetDataType {
                        data_type, using, ..
                    } => {
                        let ty = self
                            .toks
                            .find_seq(from, to, &["TYPE"])
                            .map_or(span, |(i, s)| {
                                let end = (i + 1..to)
                                    .find(|&k| self.toks.sig[k].is_kw("USING"))
                                    .unwrap_or(to);
                                s.to(self.toks.span_of(i, end).unwrap_or(s))
                            });
                        (
                            ty,
                            ActionKind::AlterColumnType {
                                column,
                                data_type: TypeName {
                                    text: data_type.to_string().to_lowercase(),
                                    span: ty,
                                },
                                using: using.is_some(),
                            },
                        )
                    }
                    C::AddGenerated { .. } => (
                        span,
                        ActionKind::Other {
                            description: "ALTER COLUMN ADD GENERATED".into(),
                        },
                    ),
                };
                push(out, f, kind);
            }
            A::AddConstraint {
                constraint,
                not_valid,
            } => {
                if let Some(mut c) = self.constraint(constraint, *not_valid, span) {
                    c.not_valid = *not_valid;
                    push(out, span, ActionKind::AddConstraint(c));
                }
            }
            A::ValidateConstraint { name } => push(
                out,
                span,
                ActionKind::ValidateConstraint {
                    name: self.name(name),
                },
            ),
            A::DropConstraint {
                name, if_exists, ..
            } => push(
                out,
                span,
                ActionKind::DropConstraint {
                    name: self.name(name),
                    if_exists: *if_exists,
                },
            ),
            A::RenameConstraint { old_name, new_name } => push(
                out,
                span,
                ActionKind::RenameConstraint {
                    from: self.name(old_name),
                    to: self.name(new_name),
                },
            ),
            A::RenameTable { table_name } => {
                let (ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n)) =
                    table_name;
                if let Some(to) = self.qname(n) {
                    push(out, span, ActionKind::RenameTable { to: to.name });
                }
            }
            _ => push(
                out,
                span,
                ActionKind::Other {
                    description: fallback::leading_keywords(self.toks, from, to, 3),
                },
            ),
        }
    }

    fn column_def(&self, c: &ast::ColumnDef, span: Span) -> ColumnDef {
        let name = self.name(&c.name);
        let type_span = self.type_span(&name, span);
        let mut col = ColumnDef {
            data_type: TypeName {
                text: c.data_type.to_string().to_lowercase(),
                span: type_span,
            },
            name,
            not_null: false,
            default: None,
            identity: false,
            generated_stored: false,
            constraints: Vec::new(),
            span,
        };
        for opt in &c.options {
            match &opt.option {
                ast::ColumnOption::NotNull => col.not_null = true,
                ast::ColumnOption::Default(e) => col.default = Some(self.expr(e)),
                ast::ColumnOption::Generated {
                    generation_expr,
                    generation_expr_mode,
                    ..
                } => {
                    if generation_expr.is_none() {
                        col.identity = true;
                        col.not_null = true;
                    } else if !matches!(
                        generation_expr_mode,
                        Some(ast::GeneratedExpressionMode::Virtual)
                    ) {
                        col.generated_stored = true;
                    }
                }
                ast::ColumnOption::Identity(_) => col.identity = true,
                ast::ColumnOption::PrimaryKey(_) => {
                    col.not_null = true;
                    col.constraints
                        .push(self.inline(opt, ConstraintKind::PrimaryKey, &col));
                }
                ast::ColumnOption::Unique(_) => {
                    col.constraints
                        .push(self.inline(opt, ConstraintKind::Unique, &col));
                }
                ast::ColumnOption::ForeignKey(fk) => {
                    if let Some(references) = self.qname(&fk.foreign_table) {
                        col.constraints.push(self.inline(
                            opt,
                            ConstraintKind::ForeignKey { references },
                            &col,
                        ));
                    }
                }
                ast::ColumnOption::Check(ch) => {
                    let kind = self.check_kind(&ch.expr);
                    col.constraints.push(self.inline(opt, kind, &col));
                }
                _ => {}
            }
        }
        col
    }

    /// A column constraint as a constraint on that one column.
    fn inline(
        &self,
        opt: &ast::ColumnOptionDef,
        kind: ConstraintKind,
        col: &ColumnDef,
    ) -> Constraint {
        Constraint {
            name: opt.name.as_ref().map(|n| self.name(n)),
            kind,
            columns: vec![col.name.clone()],
            using_index: None,
            not_valid: false,
            span: col.span,
        }
    }

    /// The type's words: from after the column name to the first column-option keyword.
    fn type_span(&self, name: &Name, def: Span) -> Span {
        let Some(first) = self.toks.index_at(name.span.start).map(|i| i + 1) else {
            return def;
        };
        let mut depth = 0;
        let mut end = first;
        for (k, t) in self.toks.sig.iter().enumerate().skip(first) {
            if t.span.start >= def.end {
                break;
            }
            match t.token {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                _ => {}
            }
            let option_word = [
                "DEFAULT",
                "NOT",
                "NULL",
                "PRIMARY",
                "UNIQUE",
                "REFERENCES",
                "CHECK",
                "CONSTRAINT",
                "GENERATED",
                "COLLATE",
            ]
            .iter()
            .any(|w| t.is_kw(w));
            if depth == 0 && option_word {
                break;
            }
            end = k + 1;
        }
        self.toks.span_of(first, end).unwrap_or(def)
    }

    fn constraint(
        &self,
        c: &ast::TableConstraint,
        not_valid: bool,
        span: Span,
    ) -> Option<Constraint> {
        use ast::TableConstraint as T;
        let idents = |cols: &[ast::Ident]| cols.iter().map(|c| self.name(c)).collect::<Vec<_>>();
        let index_cols = |cols: &[ast::IndexColumn]| {
            cols.iter()
                .filter_map(|c| match &c.column.expr {
                    ast::Expr::Identifier(id) => Some(self.name(id)),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        let (name, kind, columns) = match c {
            T::PrimaryKey(p) => (
                p.name.as_ref(),
                ConstraintKind::PrimaryKey,
                index_cols(&p.columns),
            ),
            T::Unique(u) => (
                u.name.as_ref(),
                ConstraintKind::Unique,
                index_cols(&u.columns),
            ),
            T::ForeignKey(f) => (
                f.name.as_ref(),
                ConstraintKind::ForeignKey {
                    references: self.qname(&f.foreign_table)?,
                },
                idents(&f.columns),
            ),
            T::Check(ch) => (ch.name.as_ref(), self.check_kind(&ch.expr), Vec::new()),
            _ => return None,
        };
        Some(Constraint {
            name: name.map(|n| self.name(n)),
            kind,
            columns,
            using_index: None,
            not_valid,
            span,
        })
    }

    fn check_kind(&self, e: &ast::Expr) -> ConstraintKind {
        let not_null_column = match strip_nested(e) {
            ast::Expr::IsNotNull(inner) => match strip_nested(inner) {
                ast::Expr::Identifier(id) => Some(self.name(id)),
                _ => None,
            },
            _ => None,
        };
        ConstraintKind::Check {
            expr: self.expr(e),
            not_null_column,
        }
    }

    fn expr(&self, e: &ast::Expr) -> Expr {
        let s = e.span();
        let span = match (self.toks.offset_of(s.start), self.toks.offset_of(s.end)) {
            (Some(start), end) => {
                // The AST span ends where the next token starts (or at the statement end).
                let end = end.unwrap_or(self.span.end);
                let last = self.toks.sig.iter().rev().find(|t| t.span.start < end);
                Span::new(start, last.map_or(start, |t| t.span.end.max(start)))
            }
            _ => self.span,
        };
        fallback::expr_from_tokens(self.toks, span, e.to_string())
    }
}

fn strip_nested(e: &ast::Expr) -> &ast::Expr {
    match e {
        ast::Expr::Nested(inner) => strip_nested(inner),
        other => other,
    }
}

fn object_kind(t: &ast::ObjectType) -> ObjectKind {
    use ast::ObjectType as T;
    match t {
        T::Table => ObjectKind::Table,
        T::View => ObjectKind::View,
        T::MaterializedView => ObjectKind::MaterializedView,
        T::Index => ObjectKind::Index,
        T::Schema => ObjectKind::Schema,
        T::Sequence => ObjectKind::Sequence,
        T::Type => ObjectKind::Type,
        T::Database => ObjectKind::Database,
        _ => ObjectKind::Other,
    }
}
