//! What a rule knows about the statements before the one it checks.
//!
//! The engine walks a file's statements in order: rules see the context as it stands before
//! the statement, then the statement is applied to it. Rules only read it.
//!
//! The schema those statements build is the [`Catalog`], one field here, updated by
//! [`Context::apply`] like the rest.

use crate::catalog::{Catalog, UnitId};
use crate::ident::{Name, ObjectKey, QualifiedName};
use crate::ir::{ActionKind, ObjectKind, Op, Statement};
use crate::locks::{self, LockMode, Relation};
use crate::pg_version::PgVersion;
use crate::source::Span;
use std::collections::{HashMap, HashSet};

/// A `SET lock_timeout` seen earlier, and whether it was `SET LOCAL` (which ends with the
/// transaction).
#[derive(Debug, Clone, Copy)]
struct Timeout {
    local: bool,
}

/// Where PostgreSQL keeps an object's name: two objects of one namespace cannot share a name
/// within a schema (a view takes a name away from tables, a domain from types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Namespace {
    /// Tables, views, materialized views, sequences.
    Relation,
    /// Types and domains.
    Type,
    /// Functions and procedures.
    Routine,
    /// Schemas.
    Schema,
}

impl Namespace {
    fn of(kind: ObjectKind) -> Option<Namespace> {
        match kind {
            ObjectKind::Table
            | ObjectKind::View
            | ObjectKind::MaterializedView
            | ObjectKind::Sequence => Some(Namespace::Relation),
            ObjectKind::Type => Some(Namespace::Type),
            ObjectKind::Function | ObjectKind::Procedure => Some(Namespace::Routine),
            ObjectKind::Schema => Some(Namespace::Schema),
            _ => None,
        }
    }
}

/// An object name in its namespace.
type NameKey = (Namespace, ObjectKey);

/// The state of the migration at one statement.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    text: &'a str,
    pg: PgVersion,
    in_transaction: bool,
    transaction_start: Option<Span>,
    lock_timeout: Option<Timeout>,
    not_valid_in_transaction: HashSet<(ObjectKey, String)>,
    ddl_in_transaction: HashSet<ObjectKey>,
    held_locks: HashMap<ObjectKey, LockMode>,
    new_tables: HashSet<ObjectKey>,
    index_tables: HashMap<ObjectKey, QualifiedName>,
    /// Columns `ADD COLUMN` added to existing tables earlier in the file.
    new_columns: HashSet<(ObjectKey, String)>,
    /// Names earlier statements of the file created, or renamed or moved an object to.
    new_names: HashSet<NameKey>,
    /// Index of the statement being checked (the number of statements applied so far).
    position: usize,
    /// For each name a statement of the file defines, the index of the last such statement.
    defined_at: HashMap<NameKey, usize>,
    /// The schema the statements so far build.
    catalog: Catalog,
}

impl<'a> Context<'a> {
    /// A fresh context for a file whose text is `text`.
    pub fn new(text: &'a str, pg: PgVersion) -> Self {
        Context {
            text,
            pg,
            in_transaction: false,
            transaction_start: None,
            lock_timeout: None,
            not_valid_in_transaction: HashSet::new(),
            ddl_in_transaction: HashSet::new(),
            held_locks: HashMap::new(),
            new_tables: HashSet::new(),
            index_tables: HashMap::new(),
            new_columns: HashSet::new(),
            new_names: HashSet::new(),
            position: 0,
            defined_at: HashMap::new(),
            catalog: Catalog::default(),
        }
    }

    /// Says that the statements applied from now on belong to migration unit `unit` (the
    /// engine numbers files, or blocks of files, in run order), so that the catalog records
    /// which unit created each object ([`Catalog::created_in`]). Without it every statement
    /// counts as unit 0.
    pub fn begin_unit(&mut self, unit: UnitId) {
        self.catalog.begin_unit(unit);
    }

    /// The schema as the statements before this one leave it.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Lets rules ask what later statements of the file do with a name
    /// ([`Context::is_recreated_later`]). `statements` are the file's statements in order; the
    /// context is then applied to them one by one. Without it, no name counts as re-created
    /// later, which errs on the side of reporting.
    pub fn with_statements(mut self, statements: &[Statement]) -> Self {
        for (index, stmt) in statements.iter().enumerate() {
            for key in defined_names(&stmt.op) {
                self.defined_at.insert(key, index);
            }
        }
        self
    }

    /// The target PostgreSQL version.
    pub fn pg_version(&self) -> PgVersion {
        self.pg
    }

    /// True inside an explicit `BEGIN` … `COMMIT` block.
    pub fn in_transaction_block(&self) -> bool {
        self.in_transaction
    }

    /// The `BEGIN` that opened the current transaction block, if one is open.
    pub fn transaction_start(&self) -> Option<Span> {
        self.transaction_start
    }

    /// True when an earlier `SET [LOCAL] lock_timeout` to a non-zero value is in force.
    pub fn lock_timeout_set(&self) -> bool {
        self.lock_timeout.is_some()
    }

    /// True when constraint `name` of `table` was added `NOT VALID` earlier in the current
    /// transaction block (its ACCESS EXCLUSIVE lock is still held).
    pub fn added_not_valid_in_transaction(&self, table: &QualifiedName, name: &Name) -> bool {
        self.not_valid_in_transaction
            .contains(&(table.key(), name.folded()))
    }

    /// True when an earlier statement of the current transaction block changed the schema of
    /// `table` (so its lock is still held).
    pub fn ddl_in_transaction(&self, table: &QualifiedName) -> bool {
        self.ddl_in_transaction.contains(&table.key())
    }

    /// The strongest lock the current transaction block already holds on `table` (locks
    /// last until COMMIT), from the lock model.
    pub fn lock_held(&self, table: &QualifiedName) -> Option<LockMode> {
        self.held_locks.get(&table.key()).copied()
    }

    /// True when `table` was created earlier in this file: it is empty and no running
    /// application uses it yet, so locking it harms nobody.
    pub fn is_new_table(&self, table: &QualifiedName) -> bool {
        self.new_tables.contains(&table.key())
    }

    /// True when an earlier `ADD COLUMN` of this file added `column` to `table`: no deployed
    /// app version reads or writes it yet. (Columns of tables created in the file are covered
    /// by [`Context::is_new_table`].)
    pub fn is_new_column(&self, table: &QualifiedName, column: &Name) -> bool {
        self.new_columns.contains(&(table.key(), column.folded()))
    }

    /// True when an earlier statement of this file created `name` as a `kind`, or renamed or
    /// moved an object to it: no deployed app version knows the name yet, so dropping or
    /// renaming it breaks nobody.
    pub fn is_new_object(&self, kind: ObjectKind, name: &QualifiedName) -> bool {
        Namespace::of(kind).is_some_and(|ns| self.new_names.contains(&(ns, name.key())))
    }

    /// True when a later statement of this file creates `name` again as a `kind` (or an
    /// object of its namespace), or renames or moves an object to it: after a drop or rename
    /// the name keeps working for running apps, as in the usual "rename the old type away,
    /// create the new one under its name" swap. This looks ahead; everything else in the
    /// context is about earlier statements.
    pub fn is_recreated_later(&self, kind: ObjectKind, name: &QualifiedName) -> bool {
        Namespace::of(kind).is_some_and(|ns| {
            self.defined_at
                .get(&(ns, name.key()))
                .is_some_and(|&at| at > self.position)
        })
    }

    /// The table of `index`, when an earlier `CREATE INDEX` of this file built it. An
    /// unqualified index name is looked up in `public`, like table names.
    pub fn table_of_index(&self, index: &QualifiedName) -> Option<&QualifiedName> {
        self.index_tables.get(&index.key())
    }

    /// The source text under `span` (for suggestions that rewrite the user's statement).
    pub fn text(&self, span: Span) -> &'a str {
        span.slice(self.text)
    }

    /// Applies `stmt` so that later statements see its effects.
    pub fn apply(&mut self, stmt: &Statement) {
        self.catalog.apply(stmt, self.text);
        self.position += 1;
        self.apply_names(&stmt.op);
        if self.in_transaction {
            for lock in locks::statement(stmt, self.pg) {
                if let Relation::Table(t) = lock.relation {
                    let held = self.held_locks.entry(t.key()).or_insert(lock.facts.mode);
                    *held = (*held).max(lock.facts.mode);
                }
            }
        }
        match &stmt.op {
            // Inside a DO body, BEGIN and END delimit PL/pgSQL blocks: they do not open or
            // close the migration's transaction block.
            Op::Begin | Op::Commit | Op::Rollback if stmt.in_do_block => {}
            Op::Begin => {
                if !self.in_transaction {
                    self.transaction_start = Some(stmt.keyword_span);
                }
                self.in_transaction = true;
            }
            Op::Commit | Op::Rollback => self.end_transaction(),
            Op::Set { name, value, local } if name == "lock_timeout" => {
                let off = matches!(value.trim_matches('\'').trim(), "0" | "default" | "DEFAULT");
                // SET LOCAL outside a transaction block has no effect (PostgreSQL warns).
                let effective = !*local || self.in_transaction;
                self.lock_timeout = (!off && effective).then_some(Timeout { local: *local });
            }
            Op::CreateTable(ct) => {
                self.new_tables.insert(ct.table.key());
            }
            Op::AlterTable(at) => {
                let key = at.table.key();
                if self.in_transaction {
                    self.ddl_in_transaction.insert(key.clone());
                }
                for action in &at.actions {
                    self.apply_action(&at.table, &key, &action.kind);
                }
            }
            Op::CreateIndex(ci) => {
                if let Some(name) = &ci.name {
                    // An index lives in its table's schema.
                    let index = QualifiedName {
                        schema: ci.table.schema.clone(),
                        name: name.name.clone(),
                    };
                    self.index_tables.insert(index.key(), ci.table.clone());
                }
            }
            Op::Drop(d) => {
                for n in &d.names {
                    if d.kind == ObjectKind::Index {
                        self.index_tables.remove(&n.key());
                    } else {
                        self.new_tables.remove(&n.key());
                    }
                }
            }
            _ => {}
        }
    }

    fn end_transaction(&mut self) {
        self.in_transaction = false;
        self.transaction_start = None;
        self.not_valid_in_transaction.clear();
        self.ddl_in_transaction.clear();
        self.held_locks.clear();
        if self.lock_timeout.is_some_and(|t| t.local) {
            self.lock_timeout = None;
        }
    }

    fn apply_action(&mut self, table: &QualifiedName, key: &ObjectKey, kind: &ActionKind) {
        match kind {
            ActionKind::AddColumn { column, .. } => {
                self.new_columns.insert((key.clone(), column.name.folded()));
            }
            ActionKind::AddConstraint(c) => {
                if let (true, true, Some(name)) = (self.in_transaction, c.not_valid, &c.name) {
                    self.not_valid_in_transaction
                        .insert((key.clone(), name.folded()));
                }
            }
            ActionKind::RenameTable { to } => {
                let new_key = table.renamed(to).key();
                if self.new_tables.remove(key) {
                    self.new_tables.insert(new_key);
                }
            }
            ActionKind::SetSchema { schema } => {
                let new_key = table.moved(schema).key();
                if self.new_tables.remove(key) {
                    self.new_tables.insert(new_key);
                }
            }
            _ => {}
        }
    }

    /// Tracks which names are new: created, renamed to or moved to by this file so far.
    fn apply_names(&mut self, op: &Op) {
        match op {
            Op::Drop(d) => {
                if let Some(ns) = Namespace::of(d.kind) {
                    for n in &d.names {
                        self.new_names.remove(&(ns, n.key()));
                    }
                }
            }
            Op::RenameObject { kind, name, .. } | Op::SetObjectSchema { kind, name, .. } => {
                if let Some(ns) = Namespace::of(*kind) {
                    self.new_names.remove(&(ns, name.key()));
                }
            }
            Op::AlterTable(at) => {
                let moves = at.actions.iter().any(|a| {
                    matches!(
                        a.kind,
                        ActionKind::RenameTable { .. } | ActionKind::SetSchema { .. }
                    )
                });
                if moves {
                    self.new_names
                        .remove(&(Namespace::Relation, at.table.key()));
                }
            }
            _ => {}
        }
        self.new_names.extend(defined_names(op));
    }
}

/// The names a statement gives to objects: what it creates, renames to or moves to.
fn defined_names(op: &Op) -> Vec<NameKey> {
    let key =
        |kind: ObjectKind, name: QualifiedName| Namespace::of(kind).map(|ns| (ns, name.key()));
    match op {
        Op::CreateTable(ct) => vec![(Namespace::Relation, ct.table.key())],
        Op::CreateObject { kind, name, .. } => key(*kind, name.clone()).into_iter().collect(),
        Op::RenameObject { kind, name, to } => key(*kind, name.renamed(to)).into_iter().collect(),
        Op::SetObjectSchema { kind, name, schema } => {
            key(*kind, name.moved(schema)).into_iter().collect()
        }
        Op::AlterTable(at) => at
            .actions
            .iter()
            .filter_map(|a| match &a.kind {
                ActionKind::RenameTable { to } => Some(at.table.renamed(to)),
                ActionKind::SetSchema { schema } => Some(at.table.moved(schema)),
                _ => None,
            })
            .map(|n| (Namespace::Relation, n.key()))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::read_statements;

    /// Applies every statement of `sql` but the last, then runs `check` on the context the
    /// last one sees.
    fn before_last(sql: &str, check: impl Fn(&Context)) {
        let (_, statements) = read_statements(sql);
        let mut cx = Context::new(sql, PgVersion::DEFAULT).with_statements(&statements);
        for s in &statements[..statements.len() - 1] {
            cx.apply(s);
        }
        check(&cx);
    }

    fn qname(schema: Option<&str>, name: &str) -> QualifiedName {
        QualifiedName {
            schema: schema.map(|s| Name::new(s, false, Span::default())),
            name: Name::new(name, false, Span::default()),
        }
    }

    /// The context after every statement of `sql`.
    fn after(sql: &str) -> Context<'_> {
        let mut cx = Context::new(sql, PgVersion::DEFAULT);
        for s in read_statements(sql).1 {
            cx.apply(&s);
        }
        cx
    }

    fn table(name: &str) -> QualifiedName {
        QualifiedName {
            schema: None,
            name: Name::new(name, false, Span::default()),
        }
    }

    #[test]
    fn created_renamed_and_moved_names_are_new_until_dropped() {
        before_last(
            "CREATE VIEW v AS SELECT 1; CREATE TYPE mood AS ENUM ('ok'); \
             ALTER TYPE old_kind RENAME TO kind; ALTER VIEW w SET SCHEMA archive; \
             CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$; DROP VIEW v; SELECT 1",
            |cx| {
                assert!(!cx.is_new_object(ObjectKind::View, &qname(None, "v")));
                assert!(cx.is_new_object(ObjectKind::Type, &qname(Some("public"), "mood")));
                assert!(cx.is_new_object(ObjectKind::Type, &qname(None, "kind")));
                assert!(!cx.is_new_object(ObjectKind::Type, &qname(None, "old_kind")));
                assert!(cx.is_new_object(ObjectKind::View, &qname(Some("archive"), "w")));
                assert!(cx.is_new_object(ObjectKind::Procedure, &qname(None, "f")));
                // A type is not a relation: the namespaces are apart.
                assert!(!cx.is_new_object(ObjectKind::Table, &qname(None, "mood")));
            },
        );
    }

    #[test]
    fn names_defined_after_the_statement_are_recreated_later() {
        before_last(
            "CREATE TYPE kind_new AS ENUM ('a'); ALTER TYPE kind RENAME TO kind_old",
            |cx| {
                assert!(!cx.is_recreated_later(ObjectKind::Type, &qname(None, "kind")));
            },
        );
        let sql = "ALTER TYPE kind RENAME TO kind_old; ALTER TYPE kind_new RENAME TO kind";
        let (_, statements) = read_statements(sql);
        let cx = Context::new(sql, PgVersion::DEFAULT).with_statements(&statements);
        assert!(cx.is_recreated_later(ObjectKind::Type, &qname(None, "kind")));
        assert!(!cx.is_recreated_later(ObjectKind::Type, &qname(None, "kind_old")));
        assert!(!cx.is_recreated_later(ObjectKind::View, &qname(None, "kind")));
    }

    #[test]
    fn a_new_table_moved_to_another_schema_stays_new() {
        before_last(
            "CREATE TABLE t (id bigint); ALTER TABLE t SET SCHEMA archive; SELECT 1",
            |cx| {
                assert!(cx.is_new_table(&qname(Some("archive"), "t")));
                assert!(!cx.is_new_table(&qname(None, "t")));
            },
        );
    }

    #[test]
    fn locks_are_held_until_the_transaction_ends() {
        let sql =
            "BEGIN; ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID; UPDATE u SET a = 1;";
        let cx = after(sql);
        assert_eq!(cx.lock_held(&table("t")), Some(LockMode::AccessExclusive));
        assert_eq!(cx.lock_held(&table("u")), Some(LockMode::RowExclusive));
        let committed = format!("{sql} COMMIT;");
        let cx = after(&committed);
        assert_eq!(cx.lock_held(&table("t")), None);
        // Outside a transaction block each statement releases its locks.
        let cx = after("ALTER TABLE t ADD COLUMN a int;");
        assert_eq!(cx.lock_held(&table("t")), None);
    }

    #[test]
    fn indexes_remember_their_table() {
        let cx = after("CREATE INDEX i ON app.t (a); CREATE INDEX j ON t (a); DROP INDEX j;");
        let i = QualifiedName {
            schema: Some(Name::new("app", false, Span::default())),
            name: Name::new("i", false, Span::default()),
        };
        assert_eq!(
            cx.table_of_index(&i).map(|t| t.sql()).as_deref(),
            Some("app.t")
        );
        assert!(cx.table_of_index(&table("i")).is_none());
        assert!(cx.table_of_index(&table("j")).is_none());
    }

    #[test]
    fn any_validated_check_counts_for_partitions() {
        let sql = "ALTER TABLE p ADD CONSTRAINT b CHECK (d >= '2024-01-01') NOT VALID;";
        assert!(!after(sql).catalog().has_validated_check(&table("p")));
        let validated = format!("{sql} ALTER TABLE p VALIDATE CONSTRAINT b;");
        let cx = after(&validated);
        assert!(cx.catalog().has_validated_check(&table("p")));
        assert!(
            !cx.catalog()
                .has_validated_not_null_check(&table("p"), &Name::new("d", false, Span::default()))
        );
    }
}
