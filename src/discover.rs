//! Finds the files to lint: paths from the command line, folders walked for `*.sql`.

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// Folders never walked into (besides hidden ones).
const SKIPPED_DIRS: &[&str] = &["target", "node_modules"];

/// One thing to lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file to read.
    File(PathBuf),
    /// A path that cannot be linted, and why.
    Unreadable {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Files (and failures) in a stable order.
    pub inputs: Vec<Input>,
    /// Things passed over that the user should hear about (symlink loops).
    pub notes: Vec<String>,
}

/// Builds the exclude set from glob strings.
pub fn globs(patterns: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| format!("invalid --exclude glob `{p}`: {e}"))?);
    }
    b.build().map_err(|e| e.to_string())
}

/// Expands `paths` (files and folders) into inputs. A named file is linted whatever its
/// extension; folders contribute their `*.sql` files, sorted by path.
pub fn discover(paths: &[PathBuf], exclude: &GlobSet) -> Discovered {
    let mut out = Discovered::default();
    // A run may name thousands of files, and this is where every run starts, on one thread:
    // paths are hashed with foldhash, and looked up once each, on all cores.
    // Named paths are borrowed, walked ones owned: a named path is not copied to be remembered.
    let mut seen: foldhash::HashSet<Cow<Path>> = foldhash::HashSet::default();
    let kinds: Vec<Option<bool>> = paths.par_iter().map(|p| is_dir(p)).collect();
    for (root, kind) in paths.iter().zip(kinds) {
        let Some(is_dir) = kind else {
            out.inputs.push(Input::Unreadable {
                path: root.clone(),
                message: format!("{}: no such file or directory", root.display()),
            });
            continue;
        };
        if !is_dir {
            if !excluded(root, root, exclude) && seen.insert(Cow::Borrowed(root)) {
                out.inputs.push(Input::File(root.clone()));
            }
            continue;
        }
        let walker = WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !skipped_dir(e));
        for entry in walker {
            match entry {
                Ok(e) => {
                    let path = e.path();
                    let is_sql = path
                        .extension()
                        .is_some_and(|x| x.eq_ignore_ascii_case("sql"));
                    if e.file_type().is_dir() || !is_sql || excluded(path, root, exclude) {
                        continue;
                    }
                    if seen.insert(Cow::Owned(path.to_path_buf())) {
                        out.inputs.push(Input::File(path.to_path_buf()));
                    }
                }
                Err(e) if e.loop_ancestor().is_some() => {
                    let at = e
                        .path()
                        .map_or_else(String::new, |p| p.display().to_string());
                    out.notes.push(format!("skipped symlink loop at {at}"));
                }
                Err(e) => {
                    let path = e.path().map_or_else(|| root.clone(), Path::to_path_buf);
                    out.inputs.push(Input::Unreadable {
                        message: format!("cannot read {}: {}", path.display(), io_reason(&e)),
                        path,
                    });
                }
            }
        }
    }
    out
}

/// Whether `path` is a directory (following links), or `None` when there is nothing there.
fn is_dir(path: &Path) -> Option<bool> {
    match std::fs::metadata(path) {
        Ok(meta) => Some(meta.is_dir()),
        // A dangling link: reading it says why it cannot be read.
        Err(_) if path.symlink_metadata().is_ok() => Some(false),
        Err(_) => None,
    }
}

fn io_reason(e: &walkdir::Error) -> String {
    e.io_error()
        .map_or_else(|| e.to_string(), ToString::to_string)
}

fn skipped_dir(e: &walkdir::DirEntry) -> bool {
    let name = e.file_name().to_string_lossy();
    e.file_type().is_dir() && (name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_ref()))
}

fn excluded(path: &Path, root: &Path, exclude: &GlobSet) -> bool {
    if exclude.is_empty() {
        return false;
    }
    exclude.is_match(path)
        || path
            .strip_prefix(root)
            .is_ok_and(|rel| exclude.is_match(rel))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn walks_sql_files_in_order_and_skips_hidden_and_build_folders() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in [
            "b.sql",
            "a.sql",
            "notes.txt",
            "sub/c.SQL",
            ".git/x.sql",
            "target/y.sql",
            "node_modules/z.sql",
        ] {
            let p = d.join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "SELECT 1;").unwrap();
        }
        let found = discover(&[d.to_path_buf()], &globs(&[]).unwrap());
        let names: Vec<_> = found
            .inputs
            .iter()
            .map(|i| match i {
                Input::File(p) => p.strip_prefix(d).unwrap().to_string_lossy().into_owned(),
                Input::Unreadable { message, .. } => message.clone(),
            })
            .collect();
        assert_eq!(names, vec!["a.sql", "b.sql", "sub/c.SQL"]);
    }

    #[test]
    fn excludes_and_missing_paths() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("0001_up.sql"), "").unwrap();
        fs::write(d.join("0001_down.sql"), "").unwrap();
        let found = discover(
            &[d.to_path_buf(), d.join("missing.sql")],
            &globs(&["*_down.sql".into()]).unwrap(),
        );
        assert_eq!(found.inputs.len(), 2);
        assert!(matches!(&found.inputs[0], Input::File(p) if p.ends_with("0001_up.sql")));
        assert!(
            matches!(&found.inputs[1], Input::Unreadable { message, .. } if message.contains("missing.sql"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_do_not_hang() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir(d.join("m")).unwrap();
        fs::write(d.join("m/1.sql"), "").unwrap();
        std::os::unix::fs::symlink(d, d.join("m/loop")).unwrap();
        let found = discover(&[d.to_path_buf()], &globs(&[]).unwrap());
        assert_eq!(found.inputs.len(), 1);
        assert_eq!(found.notes.len(), 1);
    }
}
