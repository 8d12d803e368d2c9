//! `create-index-non-concurrently`: `CREATE INDEX` without `CONCURRENTLY` blocks writes to an
//! existing table for the whole build.

use super::sql::{outside_transaction, step};
use super::{Rule, RuleMeta};
use crate::context::Context;
use crate::diagnostic::{Finding, Phase, Severity, Suggestion};
use crate::ir::{Op, OpKinds, Statement};
use crate::locks;

/// The rule.
pub struct CreateIndexNonConcurrently;

static META: RuleMeta = RuleMeta {
    id: "create-index-non-concurrently",
    default_severity: Severity::Error,
    summary: "CREATE INDEX without CONCURRENTLY blocks writes to an existing table while it builds",
    docs: include_str!("../../rules/create-index-non-concurrently.md"),
    once_per_file: false,
};

impl Rule for CreateIndexNonConcurrently {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn looks_at(&self) -> OpKinds {
        OpKinds::CREATE_INDEX
    }

    fn check(&self, stmt: &Statement, cx: &Context, out: &mut Vec<Finding>) {
        let Op::CreateIndex(ci) = &stmt.op else {
            return;
        };
        if ci.concurrently || cx.is_new_table(&ci.table) {
            return;
        }
        let lock = locks::create_index(false);
        // `CREATE [UNIQUE] INDEX` is the statement's command span; CONCURRENTLY goes right
        // after it (and before IF NOT EXISTS, as the grammar wants).
        let head = cx.text(crate::source::Span::new(
            stmt.span.start,
            stmt.keyword_span.end,
        ));
        let tail = cx.text(crate::source::Span::new(
            stmt.keyword_span.end,
            stmt.span.end,
        ));
        let (where_to, rewritten) =
            outside_transaction(cx, stmt, &format!("{head} CONCURRENTLY{tail};"));
        let help = format!(
            "build the index with CONCURRENTLY: writes continue while it builds; it cannot run inside a transaction block{where_to}"
        );
        out.push(
            Finding::new(
                ci.head,
                format!(
                    "CREATE INDEX on {} takes {} lock for the whole build",
                    ci.table.sql(),
                    lock.mode.with_article()
                ),
                format!("{} until the index is built", lock.mode.blocks_phrase()),
            )
            .help(help)
            .suggest(Suggestion {
                title: "create the index concurrently, in its own migration outside a transaction"
                    .into(),
                mechanical: true,
                steps: vec![step(Phase::Expand, rewritten, true)],
            })
            .lock(lock),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::lint_text;

    #[test]
    fn inside_a_do_block_the_help_says_to_move_it_out() {
        let sql = "DO $$ BEGIN CREATE INDEX users_email_idx ON users (email); EXCEPTION WHEN duplicate_table THEN NULL; END $$;";
        let (found, _) = lint_text(sql, &Default::default());
        let d = found
            .iter()
            .find(|d| d.rule == "create-index-non-concurrently")
            .expect("reported inside the DO block");
        assert_eq!(
            d.finding.span.slice(sql),
            "CREATE INDEX users_email_idx ON users"
        );
        assert!(
            d.finding
                .help
                .as_deref()
                .is_some_and(|h| h.ends_with("nor inside a DO block, so move it out of this one")),
            "{:?}",
            d.finding.help
        );
    }
}
