//! What a rule knows about the statements before the one it checks.
//!
//! The engine walks a file's statements in order: rules see the context as it stands before
//! the statement, then the statement is applied to it. Rules only read it.
//!
//! The schema those statements build is the [`Catalog`], one field here, updated by
//! [`Context::apply`] like the rest.

use crate::catalog::{Catalog, UnitId};
use crate::ident::{Name, ObjectKey, QualifiedName};
use crate::ir::{ActionKind, ObjectKind, Op, Statement, TypeName};
use crate::layout::Runner;
use crate::locks::{self, LockMode, Relation, Schema};
use crate::pg_version::PgVersion;
use crate::source::{LineIndex, Span};
// The context's sets and maps are asked about every statement, by each rule: foldhash
// hashes their short string keys several times faster than the standard SipHash.
use foldhash::{HashMap, HashSet};

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

/// Why a statement runs inside a transaction block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TransactionSource {
    /// An explicit `BEGIN` in the file.
    Explicit,
    /// The migration runner wraps the statements in a transaction.
    Runner,
}

/// An object name in its namespace.
type NameKey = (Namespace, ObjectKey);

/// Up to this many tables created in a file, [`Context::is_new_table`] compares names in
/// place; past it, it hashes a key (a file of thousands of statements may create hundreds).
const FEW_NEW_TABLES: usize = 16;

/// A lock the current transaction block holds on a table until it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldLock {
    /// The table, as the statement that locked it first named it.
    pub table: QualifiedName,
    /// The strongest mode held on it.
    pub mode: LockMode,
    /// The statement that took that mode: its text in the file.
    pub since: Span,
    /// That statement's index among the statements walked (see [`Context::statement_index`]).
    pub since_index: usize,
}

/// The state of the migration at one statement.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    text: &'a str,
    /// Line starts of `text`, built the first time a line number is asked for.
    lines: std::cell::OnceCell<LineIndex>,
    pg: PgVersion,
    runner: Runner,
    /// Inside an explicit `BEGIN` … `COMMIT` block.
    in_transaction: bool,
    /// Inside a transaction the migration runner opened around the statements.
    runner_transaction: bool,
    transaction_start: Option<Span>,
    lock_timeout: Option<Timeout>,
    not_valid_in_transaction: HashSet<(ObjectKey, String)>,
    ddl_in_transaction: HashSet<ObjectKey>,
    /// The locks of the current transaction block, in the order first taken.
    held_locks: Vec<HeldLock>,
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
            lines: std::cell::OnceCell::new(),
            pg,
            runner: Runner::Plain,
            in_transaction: false,
            runner_transaction: false,
            transaction_start: None,
            lock_timeout: None,
            not_valid_in_transaction: HashSet::default(),
            ddl_in_transaction: HashSet::default(),
            held_locks: Vec::new(),
            new_tables: HashSet::default(),
            index_tables: HashMap::default(),
            new_columns: HashSet::default(),
            new_names: HashSet::default(),
            position: 0,
            defined_at: HashMap::default(),
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
        self.look_ahead(statements);
        self
    }

    /// Records, for each name the file's statements define, the last statement that does.
    fn look_ahead(&mut self, statements: &[Statement]) {
        self.position = 0;
        self.defined_at.clear();
        for (index, stmt) in statements.iter().enumerate() {
            for key in defined_names(&stmt.op) {
                self.defined_at.insert(key, index);
            }
        }
    }

    /// The target PostgreSQL version.
    pub fn pg_version(&self) -> PgVersion {
        self.pg
    }

    /// True when the statement runs inside a transaction block: an explicit `BEGIN` …
    /// `COMMIT`, or one the migration runner opens around it.
    pub fn in_transaction_block(&self) -> bool {
        self.in_transaction || self.runner_transaction
    }

    /// True inside an explicit `BEGIN` … `COMMIT` block of the file.
    pub fn in_explicit_transaction(&self) -> bool {
        self.in_transaction
    }

    /// Why the statement runs in a transaction block, if it does.
    pub fn transaction_source(&self) -> Option<TransactionSource> {
        if self.in_transaction {
            Some(TransactionSource::Explicit)
        } else if self.runner_transaction {
            Some(TransactionSource::Runner)
        } else {
            None
        }
    }

    /// The migration runner the files are run with.
    pub fn runner(&self) -> Runner {
        self.runner
    }

    /// Sets the runner (once, before the first file).
    pub fn set_runner(&mut self, runner: Runner) {
        self.runner = runner;
    }

    /// Starts a new file: `text` is its source, `statements` its statements in order.
    /// `same_deploy` says whether the file deploys together with the previous one (the
    /// pending batch under `--since`): then what the previous file created is still new.
    pub fn enter_file(&mut self, text: &'a str, statements: &[Statement], same_deploy: bool) {
        self.text = text;
        self.lines = std::cell::OnceCell::new();
        self.in_transaction = false;
        self.transaction_start = None;
        self.look_ahead(statements);
        if !same_deploy {
            self.new_tables.clear();
            self.new_columns.clear();
            self.new_names.clear();
        }
        if !self.runner_transaction {
            self.lock_timeout = None;
        }
    }

    /// The runner opens a transaction around the next statements.
    pub fn begin_runner_transaction(&mut self) {
        self.runner_transaction = true;
    }

    /// The runner commits its transaction.
    pub fn end_runner_transaction(&mut self) {
        if self.runner_transaction {
            self.end_transaction();
        }
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
        let key = table.key();
        self.held_locks
            .iter()
            .find(|h| h.table.key() == key)
            .map(|h| h.mode)
    }

    /// Every lock the current transaction block holds, each with the statement that took
    /// it, in the order the tables were first locked. Empty outside a transaction block.
    pub fn held_locks(&self) -> impl Iterator<Item = &HeldLock> {
        self.held_locks.iter()
    }

    /// The index of the statement being checked among the statements walked so far (the
    /// file's own and those of `DO` bodies, in order): the number applied before it.
    pub fn statement_index(&self) -> usize {
        self.position
    }

    /// True when `table` was created earlier in this file: it is empty and no running
    /// application uses it yet, so locking it harms nobody.
    pub fn is_new_table(&self, table: &QualifiedName) -> bool {
        // Rules ask this of nearly every statement, and most files create no table or a
        // few: those few are compared in place, with no key built.
        if self.new_tables.len() <= FEW_NEW_TABLES {
            return self.new_tables.iter().any(|k| table.has_key(k));
        }
        self.new_tables.contains(&table.key())
    }

    /// True when an earlier `ADD COLUMN` of this file added `column` to `table`: no deployed
    /// app version reads or writes it yet. (Columns of tables created in the file are covered
    /// by [`Context::is_new_table`].)
    pub fn is_new_column(&self, table: &QualifiedName, column: &Name) -> bool {
        !self.new_columns.is_empty() && self.new_columns.contains(&(table.key(), column.folded()))
    }

    /// True when an earlier statement of this file created `name` as a `kind`, or renamed or
    /// moved an object to it: no deployed app version knows the name yet, so dropping or
    /// renaming it breaks nobody.
    pub fn is_new_object(&self, kind: ObjectKind, name: &QualifiedName) -> bool {
        !self.new_names.is_empty()
            && Namespace::of(kind).is_some_and(|ns| self.new_names.contains(&(ns, name.key())))
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

    /// The 1-based line of byte `offset` of the file.
    pub fn line_of(&self, offset: usize) -> usize {
        self.lines
            .get_or_init(|| LineIndex::new(self.text))
            .position(self.text, offset)
            .line
    }

    /// Applies `stmt` so that later statements see its effects.
    pub fn apply(&mut self, stmt: &Statement) {
        self.catalog.apply(stmt, self.text);
        if self.in_transaction_block() {
            self.hold_locks(stmt);
        }
        self.position += 1;
        self.apply_names(&stmt.op);
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
                let effective = !*local || self.in_transaction_block();
                self.lock_timeout = (!off && effective).then_some(Timeout { local: *local });
            }
            Op::CreateTable(ct) => {
                self.new_tables.insert(ct.table.key());
            }
            Op::AlterTable(at) => {
                let key = at.table.key();
                if self.in_transaction_block() {
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

    /// Records the locks `stmt` takes on tables it names, or on the table of an index an
    /// earlier statement of the file built: they are held until the transaction ends.
    fn hold_locks(&mut self, stmt: &Statement) {
        for lock in locks::statement_in(stmt, self.pg, &*self) {
            let table = match &lock.relation {
                Relation::Table(t) => t.clone(),
                Relation::TableOfIndex(i) => match self.table_of_index(i) {
                    Some(t) => t.clone(),
                    None => continue,
                },
                _ => continue,
            };
            let key = table.key();
            let mode = lock.facts.mode;
            match self.held_locks.iter_mut().find(|h| h.table.key() == key) {
                Some(held) if held.mode >= mode => {}
                Some(held) => {
                    held.mode = mode;
                    held.since = stmt.span;
                    held.since_index = self.position;
                }
                None => self.held_locks.push(HeldLock {
                    table,
                    mode,
                    since: stmt.span,
                    since_index: self.position,
                }),
            }
        }
    }

    /// An explicit COMMIT or ROLLBACK ends the one transaction there is, the runner's too.
    fn end_transaction(&mut self) {
        self.in_transaction = false;
        self.runner_transaction = false;
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
                if let (true, true, Some(name)) =
                    (self.in_transaction_block(), c.not_valid, &c.name)
                {
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

/// What the lock model may ask: what earlier statements of the file said about columns and
/// constraints.
impl Schema for Context<'_> {
    fn column_type(&self, table: &QualifiedName, column: &Name) -> Option<TypeName> {
        self.catalog
            .column_type(table, column)
            .map(|t| TypeName::new(t.text.clone(), Span::default()))
    }

    fn proves_not_null(&self, table: &QualifiedName, column: &Name) -> bool {
        self.catalog.has_validated_not_null_check(table, column)
    }

    fn proves_partition_bound(&self, partition: &QualifiedName) -> bool {
        self.catalog.has_validated_check(partition)
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
    fn held_locks_say_where_the_mode_held_was_taken() {
        let sql = "CREATE INDEX i ON t (a);\nBEGIN;\nCREATE INDEX j ON t (b);\nUPDATE u SET a = 1;\n\
                   ALTER TABLE t ADD COLUMN c int;\nDROP INDEX i;\nSELECT 1;";
        let (_, statements) = read_statements(sql);
        let mut cx = Context::new(sql, PgVersion::DEFAULT);
        let mut seen = Vec::new();
        for s in &statements {
            seen.push(
                cx.held_locks()
                    .map(|h| {
                        (
                            h.table.sql(),
                            h.mode,
                            h.since.slice(sql).to_string(),
                            h.since_index,
                        )
                    })
                    .collect::<Vec<_>>(),
            );
            cx.apply(s);
        }
        // Before the UPDATE: the SHARE of the CREATE INDEX on t.
        assert_eq!(
            seen[3],
            vec![(
                "t".into(),
                LockMode::Share,
                "CREATE INDEX j ON t (b)".into(),
                2
            )]
        );
        // Before the SELECT: ACCESS EXCLUSIVE on t since the ALTER TABLE (DROP INDEX i,
        // whose table an earlier statement names, takes no stronger one), ROW EXCLUSIVE on u.
        assert_eq!(
            seen[6],
            vec![
                (
                    "t".into(),
                    LockMode::AccessExclusive,
                    "ALTER TABLE t ADD COLUMN c int".into(),
                    4
                ),
                (
                    "u".into(),
                    LockMode::RowExclusive,
                    "UPDATE u SET a = 1".into(),
                    3
                ),
            ]
        );
        assert!(
            seen[1].is_empty(),
            "the first CREATE INDEX ran outside the block"
        );
        assert_eq!(cx.statement_index(), 7);
    }

    #[test]
    fn the_lock_model_asks_the_context_what_earlier_statements_declared() {
        let cx = after(
            "CREATE TABLE t (code varchar(10), n int); ALTER TABLE t ADD CONSTRAINT c CHECK (n IS NOT NULL);",
        );
        let name = |n: &str| Name::new(n, false, Span::default());
        assert_eq!(
            Schema::column_type(&cx, &table("t"), &name("code")).map(|t| t.text),
            Some("varchar(10)".to_string())
        );
        assert!(cx.proves_not_null(&table("t"), &name("n")));
        assert!(!cx.proves_partition_bound(&table("u")));
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
