//! What the compatibility rules share: which dropped, renamed or moved names running app
//! versions may still use.

use super::sql::{acknowledged, app_step, compatibility_view, own_statement, step};
use crate::context::Context;
use crate::diagnostic::{Phase, Suggestion};
use crate::ident::QualifiedName;
use crate::ir::{ObjectKind, Op, Statement};

/// True when running app versions may still use `name` after this statement takes it away:
/// it existed before the migration (no earlier statement of the file created it, or renamed
/// or moved an object to it) and no later statement of the file gives it to a new object.
pub fn name_in_use(cx: &Context, kind: ObjectKind, name: &QualifiedName) -> bool {
    !cx.is_new_object(kind, name) && !cx.is_recreated_later(kind, name)
}

/// The objects a `DROP` of one of `kinds` takes away from running app versions, with their
/// kind.
pub fn dropped_in_use<'s>(
    stmt: &'s Statement,
    cx: &Context,
    kinds: &[ObjectKind],
) -> Vec<(ObjectKind, &'s QualifiedName)> {
    let Op::Drop(drop) = &stmt.op else {
        return Vec::new();
    };
    if !kinds.contains(&drop.kind) {
        return Vec::new();
    }
    drop.names
        .iter()
        .filter(|name| name_in_use(cx, drop.kind, name))
        .map(|name| (drop.kind, name))
        .collect()
}

/// The kind in words, lower case, for messages (`materialized view`).
pub fn kind_words(kind: ObjectKind) -> String {
    kind.sql().to_lowercase()
}

/// For a relation renamed or moved from `old` to `new` by `stmt`: the statement plus a view
/// under the old name (one transaction), the app switch, then dropping the view. Used by
/// `rename-table` and the relation forms of `rename-object` and `set-schema`.
pub fn keep_old_name_as_view(
    cx: &Context,
    stmt: &Statement,
    old: &QualifiedName,
    new: &QualifiedName,
) -> Suggestion {
    Suggestion {
        title: "expand/contract: keep the old name as a view, switch the app, drop the view".into(),
        mechanical: false,
        steps: vec![
            step(
                Phase::Expand,
                format!(
                    "{}\n{}",
                    own_statement(cx, stmt),
                    compatibility_view(old, new)
                ),
                true,
            ),
            app_step(&[&format!(
                "Deploy an app version that uses {} instead of {}.",
                new.sql(),
                old.sql()
            )]),
            step(
                Phase::Contract,
                acknowledged(
                    "drop-view",
                    &format!("the deployed app uses {} instead", new.sql()),
                    &format!("DROP VIEW {};", old.sql()),
                ),
                true,
            ),
        ],
    }
}
