//! Lowers sqlparser's AST into bellows' IR.
//!
//! The AST gives structure and names; the statement's tokens give the spans of the words a
//! finding underlines, since the AST keeps no keyword positions. This is the only module
//! besides `parse.rs`, `tokens.rs`, `direct/` (sqlparser's tokens only) and `fallback/` that
//! sees sqlparser types.

use crate::fallback;
use crate::ident::{Name, QualifiedName};
use crate::ir::{
    Action, ActionKind, AlterTable, Assignment, ColumnDef, Constraint, ConstraintKind, CreateIndex,
    CreateTable, Drop, EnumChange, EnumPosition, Expr, IndexElement, ObjectKind, Op, TypeName,
};
use crate::locks::LockMode;
use crate::source::Span;
use crate::tokens::Tokens;
use sqlparser::ast;
use sqlparser::ast::Spanned;
use sqlparser::keywords::Keyword;
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
            S::DropProcedure {
                if_exists,
                proc_desc,
                drop_behavior,
            } => Op::Drop(Drop {
                kind: ObjectKind::Procedure,
                names: proc_desc
                    .iter()
                    .filter_map(|d| self.qname(&d.name))
                    .collect(),
                if_exists: *if_exists,
                cascade: matches!(drop_behavior, Some(ast::DropBehavior::Cascade)),
            }),
            S::CreateView(v) => {
                let kind = if v.materialized {
                    ObjectKind::MaterializedView
                } else {
                    ObjectKind::View
                };
                self.create_object(kind, &v.name)
            }
            S::CreateType {
                name,
                representation,
            } => match (self.create_object(ObjectKind::Type, name), representation) {
                (
                    Op::CreateObject {
                        kind,
                        name,
                        enum_values: _,
                    },
                    Some(ast::UserDefinedTypeRepresentation::Enum { labels }),
                ) => Op::CreateObject {
                    kind,
                    name,
                    enum_values: Some(labels.iter().map(|l| l.value.clone()).collect()),
                },
                (op, _) => op,
            },
            S::CreateDomain(d) => self.create_object(ObjectKind::Type, &d.name),
            S::CreateFunction(f) => self.create_object(ObjectKind::Function, &f.name),
            S::CreateProcedure { name, .. } => self.create_object(ObjectKind::Procedure, name),
            S::CreateSequence { name, .. } => self.create_object(ObjectKind::Sequence, name),
            S::CreateSchema { schema_name, .. } => match schema_name {
                ast::SchemaName::Simple(name) | ast::SchemaName::NamedAuthorization(name, _) => {
                    self.create_object(ObjectKind::Schema, name)
                }
                // `CREATE SCHEMA AUTHORIZATION role` names the schema after the role.
                ast::SchemaName::UnnamedAuthorization(role) => Op::CreateObject {
                    kind: ObjectKind::Schema,
                    name: QualifiedName {
                        schema: None,
                        name: self.name(role),
                    },
                    enum_values: None,
                },
            },
            S::AlterType(ast::AlterType {
                name,
                operation: ast::AlterTypeOperation::Rename(r),
            }) => self.rename_object(ObjectKind::Type, name, &r.new_name),
            S::AlterType(ast::AlterType {
                name,
                operation: ast::AlterTypeOperation::AddValue(a),
            }) => self.alter_enum(
                name,
                EnumChange::AddValue {
                    value: a.value.value.clone(),
                    if_not_exists: a.if_not_exists,
                    position: a.position.as_ref().map(|p| match p {
                        ast::AlterTypeAddValuePosition::Before(v) => {
                            EnumPosition::Before(v.value.clone())
                        }
                        ast::AlterTypeAddValuePosition::After(v) => {
                            EnumPosition::After(v.value.clone())
                        }
                    }),
                },
            ),
            S::AlterType(ast::AlterType {
                name,
                operation: ast::AlterTypeOperation::RenameValue(r),
            }) => self.alter_enum(
                name,
                EnumChange::RenameValue {
                    from: r.from.value.clone(),
                    to: r.to.value.clone(),
                },
            ),
            S::AlterSchema(a) => match a.operations.as_slice() {
                [ast::AlterSchemaOperation::Rename { name }] => match name.0.last() {
                    Some(ast::ObjectNamePart::Identifier(to)) => {
                        self.rename_object(ObjectKind::Schema, &a.name, to)
                    }
                    _ => self.other(),
                },
                _ => self.other(),
            },
            S::AlterFunction(f) => {
                // An aggregate is called like a function, and breaks callers the same way.
                let kind = ObjectKind::Function;
                match &f.operation {
                    ast::AlterFunctionOperation::RenameTo { new_name } => {
                        self.rename_object(kind, &f.function.name, new_name)
                    }
                    ast::AlterFunctionOperation::SetSchema { schema_name } => {
                        match (self.qname(&f.function.name), self.qname(schema_name)) {
                            (Some(name), Some(schema)) => Op::SetObjectSchema {
                                kind,
                                name,
                                schema: schema.name,
                            },
                            _ => self.other(),
                        }
                    }
                    _ => self.other(),
                }
            }
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
                Some(table) => {
                    let (assignments, filter) = self.update_parts(u);
                    Op::Update {
                        table,
                        has_where: u.selection.is_some(),
                        assignments,
                        filter,
                    }
                }
                None => self.other(),
            },
            S::Delete(d) => {
                let from = match &d.from {
                    ast::FromTable::WithFromKeyword(t) | ast::FromTable::WithoutKeyword(t) => t,
                };
                // With an alias or a USING list the condition may name things only that
                // statement has in scope; it is kept only when it reads on its own.
                let alone = d.using.is_none()
                    && matches!(from.as_slice(), [t] if t.joins.is_empty() && !has_alias(&t.relation));
                match from.first().and_then(|t| self.table_factor(&t.relation)) {
                    Some(table) => Op::Delete {
                        table,
                        has_where: d.selection.is_some(),
                        filter: d
                            .selection
                            .as_ref()
                            .filter(|_| alone)
                            .and_then(|e| self.where_condition(e, "DELETE")),
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
                mode: l
                    .lock_mode
                    .as_ref()
                    .map_or(LockMode::AccessExclusive, lock_mode),
                only: l.tables.iter().all(|t| t.only),
            },
            S::Analyze(a) => Op::Analyze {
                tables: a.table_name.iter().filter_map(|n| self.qname(n)).collect(),
            },
            S::CreateTrigger(t) => match self.qname(&t.table_name) {
                Some(table) => Op::CreateTrigger { table },
                None => self.other(),
            },
            S::Comment {
                object_type,
                object_name,
                ..
            } => self.comment(object_type, object_name),
            // sqlparser reads `VACUUM ANALYZE` as a vacuum of a table named "analyze".
            S::Vacuum(_) => fallback::vacuum(self.toks).unwrap_or_else(|| self.other()),
            _ => self.other(),
        }
    }

    /// `COMMENT ON <object> name IS …`: the relation it changes, when it is one.
    fn comment(&self, object: &ast::CommentObject, name: &ast::ObjectName) -> Op {
        use ast::CommentObject as C;
        let (kind, relation) = match object {
            C::Table => (ObjectKind::Table, self.qname(name)),
            C::View => (ObjectKind::View, self.qname(name)),
            C::MaterializedView => (ObjectKind::MaterializedView, self.qname(name)),
            C::Index => (ObjectKind::Index, self.qname(name)),
            C::Sequence => (ObjectKind::Sequence, self.qname(name)),
            // `table.column` or `schema.table.column`: the relation is all but the last part.
            C::Column => {
                let mut parts = name.0.clone();
                parts.pop();
                (ObjectKind::Table, self.qname(&ast::ObjectName(parts)))
            }
            _ => (ObjectKind::Other, None),
        };
        Op::Comment { kind, relation }
    }

    /// `CREATE <kind> name`.
    fn create_object(&self, kind: ObjectKind, name: &ast::ObjectName) -> Op {
        match self.qname(name) {
            Some(name) => Op::CreateObject {
                kind,
                name,
                enum_values: None,
            },
            None => self.other(),
        }
    }

    /// `ALTER TYPE name ADD VALUE …` / `RENAME VALUE …`.
    fn alter_enum(&self, name: &ast::ObjectName, change: EnumChange) -> Op {
        match self.qname(name) {
            Some(name) => Op::AlterEnum { name, change },
            None => self.other(),
        }
    }

    /// `ALTER <kind> name RENAME TO to`.
    fn rename_object(&self, kind: ObjectKind, name: &ast::ObjectName, to: &ast::Ident) -> Op {
        match self.qname(name) {
            Some(name) => Op::RenameObject {
                kind,
                name,
                to: self.name(to),
            },
            None => self.other(),
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
        // sqlparser lists columns and table constraints apart, each in order; the items are
        // told apart by their first word, as sqlparser tells them (a `LIKE` item is neither).
        let (mut column_items, mut constraint_items) = (Vec::new(), Vec::new());
        for &(a, b) in &items {
            if self.toks.starts_table_constraint(a) {
                constraint_items.push((a, b));
            } else if !self.toks.is_keyword(a, Keyword::LIKE) {
                column_items.push((a, b));
            }
        }
        let item_span = |list: &[(usize, usize)], i: usize| {
            list.get(i)
                .and_then(|&(a, b)| self.toks.span_of(a, b))
                .unwrap_or(self.span)
        };
        let columns = ct
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| self.column_def(c, item_span(&column_items, i)))
            .collect();
        let constraints = ct
            .constraints
            .iter()
            .enumerate()
            .filter_map(|(i, c)| self.constraint(c, false, item_span(&constraint_items, i)))
            .collect();
        Op::CreateTable(CreateTable {
            table,
            if_not_exists: ct.if_not_exists,
            columns,
            constraints,
            partition_of: ct.partition_of.as_ref().and_then(|p| self.qname(p)),
            temporary: ct.temporary,
            other_columns: ct.query.is_some()
                || ct.like.is_some()
                || ct.inherits.as_ref().is_some_and(|i| !i.is_empty()),
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
            columns: ci
                .columns
                .iter()
                .map(|c| match strip_nested(&c.column.expr) {
                    ast::Expr::Identifier(id) => IndexElement::Column(self.name(id)),
                    e => IndexElement::Expression(self.expr(e)),
                })
                .collect(),
            include: ci.include.iter().map(|c| self.name(c)).collect(),
            method: ci
                .using
                .as_ref()
                .map(|m| m.to_string().to_lowercase())
                .filter(|m| m != "btree"),
            partial: ci.predicate.is_some(),
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
                // Keywords are looked for after the column's name, which may itself be a
                // keyword-like word (`type`, `default`).
                let after_name = self
                    .toks
                    .index_at(column.span.start)
                    .map_or(from, |i| (i + 1).max(from));
                let focus = |words: &[&str]| {
                    self.toks
                        .find_seq(after_name, to, words)
                        .map_or(span, |(_, s)| s)
                };
                let (f, kind) = match op {
                    C::SetNotNull => (
                        focus(&["SET", "NOT", "NULL"]),
                        ActionKind::SetNotNull { column },
                    ),
                    C::DropNotNull => (
                        focus(&["DROP", "NOT", "NULL"]),
                        ActionKind::DropNotNull { column },
                    ),
                    C::SetDefault { value } => {
                        let at = self.toks.find_seq(after_name, to, &["SET", "DEFAULT"]);
                        let default = match at {
                            Some((i, _)) => self.expr_in(value, i + 2, to),
                            None => self.expr(value),
                        };
                        (
                            at.map_or(span, |(_, s)| s),
                            ActionKind::SetDefault { column, default },
                        )
                    }
                    C::DropDefault => (
                        focus(&["DROP", "DEFAULT"]),
                        ActionKind::DropDefault { column },
                    ),
                    C::SetDataType {
                        data_type, using, ..
                    } => {
                        // `TYPE t` is what a finding underlines; the type alone is `t` (a
                        // `COLLATE` clause after it is not part of the type).
                        let (focus, type_span) = self
                            .toks
                            .find_seq(after_name, to, &["TYPE"])
                            .map_or((span, span), |(i, s)| {
                                let end = (i + 1..to)
                                    .find(|&k| self.toks.sig[k].is_kw("USING"))
                                    .unwrap_or(to);
                                let type_end = (i + 1..end)
                                    .find(|&k| self.toks.sig[k].is_kw("COLLATE"))
                                    .unwrap_or(end);
                                let ty = self.toks.span_of(i + 1, type_end).unwrap_or(s);
                                (s.to(self.toks.span_of(i + 1, end).unwrap_or(s)), ty)
                            });
                        (
                            focus,
                            ActionKind::AlterColumnType {
                                column,
                                data_type: TypeName::new(
                                    data_type.to_string().to_lowercase(),
                                    type_span,
                                ),
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
                // The constraint's own text starts after `ADD`.
                let own = match self.toks.sig.get(from) {
                    Some(t) if t.is_kw("ADD") => self.toks.span_of(from + 1, to).unwrap_or(span),
                    _ => span,
                };
                if let Some(mut c) = self.constraint(constraint, *not_valid, own) {
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
                    description: fallback::action_description(self.toks, from, to),
                },
            ),
        }
    }

    fn column_def(&self, c: &ast::ColumnDef, span: Span) -> ColumnDef {
        let name = self.name(&c.name);
        let (type_span, segments) = self.column_layout(&name, span);
        // Each option's own tokens, when the token reading lines up with the AST's options
        // (it should; when it does not, spans fall back to the whole definition).
        let segment = |i: usize| {
            (segments.len() == c.options.len())
                .then(|| segments.get(i).copied())
                .flatten()
        };
        let data_type = TypeName::new(c.data_type.to_string().to_lowercase(), type_span);
        let mut col = ColumnDef::new(name, data_type, span);
        for (i, opt) in c.options.iter().enumerate() {
            let seg = segment(i);
            let own = seg
                .and_then(|(a, b)| self.toks.span_of(a, b))
                .unwrap_or(span);
            match &opt.option {
                ast::ColumnOption::NotNull => col.not_null = true,
                ast::ColumnOption::Default(e) => {
                    col.default = Some(match seg {
                        Some((a, b)) => self.expr_in(e, a + 1, b),
                        None => self.expr(e),
                    })
                }
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
                        .push(self.inline(opt, ConstraintKind::PrimaryKey, &col, own));
                }
                ast::ColumnOption::Unique(_) => {
                    col.constraints
                        .push(self.inline(opt, ConstraintKind::Unique, &col, own));
                }
                ast::ColumnOption::ForeignKey(fk) => {
                    if let Some(references) = self.qname(&fk.foreign_table) {
                        col.constraints.push(self.inline(
                            opt,
                            ConstraintKind::ForeignKey { references },
                            &col,
                            own,
                        ));
                    }
                }
                ast::ColumnOption::Check(ch) => {
                    let kind = self.check_kind(&ch.expr, seg);
                    col.constraints.push(self.inline(opt, kind, &col, own));
                }
                _ => {}
            }
        }
        col
    }

    /// A column constraint as a constraint on that one column; `span` is its own words.
    fn inline(
        &self,
        opt: &ast::ColumnOptionDef,
        kind: ConstraintKind,
        col: &ColumnDef,
        span: Span,
    ) -> Constraint {
        Constraint {
            name: opt.name.as_ref().map(|n| self.name(n)),
            kind,
            columns: vec![col.name.clone()],
            using_index: None,
            not_valid: false,
            span,
        }
    }

    /// Token index range `(from, to)` of the significant tokens inside `span`.
    fn range_of(&self, span: Span) -> (usize, usize) {
        let from = self.toks.sig.partition_point(|t| t.span.start < span.start);
        let to = self.toks.sig.partition_point(|t| t.span.start < span.end);
        (from, to.max(from))
    }

    /// A column definition's layout: the span of its type (from after the column name to the
    /// first option word) and the token range of each option after it (see
    /// [`Tokens::column_options`]).
    fn column_layout(&self, name: &Name, def: Span) -> (Span, Vec<(usize, usize)>) {
        let Some(first) = self.toks.index_at(name.span.start).map(|i| i + 1) else {
            return (def, Vec::new());
        };
        let (_, end) = self.range_of(def);
        let segments = self.toks.column_options(first, end);
        let type_end = segments.first().map_or(end, |&(a, _)| a);
        let type_span = self.toks.span_of(first, type_end).unwrap_or(def);
        (type_span, segments)
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
        let mut using_index = None;
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
            T::PrimaryKeyUsingIndex(u) | T::UniqueUsingIndex(u) => {
                using_index = Some(self.name(&u.index_name));
                let kind = if matches!(c, T::PrimaryKeyUsingIndex(_)) {
                    ConstraintKind::PrimaryKey
                } else {
                    ConstraintKind::Unique
                };
                (u.name.as_ref(), kind, Vec::new())
            }
            T::ForeignKey(f) => (
                f.name.as_ref(),
                ConstraintKind::ForeignKey {
                    references: self.qname(&f.foreign_table)?,
                },
                idents(&f.columns),
            ),
            T::Check(ch) => (
                ch.name.as_ref(),
                self.check_kind(&ch.expr, Some(self.range_of(span))),
                Vec::new(),
            ),
            T::Exclude(x) => (x.name.as_ref(), ConstraintKind::Exclude, Vec::new()),
            _ => return None,
        };
        Some(Constraint {
            name: name.map(|n| self.name(n)),
            kind,
            columns,
            using_index,
            not_valid,
            span,
        })
    }

    /// A CHECK constraint's kind; `range` is the token range of the constraint's words, in
    /// which the expression is the parenthesised part after `CHECK`.
    fn check_kind(&self, e: &ast::Expr, range: Option<(usize, usize)>) -> ConstraintKind {
        let not_null_column = match strip_nested(e) {
            ast::Expr::IsNotNull(inner) => match strip_nested(inner) {
                ast::Expr::Identifier(id) => Some(self.name(id)),
                _ => None,
            },
            _ => None,
        };
        let inside = range.and_then(|(from, to)| {
            let (check, _) = self.toks.find_seq(from, to, &["CHECK"])?;
            let open = check + 1;
            matches!(self.toks.sig.get(open)?.token, Token::LParen)
                .then(|| (open + 1, self.toks.matching_paren(open)))
        });
        ConstraintKind::Check {
            expr: match inside {
                Some((a, b)) => self.expr_in(e, a, b),
                None => self.expr(e),
            },
            not_null_column,
        }
    }

    /// An expression whose words are the significant tokens `from..to` (found by the
    /// caller from the keywords around it): sqlparser's expression spans leave out casts and
    /// parentheses, so the tokens are the reliable source.
    fn expr_in(&self, e: &ast::Expr, from: usize, to: usize) -> Expr {
        match self.toks.span_of(from, to) {
            Some(span) => fallback::expr_from_tokens(self.toks, span, e.to_string()),
            None => self.expr(e),
        }
    }

    /// An expression located by sqlparser's span, for when no keyword marks its tokens.
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

    /// Index of the first keyword `kw` at parenthesis depth 0 in `from..to`.
    fn top_level(&self, from: usize, to: usize, kw: &str) -> Option<usize> {
        let mut depth = 0i32;
        for k in from..to.min(self.toks.sig.len()) {
            let t = &self.toks.sig[k];
            match t.token {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth -= 1,
                _ if depth == 0 && t.is_kw(kw) => return Some(k),
                _ => {}
            }
        }
        None
    }

    /// The `WHERE` condition of an `UPDATE` or `DELETE` (whose leading keyword is
    /// `command`): the tokens after the top-level `WHERE`, up to `RETURNING`.
    fn where_condition(&self, e: &ast::Expr, command: &str) -> Option<Expr> {
        let n = self.toks.sig.len();
        let start = self.top_level(0, n, command)?;
        let at = self.top_level(start, n, "WHERE")?;
        let end = self.top_level(at, n, "RETURNING").unwrap_or(n);
        (at + 1 < end).then(|| self.expr_in(e, at + 1, end))
    }

    /// The `SET` list (when every target is a plain column) and the `WHERE` condition of
    /// an `UPDATE`.
    fn update_parts(&self, u: &ast::Update) -> (Vec<Assignment>, Option<Expr>) {
        // With an alias or a FROM list, values and condition may name things only that
        // statement has in scope; they are kept only when they read on their own.
        if u.from.is_some() || !u.table.joins.is_empty() || has_alias(&u.table.relation) {
            return (Vec::new(), None);
        }
        let filter = u
            .selection
            .as_ref()
            .and_then(|e| self.where_condition(e, "UPDATE"));
        let n = self.toks.sig.len();
        let list = self.top_level(0, n, "UPDATE").and_then(|start| {
            let set = self.top_level(start, n, "SET")?;
            let end = ["FROM", "WHERE", "RETURNING"]
                .iter()
                .filter_map(|kw| self.top_level(set, n, kw))
                .min()
                .unwrap_or(n);
            Some(self.toks.split_top_level_commas(set + 1, end))
        });
        let Some(items) = list.filter(|items| items.len() == u.assignments.len()) else {
            return (Vec::new(), filter);
        };
        let mut assignments = Vec::new();
        for (a, &(from, to)) in u.assignments.iter().zip(&items) {
            let ast::AssignmentTarget::ColumnName(target) = &a.target else {
                return (Vec::new(), filter);
            };
            let eq = (from..to).find(|&k| matches!(self.toks.sig[k].token, Token::Eq));
            match (self.qname(target), eq) {
                (Some(column), Some(eq)) => assignments.push(Assignment {
                    column: column.name,
                    value: self.expr_in(&a.value, eq + 1, to),
                }),
                _ => return (Vec::new(), filter),
            }
        }
        (assignments, filter)
    }
}

/// True when the table is given an alias (`UPDATE users u`).
fn has_alias(t: &ast::TableFactor) -> bool {
    matches!(t, ast::TableFactor::Table { alias: Some(_), .. })
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

/// The mode `LOCK TABLE … IN <mode> MODE` asks for.
fn lock_mode(m: &ast::LockTableMode) -> LockMode {
    use ast::LockTableMode as M;
    match m {
        M::AccessShare => LockMode::AccessShare,
        M::RowShare => LockMode::RowShare,
        M::RowExclusive => LockMode::RowExclusive,
        M::ShareUpdateExclusive => LockMode::ShareUpdateExclusive,
        M::Share => LockMode::Share,
        M::ShareRowExclusive => LockMode::ShareRowExclusive,
        M::Exclusive => LockMode::Exclusive,
        M::AccessExclusive => LockMode::AccessExclusive,
    }
}

/// `sql` as sqlparser reads it, lowered (`None` when sqlparser rejects it): the path of a
/// statement that is not skimmed, for tests of the lowering and of the skim, which must
/// agree.
#[cfg(test)]
pub(crate) fn parsed(sql: &str) -> Option<Op> {
    let (raw, toks) = crate::tokens::tokenize(sql, 0).ok()?;
    let stmts = sqlparser::parser::Parser::new(&crate::dialect::Postgres)
        .with_tokens_with_locations(raw)
        .parse_statements()
        .ok()?;
    let [stmt] = stmts.as_slice() else {
        return None;
    };
    Some(lower(stmt, &toks, Span::new(0, sql.len())))
}

#[cfg(test)]
mod tests {
    use crate::ir::{ActionKind, ConstraintKind, EnumChange, ObjectKind, Op};
    use crate::locks::LockMode;
    use crate::source::Span;

    fn op(sql: &str) -> Op {
        super::parsed(sql).expect(sql)
    }

    #[test]
    fn creates_of_objects_other_than_tables() {
        for (sql, want_kind, want_name) in [
            ("CREATE VIEW app.v AS SELECT 1", ObjectKind::View, "app.v"),
            (
                "CREATE MATERIALIZED VIEW mv AS SELECT 1",
                ObjectKind::MaterializedView,
                "mv",
            ),
            (
                "CREATE TYPE \"Mood\" AS ENUM ('sad', 'ok')",
                ObjectKind::Type,
                "\"Mood\"",
            ),
            ("CREATE DOMAIN email AS text", ObjectKind::Type, "email"),
            ("CREATE SEQUENCE s", ObjectKind::Sequence, "s"),
            ("CREATE SCHEMA IF NOT EXISTS app", ObjectKind::Schema, "app"),
            ("CREATE SCHEMA AUTHORIZATION joe", ObjectKind::Schema, "joe"),
        ] {
            match op(sql) {
                Op::CreateObject { kind, name, .. } => {
                    assert_eq!(kind, want_kind, "{sql}");
                    assert_eq!(name.sql(), want_name, "{sql}");
                }
                other => panic!("{sql}: {other:?}"),
            }
        }
    }

    #[test]
    fn renames_moves_and_drops_of_objects() {
        match op("ALTER TYPE \"Mood\" RENAME TO \"Mood_old\"") {
            Op::RenameObject { kind, name, to } => {
                assert_eq!(kind, ObjectKind::Type);
                assert_eq!(
                    (name.sql().as_str(), to.sql().as_str()),
                    ("\"Mood\"", "\"Mood_old\"")
                );
            }
            other => panic!("{other:?}"),
        }
        match op("ALTER SCHEMA app RENAME TO core") {
            Op::RenameObject { kind, to, .. } => {
                assert_eq!(kind, ObjectKind::Schema);
                assert_eq!(to.sql(), "core");
            }
            other => panic!("{other:?}"),
        }
        match op("ALTER FUNCTION f(int) SET SCHEMA app") {
            Op::SetObjectSchema { kind, schema, .. } => {
                assert_eq!(kind, ObjectKind::Function);
                assert_eq!(schema.sql(), "app");
            }
            other => panic!("{other:?}"),
        }
        match op("DROP PROCEDURE IF EXISTS p(int), q CASCADE") {
            Op::Drop(d) => {
                assert_eq!(d.kind, ObjectKind::Procedure);
                assert_eq!(d.names.len(), 2);
                assert!(d.if_exists && d.cascade);
            }
            other => panic!("{other:?}"),
        }
    }

    fn add_column(sql: &str) -> crate::ir::ColumnDef {
        match op(sql) {
            Op::AlterTable(at) => match &at.actions[0].kind {
                ActionKind::AddColumn { column, .. } => column.clone(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn columns_after_a_table_constraint_keep_their_own_spans() {
        let sql = "CREATE TABLE t (a int, PRIMARY KEY (a), b int NOT NULL, CHECK (b > 0))";
        let Op::CreateTable(ct) = op(sql) else {
            panic!("not a CREATE TABLE");
        };
        let columns: Vec<&str> = ct.columns.iter().map(|c| c.span.slice(sql)).collect();
        assert_eq!(columns, ["a int", "b int NOT NULL"]);
        let constraints: Vec<&str> = ct.constraints.iter().map(|c| c.span.slice(sql)).collect();
        assert_eq!(constraints, ["PRIMARY KEY (a)", "CHECK (b > 0)"]);
    }

    #[test]
    fn altered_type_spans_the_type_only() {
        // A column may be called `type`; sqlparser rejects COLLATE here (the fallback reads it).
        let sql = "ALTER TABLE t ALTER COLUMN type SET DATA TYPE varchar(20) USING type::text";
        let Op::AlterTable(at) = op(sql) else {
            panic!("not an ALTER TABLE")
        };
        let ActionKind::AlterColumnType { data_type, .. } = &at.actions[0].kind else {
            panic!("not a type change")
        };
        assert_eq!(data_type.span.slice(sql), "varchar(20)");
        assert_eq!(at.actions[0].focus.slice(sql), "TYPE varchar(20)");
    }

    #[test]
    fn defaults_are_read_from_their_tokens() {
        let sql = "ALTER TABLE t ADD COLUMN a int DEFAULT (floor(random() * 10))::int NOT NULL";
        let col = add_column(sql);
        let d = col.default.unwrap();
        assert_eq!(d.span.slice(sql), "(floor(random() * 10))::int");
        assert_eq!(d.calls, vec!["floor", "random"]);
        assert!(col.not_null);
        assert_eq!(col.data_type.span.slice(sql), "int");
    }

    #[test]
    fn column_constraints_have_their_own_words() {
        let sql = "ALTER TABLE t ADD COLUMN a bigint CONSTRAINT fk REFERENCES u (id) \
                   ON DELETE SET NULL NOT NULL DEFAULT NULL";
        let col = add_column(sql);
        assert_eq!(
            col.constraints[0].span.slice(sql),
            "CONSTRAINT fk REFERENCES u (id) ON DELETE SET NULL"
        );
        assert_eq!(
            col.constraints[0].body_span().slice(sql).trim(),
            "REFERENCES u (id) ON DELETE SET NULL"
        );
        assert!(col.not_null);
        assert!(col.default.unwrap().is_null);

        let sql = "ALTER TABLE t ADD COLUMN n int DEFAULT CASE WHEN x IS NOT NULL THEN 1 END CHECK (n > 0)";
        let col = add_column(sql);
        assert!(!col.not_null);
        assert_eq!(col.constraints[0].span.slice(sql), "CHECK (n > 0)");
    }

    #[test]
    fn constraints_using_an_index_and_exclusions_are_lowered() {
        let sql = "ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX i, ADD EXCLUDE USING gist (r WITH &&)";
        let Op::AlterTable(at) = op(sql) else {
            panic!()
        };
        let ActionKind::AddConstraint(u) = &at.actions[0].kind else {
            panic!()
        };
        assert!(matches!(u.kind, ConstraintKind::Unique));
        assert_eq!(
            u.using_index.as_ref().map(|n| n.sql()).as_deref(),
            Some("i")
        );
        assert_eq!(u.span.slice(sql), "CONSTRAINT u UNIQUE USING INDEX i");
        let ActionKind::AddConstraint(x) = &at.actions[1].kind else {
            panic!()
        };
        assert!(matches!(x.kind, ConstraintKind::Exclude));
    }

    #[test]
    fn update_assignments_and_conditions() {
        let sql = "UPDATE t SET a = now(), b = (c + 1) * 2 WHERE t.x = 1 RETURNING *";
        let Op::Update {
            assignments,
            filter,
            ..
        } = op(sql)
        else {
            panic!()
        };
        assert_eq!(assignments.len(), 2);
        assert_eq!(assignments[1].column.sql(), "b");
        assert_eq!(assignments[1].value.span.slice(sql), "(c + 1) * 2");
        assert_eq!(filter.unwrap().span.slice(sql), "t.x = 1");

        for sql in [
            "UPDATE t SET (a, b) = (1, 2)",
            "UPDATE t AS x SET a = x.b",
            "UPDATE t SET a = u.b FROM u WHERE u.id = t.id",
        ] {
            let Op::Update { assignments, .. } = op(sql) else {
                panic!()
            };
            assert!(assignments.is_empty(), "{sql}");
        }
        let Op::Delete { filter, .. } = op("DELETE FROM t USING u WHERE t.x = u.x") else {
            panic!()
        };
        assert!(filter.is_none());

        let sql = "DELETE FROM t WHERE id IN (SELECT id FROM t WHERE x LIMIT 5)";
        let Op::Delete { filter, .. } = op(sql) else {
            panic!()
        };
        assert_eq!(
            filter.unwrap().span.slice(sql),
            "id IN (SELECT id FROM t WHERE x LIMIT 5)"
        );
    }

    #[test]
    fn a_column_named_type_is_not_the_type_keyword() {
        let sql = "ALTER TABLE m ALTER COLUMN type TYPE \"public\".\"kind\"";
        let Op::AlterTable(at) = op(sql) else {
            panic!()
        };
        let ActionKind::AlterColumnType { data_type, .. } = &at.actions[0].kind else {
            panic!()
        };
        assert_eq!(data_type.span.slice(sql), "\"public\".\"kind\"");
    }

    #[test]
    fn the_type_of_alter_column_type_is_the_type_alone() {
        let sql = "ALTER TABLE t ALTER COLUMN a SET DATA TYPE bigint USING a::bigint";
        let Op::AlterTable(at) = op(sql) else {
            panic!()
        };
        assert_eq!(at.actions[0].focus.slice(sql), "TYPE bigint");
        let ActionKind::AlterColumnType { data_type, .. } = &at.actions[0].kind else {
            panic!()
        };
        assert_eq!(data_type.span.slice(sql), "bigint");
    }

    #[test]
    fn locks_analyze_triggers_comments_and_enum_values() {
        let Op::Lock { tables, mode, only } =
            op("LOCK TABLE ONLY a, ONLY b IN SHARE ROW EXCLUSIVE MODE")
        else {
            panic!()
        };
        assert_eq!(
            (tables.len(), mode, only),
            (2, LockMode::ShareRowExclusive, true)
        );
        assert!(matches!(
            op("LOCK t"),
            Op::Lock {
                mode: LockMode::AccessExclusive,
                only: false,
                ..
            }
        ));
        let Op::Analyze { tables } = op("ANALYZE app.t") else {
            panic!()
        };
        assert_eq!(tables[0].sql(), "app.t");
        let Op::CreateTrigger { table } =
            op("CREATE TRIGGER x BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()")
        else {
            panic!()
        };
        assert_eq!(table.sql(), "t");
        let Op::Comment { kind, relation } = op("COMMENT ON COLUMN app.t.c IS 'x'") else {
            panic!()
        };
        assert_eq!(
            (kind, relation.map(|r| r.sql())),
            (ObjectKind::Table, Some("app.t".into()))
        );
        assert!(matches!(
            op("COMMENT ON SCHEMA app IS 'x'"),
            Op::Comment {
                kind: ObjectKind::Other,
                relation: None
            }
        ));
        assert!(matches!(
            op("ALTER TYPE mood ADD VALUE 'x'"),
            Op::AlterEnum {
                change: EnumChange::AddValue { .. },
                ..
            }
        ));
    }

    #[test]
    fn unmodelled_column_actions_are_described_without_the_column_name() {
        // Both the parser and the token fallback describe them.
        let described = |sql: &str| match crate::parse::statement(sql, Span::new(0, sql.len())).op {
            Op::AlterTable(at) => match &at.actions[0].kind {
                ActionKind::Other { description } => description.clone(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        };
        assert_eq!(
            described("ALTER TABLE t ALTER COLUMN n SET (n_distinct = 5)"),
            "ALTER COLUMN SET"
        );
        assert_eq!(
            described("ALTER TABLE t DISABLE TRIGGER USER"),
            "DISABLE TRIGGER USER"
        );
    }
}
