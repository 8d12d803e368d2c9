//! The lock model: which lock a migration operation takes, what that blocks, and whether it
//! rewrites or scans the table. The one place these PostgreSQL facts are written; rules
//! read them for their messages.

use crate::ir::{ActionKind, ConstraintKind};
use crate::pg_version::PgVersion;
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
}

/// The lock an `ALTER TABLE` action takes on its table.
pub fn alter_table_action(kind: &ActionKind, pg: PgVersion) -> LockFacts {
    use LockMode::*;
    match kind {
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
        ActionKind::AttachPartition { .. } if pg.at_least(12) => {
            LockFacts::scan(ShareUpdateExclusive)
        }
        ActionKind::AttachPartition { .. } => LockFacts::scan(AccessExclusive),
        ActionKind::DetachPartition {
            concurrently: true, ..
        } => LockFacts::catalog(ShareUpdateExclusive),
        _ => LockFacts::catalog(AccessExclusive),
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

#[cfg(test)]
mod tests {
    use super::*;

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
