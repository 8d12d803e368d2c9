//! `refresh-materialized-view-non-concurrently`: `REFRESH MATERIALIZED VIEW` without
//! `CONCURRENTLY` locks the view against reads while its query reruns.

use super::sql::step;
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ir::{Op, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct RefreshMaterializedViewNonConcurrently;

static META: RuleMeta = RuleMeta {
    id: "refresh-materialized-view-non-concurrently",
    default_severity: Severity::Warning,
    summary: "REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads of the view while it refreshes",
    docs: include_str!("../../rules/refresh-materialized-view-non-concurrently.md"),
    once_per_file: false,
};

impl Rule for RefreshMaterializedViewNonConcurrently {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::REFRESH_MATERIALIZED_VIEW
    }

    fn check(&self, stmt: &Statement, _cx: &Context, out: &mut Vec<Finding>) {
        let Op::RefreshMaterializedView { name } = &stmt.op else {
            return;
        };
        if stmt.concurrently.is_some() {
            return;
        }
        let lock = locks::refresh_materialized_view(false);
        out.push(
            Finding::new(
                stmt.keyword_span,
                format!(
                    "REFRESH MATERIALIZED VIEW {} holds {} lock while its query reruns",
                    name.sql(),
                    lock.mode.with_article()
                ),
                format!("{} on the view until the refresh ends", lock.mode.blocks_phrase()),
            )
            .help("refresh with CONCURRENTLY, which keeps the view readable; it needs a unique index on plain columns of the view, covering every row, and a view already populated")
            .suggest(Suggestion {
                title: "refresh concurrently (needs a unique index on the view)".into(),
                mechanical: false,
                steps: vec![step(
                    Phase::Backfill,
                    format!("REFRESH MATERIALIZED VIEW CONCURRENTLY {};", name.sql()),
                    false,
                )],
            })
            .lock(lock),
        );
    }
}
