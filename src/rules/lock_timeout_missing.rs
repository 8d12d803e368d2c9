//! `lock-timeout-missing`: a statement that needs a lock which blocks traffic on an existing
//! table runs with no `lock_timeout`, so while it waits for the lock every query queues
//! behind it.

use super::sql::step;
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ident::QualifiedName;
use crate::ir::Statement;
use crate::locks::{self, Relation};

/// The rule.
pub struct LockTimeoutMissing;

static META: RuleMeta = RuleMeta {
    id: "lock-timeout-missing",
    default_severity: Severity::Warning,
    summary: "a statement takes a lock that blocks traffic on an existing table with no lock_timeout set",
    docs: include_str!("../../rules/lock-timeout-missing.md"),
    once_per_file: true,
};

impl Rule for LockTimeoutMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        if cx.lock_timeout_set() {
            return;
        }
        // Locks on tables that existed before this file: for each, the table an index
        // lock reaches when the context knows it, and whether the lock names its table;
        // named tables come before the ones a statement reaches through a name (the tables
        // a foreign key references), which say less.
        let existing = |relation: &Relation| -> Option<(Option<&QualifiedName>, bool)> {
            match relation {
                Relation::Table(t) => (!cx.is_new_table(t)).then_some((None, true)),
                Relation::TableOfIndex(i) => match cx.table_of_index(i) {
                    Some(t) => (!cx.is_new_table(t)).then_some((Some(t), true)),
                    None => Some((None, true)),
                },
                // Their table is listed too.
                Relation::Index(_) | Relation::IndexesOf(_) | Relation::PartitionsOf(_) => None,
                Relation::ConstraintTarget { .. }
                | Relation::ReferencedTables(_)
                | Relation::ReferencingTables(_)
                | Relation::ViewTables(_) => Some((None, false)),
            }
        };
        // A lock that makes writes wait (and from ACCESS EXCLUSIVE up, reads) holds up every
        // query queued behind the migration while it waits for it.
        let locks = locks::statement_in(stmt, cx.pg_version(), cx);
        let strongest = locks
            .iter()
            .filter(|l| l.facts.mode.blocks_traffic())
            .filter_map(|l| existing(&l.relation).map(|(table, named)| (l, table, named)))
            .max_by_key(|(l, _, named)| (l.facts.mode, *named));
        let Some((strongest, table, _)) = strongest else {
            return;
        };
        let lock = strongest.facts;
        // Named only now that there is a finding: most statements have none.
        let table = table.map_or_else(|| strongest.relation.describe(), QualifiedName::sql);
        let command = cx.text(stmt.keyword_span).to_uppercase();
        let set = if cx.in_transaction_block() {
            "SET LOCAL lock_timeout = '5s';"
        } else {
            "SET lock_timeout = '5s';"
        };
        out.push(
            Finding::new(
                stmt.keyword_span,
                format!(
                    "{command} takes {} lock on {table} with no lock_timeout set",
                    lock.mode.with_article()
                ),
                format!(
                    "while it waits for the lock, it {} for every query queued behind it",
                    lock.mode.blocks_phrase()
                ),
            )
            .help(
                "set lock_timeout before the first such statement, so that a migration stuck behind a long query fails fast and can be retried instead of stalling traffic",
            )
            .suggest(Suggestion {
                title: "set a lock_timeout at the start of the migration".into(),
                mechanical: true,
                steps: vec![step(Phase::Expand, set, false)],
            })
            .lock(lock),
        );
    }
}
