//! What a rule knows about the statements before the one it checks.
//!
//! The engine walks a file's statements in order: rules see the context as it stands before
//! the statement, then the statement is applied to it. Rules only read it.

use crate::ident::{Name, ObjectKey, QualifiedName};
use crate::ir::{ActionKind, ConstraintKind, ObjectKind, Op, Statement, TypeName};
use crate::locks::{self, LockMode, Relation};
use crate::pg_version::PgVersion;
use crate::source::Span;
use std::collections::{HashMap, HashSet};

/// A CHECK constraint seen earlier; `not_null_column` is set for `CHECK (col IS NOT NULL)`.
#[derive(Debug, Clone)]
struct Check {
    table: ObjectKey,
    not_null_column: Option<String>,
    constraint: Option<String>,
    validated: bool,
}

/// A `SET lock_timeout` seen earlier, and whether it was `SET LOCAL` (which ends with the
/// transaction).
#[derive(Debug, Clone, Copy)]
struct Timeout {
    local: bool,
}

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
    column_types: HashMap<(ObjectKey, String), TypeName>,
    checks: Vec<Check>,
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
            column_types: HashMap::new(),
            checks: Vec::new(),
        }
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

    /// The table of `index`, when an earlier `CREATE INDEX` of this file built it. An
    /// unqualified index name is looked up in `public`, like table names.
    pub fn table_of_index(&self, index: &QualifiedName) -> Option<&QualifiedName> {
        self.index_tables.get(&index.key())
    }

    /// The type of `table.column`, when an earlier statement of the file declared it.
    pub fn column_type(&self, table: &QualifiedName, column: &Name) -> Option<&TypeName> {
        self.column_types.get(&(table.key(), column.folded()))
    }

    /// True when a validated `CHECK (column IS NOT NULL)` on `table` precedes this
    /// statement, so `SET NOT NULL` can skip its scan (PostgreSQL 12+).
    pub fn has_validated_not_null_check(&self, table: &QualifiedName, column: &Name) -> bool {
        let key = table.key();
        let column = column.folded();
        self.checks
            .iter()
            .any(|c| c.validated && c.table == key && c.not_null_column.as_deref() == Some(&column))
    }

    /// True when a validated CHECK constraint on `table` precedes this statement (one that
    /// may prove a partition bound, so that ATTACH PARTITION skips its scan).
    pub fn has_validated_check(&self, table: &QualifiedName) -> bool {
        let key = table.key();
        self.checks.iter().any(|c| c.validated && c.table == key)
    }

    /// The source text under `span` (for suggestions that rewrite the user's statement).
    pub fn text(&self, span: Span) -> &'a str {
        span.slice(self.text)
    }

    /// Applies `stmt` so that later statements see its effects.
    pub fn apply(&mut self, stmt: &Statement) {
        if self.in_transaction {
            for lock in locks::statement(stmt, self.pg) {
                if let Relation::Table(t) = lock.relation {
                    let held = self.held_locks.entry(t.key()).or_insert(lock.facts.mode);
                    *held = (*held).max(lock.facts.mode);
                }
            }
        }
        match &stmt.op {
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
                let key = ct.table.key();
                self.new_tables.insert(key.clone());
                for col in &ct.columns {
                    self.column_types
                        .insert((key.clone(), col.name.folded()), col.data_type.clone());
                    for c in &col.constraints {
                        self.add_check(&key, &c.name, &c.kind, true);
                    }
                }
                for c in &ct.constraints {
                    self.add_check(&key, &c.name, &c.kind, !c.not_valid);
                }
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
                self.column_types.insert(
                    (key.clone(), column.name.folded()),
                    column.data_type.clone(),
                );
            }
            ActionKind::AlterColumnType {
                column, data_type, ..
            } => {
                self.column_types
                    .insert((key.clone(), column.folded()), data_type.clone());
            }
            ActionKind::AddConstraint(c) => {
                if let (true, true, Some(name)) = (self.in_transaction, c.not_valid, &c.name) {
                    self.not_valid_in_transaction
                        .insert((key.clone(), name.folded()));
                }
                self.add_check(key, &c.name, &c.kind, !c.not_valid);
            }
            ActionKind::ValidateConstraint { name } => {
                let name = name.folded();
                for c in &mut self.checks {
                    if &c.table == key && c.constraint.as_deref() == Some(&name) {
                        c.validated = true;
                    }
                }
            }
            ActionKind::DropConstraint { name, .. } => {
                let name = name.folded();
                self.checks
                    .retain(|c| !(&c.table == key && c.constraint.as_deref() == Some(&name)));
            }
            ActionKind::RenameTable { to } => {
                let new_key = QualifiedName {
                    schema: table.schema.clone(),
                    name: to.clone(),
                }
                .key();
                if self.new_tables.remove(key) {
                    self.new_tables.insert(new_key);
                }
            }
            _ => {}
        }
    }

    fn add_check(
        &mut self,
        key: &ObjectKey,
        name: &Option<Name>,
        kind: &ConstraintKind,
        validated: bool,
    ) {
        if let ConstraintKind::Check {
            not_null_column, ..
        } = kind
        {
            self.checks.push(Check {
                table: key.clone(),
                not_null_column: not_null_column.as_ref().map(Name::folded),
                constraint: name.as_ref().map(Name::folded),
                validated,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::read_statements;

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
        assert!(!after(sql).has_validated_check(&table("p")));
        let validated = format!("{sql} ALTER TABLE p VALIDATE CONSTRAINT b;");
        let cx = after(&validated);
        assert!(cx.has_validated_check(&table("p")));
        assert!(
            !cx.has_validated_not_null_check(&table("p"), &Name::new("d", false, Span::default()))
        );
    }
}
