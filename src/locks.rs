//! The lock model: which lock a migration operation takes, what that blocks, and whether it
//! rewrites or scans the table. The one place these PostgreSQL facts are written; rules
//! read them for their messages.
//!
//! Sources: the PostgreSQL documentation's "Explicit Locking" table and the pages of
//! ALTER TABLE, CREATE INDEX, DROP INDEX, REINDEX, CLUSTER, VACUUM and REFRESH MATERIALIZED
//! VIEW. A later test checks them against a real server.

use crate::ident::QualifiedName;
use crate::ir::{
    ActionKind, AlterTable, ColumnDef, Constraint, ConstraintKind, ObjectKind, Op, Statement,
};
use crate::pg_version::PgVersion;
use crate::volatility::{self, VolatileCall};
use serde::Serialize;

/// PostgreSQL's table-level lock modes, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockMode {
    /// ACCESS SHARE (SELECT).
    AccessShare,
    /// ROW SHARE (SELECT FOR UPDATE).
    RowShare,
    /// ROW EXCLUSIVE (INSERT, UPDATE, DELETE).
    RowExclusive,
    /// SHARE UPDATE EXCLUSIVE (VACUUM, CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT).
    ShareUpdateExclusive,
    /// SHARE (CREATE INDEX).
    Share,
    /// SHARE ROW EXCLUSIVE (ADD FOREIGN KEY, CREATE TRIGGER).
    ShareRowExclusive,
    /// EXCLUSIVE (REFRESH MATERIALIZED VIEW CONCURRENTLY).
    Exclusive,
    /// ACCESS EXCLUSIVE (most ALTER TABLE forms, DROP, TRUNCATE).
    AccessExclusive,
}

impl LockMode {
    /// The mode's name as PostgreSQL's documentation writes it.
    pub fn name(self) -> &'static str {
        match self {
            LockMode::AccessShare => "ACCESS SHARE",
            LockMode::RowShare => "ROW SHARE",
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::Exclusive => "EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// "a" or "an", whichever the mode's name takes ("an ACCESS EXCLUSIVE lock", "a SHARE
    /// lock").
    pub fn article(self) -> &'static str {
        match self {
            LockMode::AccessShare | LockMode::AccessExclusive | LockMode::Exclusive => "an",
            _ => "a",
        }
    }

    /// What ordinary traffic this mode makes wait: reads (ACCESS SHARE) conflict only with
    /// ACCESS EXCLUSIVE; writes (ROW EXCLUSIVE) with SHARE and stronger; schema changes
    /// with SHARE UPDATE EXCLUSIVE and stronger.
    pub fn blocks(self) -> Vec<Blocked> {
        let mut b = Vec::new();
        if self == LockMode::AccessExclusive {
            b.push(Blocked::Reads);
        }
        if self >= LockMode::Share {
            b.push(Blocked::Writes);
        }
        if self >= LockMode::ShareUpdateExclusive {
            b.push(Blocked::Ddl);
        }
        b
    }

    /// "reads and writes", "writes": for messages.
    pub fn blocks_phrase(self) -> &'static str {
        match self {
            LockMode::AccessExclusive => "blocks reads and writes",
            m if m >= LockMode::Share => "blocks writes",
            m if m >= LockMode::ShareUpdateExclusive => "blocks other schema changes",
            _ => "blocks ACCESS EXCLUSIVE locks only",
        }
    }
}

impl Serialize for LockMode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Traffic a lock makes wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Blocked {
    /// SELECT.
    Reads,
    /// INSERT, UPDATE, DELETE.
    Writes,
    /// Other schema changes, VACUUM, index builds.
    Ddl,
}

/// What one operation does to the table it targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockFacts {
    /// The lock taken on the target table.
    pub mode: LockMode,
    /// True when every row is rewritten (and every index rebuilt).
    pub rewrite: bool,
    /// True when every row is read (to check or to build an index) while the lock is held.
    pub scan: bool,
}

impl LockFacts {
    const fn catalog(mode: LockMode) -> Self {
        LockFacts {
            mode,
            rewrite: false,
            scan: false,
        }
    }

    const fn scan(mode: LockMode) -> Self {
        LockFacts {
            mode,
            rewrite: false,
            scan: true,
        }
    }

    const fn rewrite(mode: LockMode) -> Self {
        LockFacts {
            mode,
            rewrite: true,
            scan: true,
        }
    }

    /// Two operations of one statement on the same table: the statement takes the stronger
    /// lock for all of them, and rewrites or scans if either does.
    fn and(self, other: LockFacts) -> LockFacts {
        LockFacts {
            mode: self.mode.max(other.mode),
            rewrite: self.rewrite || other.rewrite,
            scan: self.scan || other.scan,
        }
    }
}

/// A relation a statement locks, named as the statement names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relation {
    /// A table, partition, view or materialized view the statement names.
    Table(QualifiedName),
    /// An index the statement names.
    Index(QualifiedName),
    /// The table of an index the statement names: `DROP INDEX` and `REINDEX INDEX` lock it
    /// without naming it.
    TableOfIndex(QualifiedName),
}

/// One lock one statement takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationLock {
    /// What is locked.
    pub relation: Relation,
    /// The lock and what the statement does under it.
    pub facts: LockFacts,
}

/// Why `ADD COLUMN` rewrites every row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddColumnRewrite {
    /// `serial`, `bigserial`, `smallserial`: each row gets its own `nextval()`.
    Serial,
    /// `GENERATED … AS IDENTITY`: each row gets its own sequence value.
    Identity,
    /// `GENERATED ALWAYS AS (…) STORED`: computed and stored for each row.
    GeneratedStored,
    /// A volatile default is computed for each row.
    VolatileDefault(VolatileCall),
    /// Before PostgreSQL 11, every non-null default is written into each row.
    DefaultBefore11,
}

/// Whether and why adding `column` to an existing table rewrites it on `pg`.
pub fn add_column_rewrite(column: &ColumnDef, pg: PgVersion) -> Option<AddColumnRewrite> {
    if column.is_serial() {
        return Some(AddColumnRewrite::Serial);
    }
    if column.identity {
        return Some(AddColumnRewrite::Identity);
    }
    if column.generated_stored {
        return Some(AddColumnRewrite::GeneratedStored);
    }
    let default = column.non_null_default()?;
    if let Some(call) = volatility::volatile_call(default) {
        return Some(AddColumnRewrite::VolatileDefault(call));
    }
    (!pg.at_least(11)).then_some(AddColumnRewrite::DefaultBefore11)
}

/// The lock an `ALTER TABLE` action takes on its table (for ATTACH and DETACH PARTITION,
/// the partitioned table).
pub fn alter_table_action(kind: &ActionKind, pg: PgVersion) -> LockFacts {
    use LockMode::*;
    match kind {
        ActionKind::AddColumn { column, .. } => {
            if add_column_rewrite(column, pg).is_some() {
                LockFacts::rewrite(AccessExclusive)
            } else if column.constraints.iter().any(|c| c.using_index.is_none()) {
                // Inline constraints are checked (or their index built) over every row.
                LockFacts::scan(AccessExclusive)
            } else {
                LockFacts::catalog(AccessExclusive)
            }
        }
        ActionKind::SetNotNull { .. } => LockFacts::scan(AccessExclusive),
        ActionKind::AlterColumnType { .. } => LockFacts {
            mode: AccessExclusive,
            rewrite: true,
            scan: true,
        },
        ActionKind::AddConstraint(c) => match &c.kind {
            ConstraintKind::ForeignKey { .. } if c.not_valid => {
                LockFacts::catalog(ShareRowExclusive)
            }
            ConstraintKind::ForeignKey { .. } => LockFacts::scan(ShareRowExclusive),
            ConstraintKind::Check { .. } if c.not_valid => LockFacts::catalog(AccessExclusive),
            ConstraintKind::PrimaryKey | ConstraintKind::Unique if c.using_index.is_some() => {
                LockFacts::catalog(AccessExclusive)
            }
            _ => LockFacts::scan(AccessExclusive),
        },
        ActionKind::ValidateConstraint { .. } => LockFacts::scan(ShareUpdateExclusive),
        // From 12 the parent takes SHARE UPDATE EXCLUSIVE; the partition is locked (and
        // scanned) on its own, see `partition_lock`.
        ActionKind::AttachPartition { .. } if pg.at_least(12) => {
            LockFacts::catalog(ShareUpdateExclusive)
        }
        ActionKind::DetachPartition {
            concurrently,
            finalize,
            ..
        } if *concurrently || *finalize => LockFacts::catalog(ShareUpdateExclusive),
        _ => LockFacts::catalog(AccessExclusive),
    }
}

/// The lock ATTACH or DETACH PARTITION takes on the partition itself: ACCESS EXCLUSIVE
/// (in the second of DETACH CONCURRENTLY's two transactions), and for ATTACH a scan that
/// proves every row fits the partition bound unless a validated CHECK already does.
fn partition_lock(kind: &ActionKind) -> Option<(QualifiedName, LockFacts)> {
    match kind {
        ActionKind::AttachPartition { partition } => Some((
            partition.clone(),
            LockFacts::scan(LockMode::AccessExclusive),
        )),
        ActionKind::DetachPartition { partition, .. } => Some((
            partition.clone(),
            LockFacts::catalog(LockMode::AccessExclusive),
        )),
        _ => None,
    }
}

/// Every lock a statement takes on a relation it names (or, for an index, on that index's
/// table), strongest facts per relation. Statements that lock nothing bellows can name
/// (`REINDEX DATABASE`, `CLUSTER` without a table, `LOCK TABLE`, whose mode the IR does not
/// keep) give none.
pub fn statement(stmt: &Statement, pg: PgVersion) -> Vec<RelationLock> {
    use LockMode::*;
    let concurrently = stmt.concurrently.is_some();
    let on = |relation: Relation, facts: LockFacts| RelationLock { relation, facts };
    let each = |tables: &[QualifiedName], facts: LockFacts| {
        tables
            .iter()
            .map(|t| on(Relation::Table(t.clone()), facts))
            .collect()
    };
    match &stmt.op {
        Op::CreateTable(ct) => {
            // PARTITION OF locks the parent; a foreign key adds a trigger to the referenced
            // table, which takes SHARE ROW EXCLUSIVE there.
            let mut locks: Vec<RelationLock> = ct
                .partition_of
                .iter()
                .map(|p| {
                    on(
                        Relation::Table(p.clone()),
                        LockFacts::catalog(AccessExclusive),
                    )
                })
                .collect();
            let inline = ct.columns.iter().flat_map(|c| &c.constraints);
            for c in ct.constraints.iter().chain(inline) {
                referenced_table(&mut locks, c, &ct.table);
            }
            locks
        }
        Op::CreateIndex(ci) => vec![on(
            Relation::Table(ci.table.clone()),
            create_index(ci.concurrently),
        )],
        Op::AlterTable(at) => alter_table(at, pg),
        Op::Drop(d) => match d.kind {
            ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView => {
                each(&d.names, LockFacts::catalog(AccessExclusive))
            }
            ObjectKind::Index => {
                let facts = drop_index(concurrently);
                d.names
                    .iter()
                    .flat_map(|n| {
                        [
                            on(Relation::TableOfIndex(n.clone()), facts),
                            on(Relation::Index(n.clone()), facts),
                        ]
                    })
                    .collect()
            }
            _ => Vec::new(),
        },
        Op::Reindex {
            target,
            name: Some(name),
        } => {
            let (table, index) = reindex(concurrently);
            match target {
                ObjectKind::Index => vec![
                    on(Relation::TableOfIndex(name.clone()), table),
                    on(Relation::Index(name.clone()), index),
                ],
                ObjectKind::Table => vec![on(Relation::Table(name.clone()), table)],
                _ => Vec::new(),
            }
        }
        Op::Cluster { table: Some(t) } => vec![on(Relation::Table(t.clone()), cluster())],
        Op::Vacuum { full, tables } => each(tables, vacuum(*full)),
        Op::RefreshMaterializedView { name } => vec![on(
            Relation::Table(name.clone()),
            refresh_materialized_view(concurrently),
        )],
        Op::Truncate { tables } => each(tables, LockFacts::catalog(AccessExclusive)),
        Op::Update {
            table, has_where, ..
        }
        | Op::Delete {
            table, has_where, ..
        } => vec![on(
            Relation::Table(table.clone()),
            LockFacts {
                mode: RowExclusive,
                rewrite: false,
                scan: !has_where,
            },
        )],
        Op::Insert { table } => vec![on(
            Relation::Table(table.clone()),
            LockFacts::catalog(RowExclusive),
        )],
        _ => Vec::new(),
    }
}

/// The locks of an `ALTER TABLE`: its table, the tables its foreign keys reference, and
/// the partition it attaches or detaches.
fn alter_table(at: &AlterTable, pg: PgVersion) -> Vec<RelationLock> {
    let mut locks: Vec<RelationLock> = Vec::new();
    for action in &at.actions {
        push(
            &mut locks,
            Relation::Table(at.table.clone()),
            alter_table_action(&action.kind, pg),
        );
        for (c, _) in action.added_constraints() {
            referenced_table(&mut locks, c, &at.table);
        }
        if let Some((partition, facts)) = partition_lock(&action.kind) {
            push(&mut locks, Relation::Table(partition), facts);
        }
    }
    locks
}

/// The lock a foreign key of `table` takes on the table it references (unless that is
/// `table` itself): SHARE ROW EXCLUSIVE, held through the validation, though the referenced
/// table is only read through its key.
fn referenced_table(locks: &mut Vec<RelationLock>, c: &Constraint, table: &QualifiedName) {
    if let ConstraintKind::ForeignKey { references } = &c.kind
        && references.key() != table.key()
    {
        push(
            locks,
            Relation::Table(references.clone()),
            LockFacts::catalog(LockMode::ShareRowExclusive),
        );
    }
}

/// Adds a lock, merging it with an earlier one on the same relation.
fn push(locks: &mut Vec<RelationLock>, relation: Relation, facts: LockFacts) {
    let same = |a: &Relation, b: &Relation| match (a, b) {
        (Relation::Table(x), Relation::Table(y))
        | (Relation::Index(x), Relation::Index(y))
        | (Relation::TableOfIndex(x), Relation::TableOfIndex(y)) => x.key() == y.key(),
        _ => false,
    };
    match locks.iter_mut().find(|l| same(&l.relation, &relation)) {
        Some(l) => l.facts = l.facts.and(facts),
        None => locks.push(RelationLock { relation, facts }),
    }
}

/// The lock `DROP INDEX` takes on the index and its table: ACCESS EXCLUSIVE, or SHARE
/// UPDATE EXCLUSIVE with `CONCURRENTLY`.
pub fn drop_index(concurrently: bool) -> LockFacts {
    LockFacts::catalog(if concurrently {
        LockMode::ShareUpdateExclusive
    } else {
        LockMode::AccessExclusive
    })
}

/// The locks `REINDEX` takes on the table and on each index it rebuilds: SHARE on the
/// table (writes wait) and ACCESS EXCLUSIVE on the index (so do reads that would use it,
/// and the planner opens every index of a table it plans for); with `CONCURRENTLY`
/// (PostgreSQL 12+), SHARE UPDATE EXCLUSIVE on both.
pub fn reindex(concurrently: bool) -> (LockFacts, LockFacts) {
    if concurrently {
        let f = LockFacts::scan(LockMode::ShareUpdateExclusive);
        (f, f)
    } else {
        (
            LockFacts::scan(LockMode::Share),
            LockFacts::rewrite(LockMode::AccessExclusive),
        )
    }
}

/// The lock `CLUSTER` takes on each table it reorders: ACCESS EXCLUSIVE, for a rewrite.
pub fn cluster() -> LockFacts {
    LockFacts::rewrite(LockMode::AccessExclusive)
}

/// The lock `VACUUM` takes on each table: SHARE UPDATE EXCLUSIVE for a scan, or with
/// `FULL` ACCESS EXCLUSIVE for a rewrite.
pub fn vacuum(full: bool) -> LockFacts {
    if full {
        LockFacts::rewrite(LockMode::AccessExclusive)
    } else {
        LockFacts::scan(LockMode::ShareUpdateExclusive)
    }
}

/// The lock `REFRESH MATERIALIZED VIEW` takes on the view: ACCESS EXCLUSIVE while the
/// query reruns and the contents are replaced, or EXCLUSIVE (reads go on) with
/// `CONCURRENTLY`, which compares old and new rows.
pub fn refresh_materialized_view(concurrently: bool) -> LockFacts {
    if concurrently {
        LockFacts::scan(LockMode::Exclusive)
    } else {
        LockFacts::rewrite(LockMode::AccessExclusive)
    }
}

/// The lock `CREATE INDEX` takes on its table.
pub fn create_index(concurrently: bool) -> LockFacts {
    if concurrently {
        LockFacts::scan(LockMode::ShareUpdateExclusive)
    } else {
        LockFacts::scan(LockMode::Share)
    }
}

/// Whether the statement may run inside a transaction block. PostgreSQL refuses the
/// CONCURRENTLY forms of index builds, drops, reindexes and partition detaches there (but
/// not `REFRESH MATERIALIZED VIEW CONCURRENTLY`), every VACUUM, `REINDEX SYSTEM|DATABASE`,
/// and database- and tablespace-level commands (SQLSTATE 25001).
pub fn transactional(stmt: &Statement) -> bool {
    match &stmt.op {
        Op::Vacuum { .. } => false,
        Op::RefreshMaterializedView { .. } => true,
        Op::Reindex {
            target: ObjectKind::System | ObjectKind::Database,
            ..
        } => false,
        Op::Other { command } => {
            !matches!(
                command.as_str(),
                "CREATE DATABASE"
                    | "DROP DATABASE"
                    | "ALTER SYSTEM"
                    | "CREATE TABLESPACE"
                    | "DROP TABLESPACE"
            ) && stmt.concurrently.is_none()
        }
        _ => stmt.concurrently.is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ident::Name;
    use crate::ir::Origin;
    use crate::source::Span;

    fn read(sql: &str) -> Statement {
        crate::parse::statement(sql, Span::new(0, sql.len()))
    }

    fn locks(sql: &str, pg: u32) -> Vec<(String, &'static str, bool, bool)> {
        statement(&read(sql), PgVersion(pg))
            .into_iter()
            .map(|l| {
                let name = match &l.relation {
                    Relation::Table(t) => format!("table {}", t.sql()),
                    Relation::Index(i) => format!("index {}", i.sql()),
                    Relation::TableOfIndex(i) => format!("table of {}", i.sql()),
                };
                (name, l.facts.mode.name(), l.facts.rewrite, l.facts.scan)
            })
            .collect()
    }

    fn qname(n: &str) -> QualifiedName {
        QualifiedName {
            schema: None,
            name: Name::new(n, false, Span::default()),
        }
    }

    /// A statement the token fallback produces, built by hand.
    fn built(op: Op, concurrently: bool) -> Statement {
        Statement {
            span: Span::default(),
            keyword_span: Span::default(),
            op,
            origin: Origin::Fallback,
            concurrently: concurrently.then(Span::default),
            in_do_block: false,
        }
    }

    #[test]
    fn add_column_rewrites_for_volatile_defaults_and_generated_values() {
        let rw = |sql: &str, pg: u32| locks(sql, pg)[0].2;
        assert!(rw(
            "ALTER TABLE t ADD COLUMN a uuid DEFAULT gen_random_uuid()",
            15
        ));
        assert!(rw("ALTER TABLE t ADD COLUMN a bigserial", 15));
        assert!(rw(
            "ALTER TABLE t ADD COLUMN a int GENERATED ALWAYS AS IDENTITY",
            15
        ));
        assert!(rw(
            "ALTER TABLE t ADD COLUMN a int GENERATED ALWAYS AS (b * 2) STORED",
            15
        ));
        assert!(rw("ALTER TABLE t ADD COLUMN a int DEFAULT my_func()", 15));
        assert!(!rw(
            "ALTER TABLE t ADD COLUMN a timestamptz DEFAULT now()",
            15
        ));
        assert!(!rw(
            "ALTER TABLE t ADD COLUMN a jsonb DEFAULT '{}'::jsonb",
            15
        ));
        assert!(rw("ALTER TABLE t ADD COLUMN a int DEFAULT 0", 10));
        assert!(!rw("ALTER TABLE t ADD COLUMN a int DEFAULT NULL", 10));
        assert!(!rw("ALTER TABLE t ADD COLUMN a int", 10));
    }

    #[test]
    fn foreign_keys_lock_both_tables() {
        assert_eq!(
            locks(
                "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id)",
                15
            ),
            vec![
                ("table orders".into(), "SHARE ROW EXCLUSIVE", false, true),
                ("table users".into(), "SHARE ROW EXCLUSIVE", false, false),
            ]
        );
        assert_eq!(
            locks(
                "ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users",
                15
            ),
            vec![
                ("table orders".into(), "ACCESS EXCLUSIVE", false, true),
                ("table users".into(), "SHARE ROW EXCLUSIVE", false, false),
            ]
        );
        assert_eq!(
            locks("CREATE TABLE orders (user_id bigint REFERENCES users)", 15),
            vec![("table users".into(), "SHARE ROW EXCLUSIVE", false, false)]
        );
    }

    #[test]
    fn one_statement_takes_its_strongest_lock_once_per_table() {
        assert_eq!(
            locks(
                "ALTER TABLE t VALIDATE CONSTRAINT c, ALTER COLUMN a TYPE bigint",
                15
            ),
            vec![("table t".into(), "ACCESS EXCLUSIVE", true, true)]
        );
    }

    #[test]
    fn drop_index_locks_the_index_and_its_table() {
        assert_eq!(
            locks("DROP INDEX i", 15),
            vec![
                ("table of i".into(), "ACCESS EXCLUSIVE", false, false),
                ("index i".into(), "ACCESS EXCLUSIVE", false, false),
            ]
        );
        let concurrent = built(
            Op::Drop(crate::ir::Drop {
                kind: ObjectKind::Index,
                names: vec![qname("i")],
                if_exists: false,
                cascade: false,
            }),
            true,
        );
        assert!(
            statement(&concurrent, PgVersion(15))
                .iter()
                .all(|l| l.facts.mode == LockMode::ShareUpdateExclusive)
        );
    }

    #[test]
    fn maintenance_commands() {
        let pg = PgVersion(15);
        let reindex = built(
            Op::Reindex {
                target: ObjectKind::Index,
                name: Some(qname("i")),
            },
            false,
        );
        let l = statement(&reindex, pg);
        assert_eq!(l[0].facts.mode, LockMode::Share);
        assert_eq!(l[1].facts.mode, LockMode::AccessExclusive);
        let cluster = built(
            Op::Cluster {
                table: Some(qname("t")),
            },
            false,
        );
        assert_eq!(
            statement(&cluster, pg)[0].facts,
            LockFacts::rewrite(LockMode::AccessExclusive)
        );
        assert_eq!(
            locks("VACUUM FULL t", 15),
            vec![("table t".into(), "ACCESS EXCLUSIVE", true, true)]
        );
        let refresh = |c| {
            statement(
                &built(Op::RefreshMaterializedView { name: qname("v") }, c),
                pg,
            )[0]
            .facts
            .mode
        };
        assert_eq!(refresh(false), LockMode::AccessExclusive);
        assert_eq!(refresh(true), LockMode::Exclusive);
        assert_eq!(
            locks("UPDATE t SET a = 1", 15),
            vec![("table t".into(), "ROW EXCLUSIVE", false, true)]
        );
    }

    #[test]
    fn partitions_by_version() {
        let attach = |pg| {
            let op = Op::AlterTable(AlterTable {
                table: qname("parent"),
                if_exists: false,
                only: false,
                actions: vec![crate::ir::Action {
                    span: Span::default(),
                    focus: Span::default(),
                    kind: ActionKind::AttachPartition {
                        partition: qname("part"),
                    },
                }],
            });
            statement(&built(op, false), PgVersion(pg))
                .into_iter()
                .map(|l| l.facts)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            attach(12),
            vec![
                LockFacts::catalog(LockMode::ShareUpdateExclusive),
                LockFacts::scan(LockMode::AccessExclusive)
            ]
        );
        assert_eq!(attach(11)[0].mode, LockMode::AccessExclusive);
        let detach = |concurrently| {
            alter_table_action(
                &ActionKind::DetachPartition {
                    partition: qname("part"),
                    concurrently,
                    finalize: false,
                },
                PgVersion(14),
            )
            .mode
        };
        assert_eq!(detach(false), LockMode::AccessExclusive);
        assert_eq!(detach(true), LockMode::ShareUpdateExclusive);
    }

    #[test]
    fn what_each_mode_blocks() {
        assert_eq!(
            LockMode::AccessExclusive.blocks(),
            vec![Blocked::Reads, Blocked::Writes, Blocked::Ddl]
        );
        assert_eq!(
            LockMode::Share.blocks(),
            vec![Blocked::Writes, Blocked::Ddl]
        );
        assert_eq!(LockMode::ShareUpdateExclusive.blocks(), vec![Blocked::Ddl]);
        assert!(LockMode::RowExclusive.blocks().is_empty());
    }
}
