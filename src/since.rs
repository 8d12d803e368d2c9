//! `--since <git-ref>`: which files changed since a ref (staged, unstaged and untracked
//! changes count), and which of those already existed there.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Files changed since a ref, as canonical paths.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Added or modified since the ref (including untracked files).
    pub changed: HashSet<PathBuf>,
    /// Files that existed at the ref.
    pub existed: HashSet<PathBuf>,
}

impl Changes {
    /// True when `path` was added or changed since the ref.
    pub fn is_changed(&self, path: &Path) -> bool {
        canonical(path).is_some_and(|p| self.changed.contains(&p))
    }

    /// True when `path` existed at the ref and was changed since: an applied migration
    /// that was edited.
    pub fn is_modified(&self, path: &Path) -> bool {
        canonical(path).is_some_and(|p| self.changed.contains(&p) && self.existed.contains(&p))
    }
}

fn canonical(path: &Path) -> Option<PathBuf> {
    path.canonicalize().ok()
}

/// Asks git, from `cwd`, what changed since `reference`.
pub fn changes_since(reference: &str, cwd: &Path) -> Result<Changes, String> {
    let root = git(cwd, &["rev-parse", "--show-toplevel"]).map_err(|e| {
        format!(
            "--since needs a git repository, and {} is not in one ({e})",
            cwd.display()
        )
    })?;
    let root = PathBuf::from(root.trim());
    let commit = format!("{reference}^{{commit}}");
    git(&root, &["rev-parse", "--verify", "--quiet", &commit])
        .map_err(|_| format!("--since {reference}: git knows no commit of that name"))?;
    let lines = |out: String| -> HashSet<PathBuf> {
        out.lines()
            .filter(|l| !l.is_empty())
            .filter_map(|l| canonical(&root.join(l)))
            .collect()
    };
    let mut changed = lines(git(
        &root,
        &["diff", "--name-only", "--no-renames", reference, "--"],
    )?);
    changed.extend(lines(git(
        &root,
        &["ls-files", "--others", "--exclude-standard"],
    )?));
    let existed = lines(git(&root, &["ls-tree", "-r", "--name-only", reference])?);
    Ok(Changes { changed, existed })
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}
