//! The rules: one module each, listed once in [`RULES`].

use crate::context::Context;
use crate::diagnostic::{Finding, Severity};
use crate::ir::{OpKinds, Statement};

mod add_check_validating;
mod add_column_required;
mod add_column_rewrite;
mod add_foreign_key_validating;
mod add_primary_key;
mod add_unique_constraint;
mod attach_partition_scan;
mod ban_char_type;
mod change_column_type;
mod cluster;
mod column_types;
mod compat;
mod concurrently_in_transaction;
mod create_index_non_concurrently;
mod detach_partition_non_concurrently;
mod drop_column;
mod drop_default;
mod drop_function;
mod drop_index_non_concurrently;
mod drop_not_null;
mod drop_schema;
mod drop_table;
mod drop_type;
mod drop_view;
mod lock_held_across_statements;
mod lock_timeout_missing;
mod parse_error;
mod prefer_bigint;
mod prefer_identity;
mod prefer_jsonb;
mod prefer_text;
mod prefer_timestamptz;
mod refresh_materialized_view_non_concurrently;
mod reindex_non_concurrently;
mod rename_column;
mod rename_object;
mod rename_table;
mod set_not_null;
mod set_schema;
pub mod sql;
mod transaction_nesting;
mod truncate_table;
mod unanalyzed_statement;
mod unbatched_backfill;
mod uncommitted_transaction;
mod vacuum_full;
mod validate_in_same_transaction;

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    /// The id users write (`set-not-null`).
    pub id: &'static str,
    /// Severity unless configured otherwise.
    pub default_severity: Severity,
    /// One line: what it flags.
    pub summary: &'static str,
    /// The rule's page, `rules/<id>.md`.
    pub docs: &'static str,
    /// Report only the first finding of a file (for advice that applies to the whole file,
    /// like `lock-timeout-missing`).
    pub once_per_file: bool,
}

/// A check over one statement.
pub trait Rule: Sync {
    /// Identity and documentation.
    fn meta(&self) -> &'static RuleMeta;
    /// Reports findings about `stmt`, which runs in `cx`.
    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>);
    /// The statements [`Rule::check`] can report on, by the kind of their operation: it is
    /// called for no other.
    fn looks_at(&self) -> OpKinds {
        OpKinds::ALL
    }
    /// Reports findings about the file as a whole, after its last statement (an
    /// unterminated transaction, say). Most rules have none.
    fn check_end(&self, _cx: &Context, _out: &mut Vec<Finding>) {}
}

/// Every rule that checks statements, once.
pub static RULES: &[&dyn Rule] = &[
    &parse_error::ParseError,
    &set_not_null::SetNotNull,
    &create_index_non_concurrently::CreateIndexNonConcurrently,
    &drop_column::DropColumn,
    &rename_column::RenameColumn,
    &concurrently_in_transaction::ConcurrentlyInTransaction,
    &drop_table::DropTable,
    &rename_table::RenameTable,
    &truncate_table::TruncateTable,
    &drop_schema::DropSchema,
    &set_schema::SetSchema,
    &drop_type::DropType,
    &drop_view::DropView,
    &drop_function::DropFunction,
    &rename_object::RenameObject,
    &drop_not_null::DropNotNull,
    &drop_default::DropDefault,
    &prefer_bigint::PreferBigint,
    &prefer_identity::PreferIdentity,
    &prefer_text::PreferText,
    &prefer_timestamptz::PreferTimestamptz,
    &prefer_jsonb::PreferJsonb,
    &ban_char_type::BanCharType,
    &transaction_nesting::TransactionNesting,
    &uncommitted_transaction::UncommittedTransaction,
    &unanalyzed_statement::UnanalyzedStatement,
    &add_column_rewrite::AddColumnRewrite,
    &add_column_required::AddColumnRequired,
    &change_column_type::ChangeColumnType,
    &add_foreign_key_validating::AddForeignKeyValidating,
    &add_check_validating::AddCheckValidating,
    &add_unique_constraint::AddUniqueConstraint,
    &add_primary_key::AddPrimaryKey,
    &drop_index_non_concurrently::DropIndexNonConcurrently,
    &reindex_non_concurrently::ReindexNonConcurrently,
    &refresh_materialized_view_non_concurrently::RefreshMaterializedViewNonConcurrently,
    &vacuum_full::VacuumFull,
    &cluster::Cluster,
    &detach_partition_non_concurrently::DetachPartitionNonConcurrently,
    &attach_partition_scan::AttachPartitionScan,
    &validate_in_same_transaction::ValidateInSameTransaction,
    &lock_timeout_missing::LockTimeoutMissing,
    &lock_held_across_statements::LockHeldAcrossStatements,
    &unbatched_backfill::UnbatchedBackfill,
];

/// Files that cannot be read are reported under this id; no statement check produces it.
pub static IO_ERROR: RuleMeta = RuleMeta {
    id: "io-error",
    default_severity: Severity::Error,
    summary: "a file that cannot be read, is not UTF-8 or is binary",
    docs: include_str!("../../rules/io-error.md"),
    once_per_file: false,
};

/// An ignore comment that names an unknown rule, gives no reason, or silences nothing.
pub static UNUSED_IGNORE: RuleMeta = RuleMeta {
    id: "unused-ignore",
    default_severity: Severity::Warning,
    summary: "a bellows-ignore comment that names an unknown rule, gives no reason, or silences nothing",
    docs: include_str!("../../rules/unused-ignore.md"),
    once_per_file: false,
};

/// With `--since`: a migration that existed at the ref and was changed since.
pub static MIGRATION_MODIFIED: RuleMeta = RuleMeta {
    id: "migration-modified",
    default_severity: Severity::Error,
    summary: "with --since, an already-applied migration file was changed",
    docs: include_str!("../../rules/migration-modified.md"),
    once_per_file: false,
};

/// Drizzle journal problems, and duplicate migration versions.
pub static MIGRATION_JOURNAL: RuleMeta = RuleMeta {
    id: "migration-journal",
    default_severity: Severity::Error,
    summary: "a Drizzle journal out of step with its files, or two migrations with one version",
    docs: include_str!("../../rules/migration-journal.md"),
    once_per_file: false,
};

/// Rules the engine reports about files rather than statements, listed once.
pub static FILE_RULES: &[&RuleMeta] = &[
    &UNUSED_IGNORE,
    &MIGRATION_MODIFIED,
    &MIGRATION_JOURNAL,
    &IO_ERROR,
];

/// Every rule's metadata: statement rules in registry order, then the file rules.
pub fn all() -> impl Iterator<Item = &'static RuleMeta> {
    RULES
        .iter()
        .map(|r| r.meta())
        .chain(FILE_RULES.iter().copied())
}

/// The metadata of rule `id`.
pub fn find(id: &str) -> Option<&'static RuleMeta> {
    all().find(|m| m.id == id)
}

/// Id of the rule that reports statements bellows cannot parse.
pub const PARSE_ERROR: &str = "parse-error";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_pages_start_with_the_id() {
        let mut seen = std::collections::HashSet::new();
        for m in all() {
            assert!(seen.insert(m.id), "duplicate rule id {}", m.id);
            assert!(
                m.docs.starts_with(&format!("# {}", m.id)),
                "rules/{}.md must start with `# {}`",
                m.id,
                m.id
            );
        }
    }
}
