//! A run over many files: files are grouped into migration folders, each folder's runner is
//! recognised (or given), and each folder's files are walked in order through ONE context,
//! so that what a migration did is known to the later ones and the runner's transactions are
//! modelled across statements and files.

use crate::catalog::UnitId;
use crate::context::Context;
use crate::diagnostic::{Diagnostic, Finding, RunFacts, Severity};
use crate::discover::Input;
use crate::ir::{OpKinds, Statement};
use crate::layout::{self, Direction, Markers, Runner, TransactionModel};
use crate::lint::{self, FileResult, Reading, Settings};
use crate::pg_version::PgVersion;
use crate::rules::{self, PARSE_ERROR, RuleMeta};
use crate::source::Span;
use crate::suppress::{self, Ignore};
use crate::{history, locks};
use rayon::prelude::*;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Sender, TryRecvError};

/// A file read and split into statements.
#[derive(Debug)]
pub struct Source {
    /// Its path.
    pub path: PathBuf,
    /// Its text.
    pub text: Arc<String>,
    /// Its statements.
    pub reading: Reading,
}

impl Source {
    /// Reads `text` (the contents of `path`).
    pub fn new(path: PathBuf, text: Arc<String>) -> Self {
        let reading = lint::read(&text);
        Source {
            path,
            text,
            reading,
        }
    }
}

/// Lints every input; results come in input order (extra results, such as a Drizzle
/// journal's, right after their folder's last file).
pub fn run(inputs: &[Input], settings: &Settings) -> Vec<FileResult> {
    let mut all = Vec::with_capacity(inputs.len());
    run_each(inputs, settings, |r| all.push(r));
    all
}

/// Lints every input and hands each result to `emit` in input order, as soon as it and all
/// results before it are ready. Folders are read and linted on all cores, large ones first,
/// and a file's statements are freed once its folder's walk is past it, its result once it
/// is emitted: a large run is never held in memory whole.
pub fn run_each(inputs: &[Input], settings: &Settings, emit: impl FnMut(FileResult)) {
    run_prepared(inputs, settings, |r| r, emit);
}

/// [`run_each`], with each result passed through `prepare` as soon as it is made, on the
/// calling thread, and `emit` called with what `prepare` made, in input order. A result
/// often waits for the ones before it (a large folder listed last waits for all the others):
/// what can be done with it alone, such as rendering it, is done while it waits, not all at
/// the end of the run.
pub fn run_prepared<T>(
    inputs: &[Input],
    settings: &Settings,
    mut prepare: impl FnMut(FileResult) -> T,
    mut emit: impl FnMut(T),
) {
    let mut folders: Vec<(PathBuf, Vec<usize>)> = Vec::new();
    let mut folder_index: foldhash::HashMap<PathBuf, usize> = foldhash::HashMap::default();
    // For each input, its folder (none for an input that could not be read).
    let mut folder_of: Vec<Option<usize>> = Vec::with_capacity(inputs.len());
    // Inputs come sorted, mostly: a file's folder is most often the one before's, which is
    // compared before the folder is looked up by its hash.
    let mut previous: Option<usize> = None;
    for (i, input) in inputs.iter().enumerate() {
        match input {
            Input::File(p) => {
                let dir = migrations_folder(p);
                let at = match previous.filter(|&f| folders[f].0 == dir) {
                    Some(at) => at,
                    None => match folder_index.get(dir) {
                        Some(&at) => at,
                        None => {
                            folders.push((dir.to_path_buf(), Vec::new()));
                            folder_index.insert(dir.to_path_buf(), folders.len() - 1);
                            folders.len() - 1
                        }
                    },
                };
                previous = Some(at);
                folders[at].1.push(i);
                folder_of.push(Some(at));
            }
            Input::Unreadable { .. } => folder_of.push(None),
        }
    }
    // Large folders first: a folder's walk is sequential, and a large one's, started late,
    // would leave the other cores idle at the end of the run. The others go in input order,
    // so that results can be reported while the large folders are still being walked.
    let large = |f: usize| folders[f].1.len() * LARGE_FOLDER_SHARE >= inputs.len();
    let mut order: Vec<usize> = (0..folders.len()).collect();
    order.sort_by_key(|&f| {
        (
            !large(f),
            large(f).then(|| std::cmp::Reverse(folders[f].1.len())),
        )
    });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        let folders = &folders;
        scope.spawn(move || {
            order
                .into_iter()
                .map(|f| (f, &folders[f]))
                .par_bridge()
                .for_each_with(tx, |tx, (f, (dir, members))| {
                    lint_inputs(scope, f, dir, members, inputs, settings, tx.clone());
                });
        });
        // Results that came before their turn, by key, and the folders whose every result
        // is in.
        let mut early: BTreeMap<(usize, usize), T> = BTreeMap::new();
        let mut finished: HashSet<usize> = HashSet::new();
        for (i, input) in inputs.iter().enumerate() {
            let (Some(f), Input::File(_)) = (folder_of[i], input) else {
                if let Input::Unreadable { path, message } = input {
                    emit(prepare(lint::io_error(path, message.clone())));
                }
                continue;
            };
            // A file's result is all there is for it, but a folder's extra results come after
            // its last file, and a file that is not reported has none: those wait for the end
            // of their folder's walk.
            let last = folders[f].1.last() == Some(&i);
            while !finished.contains(&f) && (last || !early.contains_key(&(i, 0))) {
                match rx.recv() {
                    Ok(Done::Results(results)) => {
                        early.extend(results.into_iter().map(|(k, r)| (k, prepare(r))));
                    }
                    Ok(Done::Folder(g)) => {
                        finished.insert(g);
                    }
                    Err(_) => break,
                }
            }
            while let Some(entry) = early.first_entry() {
                if entry.key().0 != i {
                    break;
                }
                emit(entry.remove());
            }
        }
    });
}

/// A folder holding at least this share of a run's files (1/8) is linted first.
const LARGE_FOLDER_SHARE: usize = 8;

/// What a folder's linting sends to the emitter: results, each with its place in the output
/// (the index of its input, then its rank among that input's results), or the end of the
/// folder's results.
enum Done {
    Results(Vec<((usize, usize), FileResult)>),
    Folder(usize),
}

/// How many results a walk sends at most in one message.
const RESULT_BATCH: usize = 64;

/// Reads the files `members` (indices into `inputs`) of the folder `f`, `dir`, and lints
/// them; sends the results to `done` as they are made, then the end of the folder. The
/// files' statements are read on all cores while a thread of the folder's own walks the
/// files already read, in order: a folder's walk is sequential, and it need not wait for the
/// last file to be read, nor hold up a core that could read the next folder.
fn lint_inputs<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    f: usize,
    dir: &'scope Path,
    members: &'scope [usize],
    inputs: &'scope [Input],
    settings: &'scope Settings,
    done: Sender<Done>,
) {
    // Each text's runner markers are found where it is read, on all cores: the walk needs
    // the folder's runner before it can start.
    let detect = settings.runner.is_none();
    let texts: Vec<_> = members
        .par_iter()
        .map(|&i| {
            let text = match &inputs[i] {
                Input::File(p) => lint::read_sql(p)
                    .map(|t| {
                        let markers = if detect {
                            Markers::of(&t)
                        } else {
                            Markers::default()
                        };
                        (t, markers)
                    })
                    .map_err(|message| lint::io_error(p, message)),
                Input::Unreadable { path, message } => Err(lint::io_error(path, message.clone())),
            };
            (i, text)
        })
        .collect();
    // The receiver only goes away once every result it waits for is in.
    let send = |key, result| {
        let _ = done.send(Done::Results(vec![(key, result)]));
    };
    // The readable files: input index, path, text, markers.
    let mut readable: Vec<(usize, PathBuf, Arc<String>, Markers)> = Vec::new();
    for (i, text) in texts {
        match (text, &inputs[i]) {
            (Ok((text, markers)), Input::File(p)) => {
                readable.push((i, p.clone(), Arc::from(text), markers));
            }
            (Err(io), _) => send((i, 0), io),
            (Ok(_), Input::Unreadable { .. }) => {}
        }
    }
    let indices: Vec<usize> = readable.iter().map(|(i, ..)| *i).collect();
    let last = members.last().copied().unwrap_or(0);
    let paths: Vec<PathBuf> = readable.iter().map(|(_, p, ..)| p.clone()).collect();
    let texts: Vec<Arc<String>> = readable.iter().map(|(_, _, t, _)| t.clone()).collect();
    let markers: Vec<Markers> = readable.iter().map(|(.., m)| *m).collect();
    let (tx, rx) = std::sync::mpsc::channel();
    scope.spawn(move || {
        let marked: Vec<(&Path, Markers)> =
            paths.iter().map(PathBuf::as_path).zip(markers).collect();
        let runner = runner_for(Some(dir), &marked, settings);
        drop(marked);
        let pending = pending_files(paths.iter().map(PathBuf::as_path), settings);
        // Results go out in batches, whenever the walk waits for a file or the batch is
        // full: one message a result would wake the reporter for each.
        let batch = RefCell::new(Vec::new());
        let flush = || {
            let results = std::mem::take(&mut *batch.borrow_mut());
            if !results.is_empty() {
                let _ = done.send(Done::Results(results));
            }
        };
        let arrivals = Arrivals {
            paths: &paths,
            texts: &texts,
            rx,
            early: RefCell::new(HashMap::new()),
            before_waiting: &flush,
        };
        let mut extra = 0;
        lint_walk(
            Some(dir),
            runner,
            &arrivals,
            pending,
            settings,
            &mut |index, result| {
                let key = match index {
                    Some(j) => (indices[j], 0),
                    None => {
                        extra += 1;
                        (last, extra)
                    }
                };
                batch.borrow_mut().push((key, result));
                if batch.borrow().len() >= RESULT_BATCH {
                    flush();
                }
            },
        );
        flush();
        let _ = done.send(Done::Folder(f));
    });
    // Files are handed out in order (`par_bridge` takes them one by one), so they are read
    // roughly in the order the walk asks for them: split ranges would let the walk wait on
    // one core's files while the other core's pile up, to be walked alone at the end.
    readable
        .iter()
        .enumerate()
        .par_bridge()
        .for_each_with(tx, |tx, (k, (_, _, text, _))| {
            // The walker only stops listening once it has every file it waits for.
            let _ = tx.send((k, lint::read(text)));
        });
}

/// The files of a folder, in run order, to a walk.
pub trait FolderFiles<'s> {
    /// How many there are.
    fn count(&self) -> usize;
    /// The path of file `i`.
    fn path(&self, i: usize) -> Option<&'s Path>;
    /// The text of file `i`.
    fn text(&self, i: usize) -> Option<&'s Arc<String>>;
    /// The statements of file `i`, waiting for them if they are still being read (`None` if
    /// they never will be). Asked for once per file, in order.
    fn reading(&self, i: usize) -> Option<Held<'s>>;
}

/// A file's statements, borrowed from a [`Source`] or handed over to the walk, which frees
/// them once it is past the file.
pub enum Held<'s> {
    /// Borrowed.
    Borrowed(&'s Reading),
    /// Owned by the walk.
    Owned(Reading),
}

impl std::ops::Deref for Held<'_> {
    type Target = Reading;

    fn deref(&self) -> &Reading {
        match self {
            Held::Borrowed(r) => r,
            Held::Owned(r) => r,
        }
    }
}

impl<'s> FolderFiles<'s> for &[&'s Source] {
    fn count(&self) -> usize {
        self.len()
    }

    fn path(&self, i: usize) -> Option<&'s Path> {
        <[&'s Source]>::get(self, i).map(|s| s.path.as_path())
    }

    fn text(&self, i: usize) -> Option<&'s Arc<String>> {
        <[&'s Source]>::get(self, i).map(|s| &s.text)
    }

    fn reading(&self, i: usize) -> Option<Held<'s>> {
        <[&'s Source]>::get(self, i).map(|s| Held::Borrowed(&s.reading))
    }
}

/// A folder's files whose statements other threads read: they arrive in any order, and
/// are handed out in order.
struct Arrivals<'s> {
    paths: &'s [PathBuf],
    texts: &'s [Arc<String>],
    rx: std::sync::mpsc::Receiver<(usize, Reading)>,
    /// Statements that arrived before their turn.
    early: RefCell<HashMap<usize, Reading>>,
    /// Called before the walk waits for a file to be read.
    before_waiting: &'s dyn Fn(),
}

impl<'s> FolderFiles<'s> for Arrivals<'s> {
    fn count(&self) -> usize {
        self.paths.len()
    }

    fn path(&self, i: usize) -> Option<&'s Path> {
        self.paths.get(i).map(PathBuf::as_path)
    }

    fn text(&self, i: usize) -> Option<&'s Arc<String>> {
        self.texts.get(i)
    }

    fn reading(&self, i: usize) -> Option<Held<'s>> {
        if let Some(r) = self.early.borrow_mut().remove(&i) {
            return Some(Held::Owned(r));
        }
        loop {
            let (k, reading) = match self.rx.try_recv() {
                Ok(arrived) => arrived,
                Err(TryRecvError::Empty) => {
                    (self.before_waiting)();
                    // Every sender gone without file `i`: the readers panicked, which the
                    // caller reports.
                    self.rx.recv().ok()?
                }
                Err(TryRecvError::Disconnected) => return None,
            };
            if k == i {
                return Some(Held::Owned(reading));
            }
            self.early.borrow_mut().insert(k, reading);
        }
    }
}

/// One file of a folder, as a walk shows it to its visitor.
pub struct FileView<'f> {
    /// Its path.
    pub path: &'f Path,
    /// Its text.
    pub text: &'f Arc<String>,
    /// Its statements.
    pub reading: &'f Reading,
}

/// The folder whose files are one migration history: a file's folder, or for Prisma's
/// `<timestamp>_<name>/migration.sql` the folder above.
pub fn migrations_folder(path: &Path) -> &Path {
    let parent = path.parent().unwrap_or(Path::new(""));
    let prisma_style = path.file_name().is_some_and(|n| n == "migration.sql")
        && parent.file_name().is_some_and(|d| {
            d.to_string_lossy()
                .starts_with(|c: char| c.is_ascii_digit())
        });
    if prisma_style {
        parent.parent().unwrap_or(parent)
    } else {
        parent
    }
}

/// What a walk over a folder's migrations tells its visitor.
pub trait Visitor {
    /// File `i` starts.
    fn enter_file(&mut self, _i: usize, _file: &FileView) {}
    /// A down unit of file `i` is skipped (see `--include-down`).
    fn skip_down(&mut self, _i: usize) {}
    /// Statement `k` of file `i` is about to run in `cx`.
    fn statement(&mut self, _i: usize, _file: &FileView, _k: usize, _cx: &Context) {}
    /// File `i` ends; `cx` is the context after its last statement.
    fn leave_file(&mut self, _i: usize, _file: &FileView, _cx: &Context) {}
}

/// The runner of a folder: the configured one, or the one its files show (`plain` for
/// text that is not on disk).
pub fn runner_of(dir: Option<&Path>, sources: &[&Source], settings: &Settings) -> Runner {
    if let Some(runner) = settings.runner {
        return runner;
    }
    let files: Vec<(&Path, Markers)> = sources
        .iter()
        .map(|s| (s.path.as_path(), Markers::of(&s.text)))
        .collect();
    runner_for(dir, &files, settings)
}

/// The runner of a folder whose files are `files` (path and the [`Markers`] of its text).
fn runner_for(dir: Option<&Path>, files: &[(&Path, Markers)], settings: &Settings) -> Runner {
    settings.runner.unwrap_or_else(|| match dir {
        Some(d) => layout::detect(d, files),
        None => Runner::Plain,
    })
}

/// Which files are pending, that is linted and reported: all of them, or under `--since`
/// the changed ones.
fn pending_files<'p>(paths: impl Iterator<Item = &'p Path>, settings: &Settings) -> Vec<bool> {
    paths
        .map(|p| settings.since.as_ref().is_none_or(|c| c.is_changed(p)))
        .collect()
}

/// Walks the files of one folder in order through one context, as `runner` runs them:
/// its units, its transactions (for Drizzle, one across the pending batch when
/// `pending` marks several files), and down migrations skipped unless asked for.
pub fn walk<'s>(
    runner: Runner,
    files: &dyn FolderFiles<'s>,
    settings: &Settings,
    pending: &[bool],
    visitor: &mut dyn Visitor,
) {
    // Under --since the pending files deploy together; without it each file is its own deploy.
    let batch = settings.since.is_some();
    let mut cx = Context::new("", settings.pg_version);
    cx.set_runner(runner);
    let mut unit_number = 0;
    for i in 0..files.count() {
        let (Some(path), Some(text), Some(reading)) =
            (files.path(i), files.text(i), files.reading(i))
        else {
            break;
        };
        let file = FileView {
            path,
            text,
            reading: &reading,
        };
        let same_deploy = batch && pending[i] && i > 0 && pending[i - 1];
        cx.enter_file(text, &reading.statements, same_deploy);
        visitor.enter_file(i, &file);
        for unit in layout::units(runner, path, text) {
            if unit.direction == Direction::Down && !settings.include_down {
                visitor.skip_down(i);
                continue;
            }
            let members: Vec<usize> = (0..reading.statements.len())
                .filter(|&k| {
                    let s = reading.statements[k].span;
                    unit.span.start <= s.start && s.end <= unit.span.end
                })
                .collect();
            cx.begin_unit(UnitId(unit_number));
            unit_number += 1;
            let wrapped = runner_wraps(runner, settings.pg_version, &unit, &reading, &members);
            if wrapped {
                cx.begin_runner_transaction();
            }
            for &k in &members {
                visitor.statement(i, &file, k, &cx);
                cx.apply(&reading.statements[k]);
            }
            if wrapped && runner.transaction_model() != TransactionModel::AllPending {
                cx.end_runner_transaction();
            }
        }
        visitor.leave_file(i, &file, &cx);
        // Drizzle: one transaction for the whole pending batch, else one per file.
        let batch_goes_on = batch && pending[i] && pending.get(i + 1).copied().unwrap_or(false);
        if !batch_goes_on {
            cx.end_runner_transaction();
        }
    }
}

/// Runs the rules over a folder's walk, one `FileLinter` per file.
struct Linting<'e> {
    settings: &'e Settings,
    enabled: &'e [Enabled],
    runner: Runner,
    pending: &'e [bool],
    current: Option<FileLinter<'e>>,
    /// Takes each file's result, made when the walk leaves it (its statements are freed
    /// then).
    done: &'e mut dyn FnMut(usize, FileResult),
}

impl Visitor for Linting<'_> {
    fn enter_file(&mut self, i: usize, file: &FileView) {
        self.current = Some(FileLinter::new(
            file,
            self.settings,
            self.enabled,
            self.pending[i],
        ));
    }

    fn skip_down(&mut self, _i: usize) {
        if let Some(f) = self.current.as_mut() {
            f.stats.down_skipped += 1;
        }
    }

    fn statement(&mut self, _i: usize, file: &FileView, k: usize, cx: &Context) {
        if let Some(f) = self.current.as_mut() {
            f.check(file, k, cx);
        }
    }

    fn leave_file(&mut self, i: usize, file: &FileView, cx: &Context) {
        if let Some(mut f) = self.current.take() {
            f.finish(file, cx);
            (self.done)(i, f.into_result(file, self.runner));
        }
    }
}

/// Lints the files of one folder in order. `dir` is the folder (None for text that is not
/// on disk: then the runner is the configured one, or `plain`). Returns, for each result,
/// the index of its source (None for extra results such as the Drizzle journal's).
pub fn lint_folder<'s>(
    dir: Option<&Path>,
    sources: &[&'s Source],
    settings: &'s Settings,
) -> Vec<(Option<usize>, FileResult)> {
    let runner = runner_of(dir, sources, settings);
    let pending = pending_files(sources.iter().map(|s| s.path.as_path()), settings);
    let mut out = Vec::new();
    lint_walk(dir, runner, &sources, pending, settings, &mut |i, r| {
        out.push((i, r));
    });
    out
}

/// Lints the files of one folder, walked as `runner` runs them; `pending` says which are
/// reported. Hands each result to `emit` as soon as it is made, with what [`lint_folder`]
/// returns with it.
fn lint_walk<'s>(
    dir: Option<&Path>,
    runner: Runner,
    files: &dyn FolderFiles<'s>,
    pending: Vec<bool>,
    settings: &'s Settings,
    emit: &mut dyn FnMut(Option<usize>, FileResult),
) {
    let paths: Vec<&Path> = (0..files.count()).filter_map(|i| files.path(i)).collect();
    // What the history says of each file needs only the paths, so that a file's result is
    // whole, and can be reported, as soon as the walk leaves it.
    let duplicates = history::duplicate_versions(runner, &paths);
    let mut done = |i: usize, mut result: FileResult| {
        if !pending[i] {
            return;
        }
        let mut first = Vec::new();
        if let Some(&path) = paths.get(i)
            && settings.since.as_ref().is_some_and(|c| c.is_modified(path))
        {
            first.push(history::modified(path));
        }
        first.extend(
            duplicates
                .iter()
                .filter(|(k, _)| *k == i)
                .map(|(_, d)| d.clone()),
        );
        // Written ahead of the file's other findings, which `into_result` put in order.
        result.diagnostics.splice(
            0..0,
            first
                .into_iter()
                .filter(|d| settings.levels.get(d.rule) != Some(&crate::config::Level::Off)),
        );
        emit(Some(i), result);
    };
    let enabled = enabled_rules(settings);
    let mut linting = Linting {
        settings,
        enabled: &enabled,
        runner,
        pending: &pending,
        current: None,
        done: &mut done,
    };
    walk(runner, files, settings, &pending, &mut linting);
    if let (Some(d), Runner::Drizzle) = (dir, runner)
        && settings.severity(&rules::MIGRATION_JOURNAL).is_some()
        && let Some(journal) = history::journal(d, &paths)
    {
        emit(None, journal);
    }
}

/// True when the runner opens a transaction around `unit`.
fn runner_wraps(
    runner: Runner,
    pg: PgVersion,
    unit: &layout::Unit,
    reading: &Reading,
    members: &[usize],
) -> bool {
    let top_level = members
        .iter()
        .filter(|&&k| !reading.statements[k].in_do_block)
        .count();
    match runner.transaction_model() {
        TransactionModel::AllPending => true,
        TransactionModel::None => false,
        TransactionModel::OneMessage => top_level > 1,
        TransactionModel::PerUnit if runner == Runner::Flyway => {
            // Flyway runs a migration outside a transaction only when every statement of it
            // must run outside one.
            !members.iter().all(|&k| {
                let s = &reading.statements[k];
                s.in_do_block || !locks::transactional(s, pg)
            })
        }
        TransactionModel::PerUnit => unit.transactional,
    }
}

/// Runs the rules over one file's statements and collects what survives suppression.
struct FileLinter<'s> {
    settings: &'s Settings,
    report: bool,
    ignores: Vec<Ignore>,
    used: Vec<bool>,
    diagnostics: Vec<Diagnostic>,
    findings: Vec<Finding>,
    stats: lint::Stats,
    /// For each of [`rules::RULES`], whether the file has a diagnostic of it.
    reported: Vec<bool>,
    enabled: &'s [Enabled],
}

/// A rule the settings enable, with what the walk needs of it, looked up once per walk
/// rather than for every file or statement.
#[derive(Clone, Copy)]
struct Enabled {
    /// Its index in [`rules::RULES`].
    index: usize,
    rule: &'static dyn rules::Rule,
    meta: &'static RuleMeta,
    severity: Severity,
    looks_at: OpKinds,
}

/// The rules `settings` enable, in [`rules::RULES`]'s order.
fn enabled_rules(settings: &Settings) -> Vec<Enabled> {
    rules::RULES
        .iter()
        .enumerate()
        .filter_map(|(index, &rule)| {
            let meta = rule.meta();
            settings.severity(meta).map(|severity| Enabled {
                index,
                rule,
                meta,
                severity,
                looks_at: rule.looks_at(),
            })
        })
        .collect()
}

impl<'s> FileLinter<'s> {
    fn new(src: &FileView, settings: &'s Settings, enabled: &'s [Enabled], report: bool) -> Self {
        let spans: Vec<Span> = src
            .reading
            .split
            .statements
            .iter()
            .map(|s| s.span)
            .collect();
        let ignores = suppress::scan(src.text, &spans);
        FileLinter {
            settings,
            report,
            used: vec![false; ignores.len()],
            ignores,
            diagnostics: Vec::new(),
            findings: Vec::new(),
            stats: src.reading.stats,
            reported: vec![false; rules::RULES.len()],
            enabled,
        }
    }

    /// Runs every enabled rule on statement `k`.
    fn check(&mut self, src: &FileView, k: usize, cx: &Context) {
        if !self.report {
            return;
        }
        let stmt: &Statement = &src.reading.statements[k];
        let owner = src.reading.owner.get(k).copied();
        let run = Some(RunFacts {
            runner: cx.runner(),
            transaction: cx.transaction_source(),
        });
        let kind = OpKinds::of(&stmt.op);
        for &Enabled {
            index: r,
            rule,
            meta,
            severity,
            looks_at,
        } in self.enabled
        {
            // A rule reported once per file has nothing more to say here, unless an ignore
            // comment could be waiting for one of its later findings.
            if !looks_at.intersects(kind)
                || meta.once_per_file && self.ignores.is_empty() && self.reported[r]
            {
                continue;
            }
            rule.check(stmt, cx, &mut self.findings);
            if self.findings.is_empty() {
                continue;
            }
            let before = self.diagnostics.len();
            for finding in std::mem::take(&mut self.findings) {
                self.keep(meta, severity, finding, owner, stmt.span, run);
            }
            self.reported[r] |= self.diagnostics.len() > before;
        }
    }

    /// End-of-file rules, the splitter's unterminated construct, and the ignores' own
    /// problems.
    fn finish(&mut self, src: &FileView, cx: &Context) {
        if !self.report {
            return;
        }
        let statements = &src.reading.statements;
        for &Enabled {
            rule,
            meta,
            severity,
            ..
        } in self.enabled
        {
            rule.check_end(cx, &mut self.findings);
            for finding in std::mem::take(&mut self.findings) {
                // A finding that points into a statement (an unterminated BEGIN, say) can
                // be silenced on that statement, like any other.
                let at = finding.span;
                let index = statements
                    .iter()
                    .position(|s| s.span.start <= at.start && at.end <= s.span.end);
                let owner = index.and_then(|i| src.reading.owner.get(i).copied());
                let statement = index.map_or(at, |i| statements[i].span);
                self.keep(meta, severity, finding, owner, statement, None);
            }
        }
        if let Some(open) = src.reading.split.unterminated {
            self.diagnostics.push(Diagnostic {
                rule: PARSE_ERROR,
                severity: Severity::Error,
                finding: Finding::new(
                    open.at,
                    format!("{} starts here and never ends", open.what.describe()),
                    "opened here",
                )
                .help("close it; PostgreSQL would read the rest of the file as part of it, so nothing after it was checked"),
                statement: Span::new(open.statement_start, src.text.len()),
                run: None,
            });
        }
        let problems = suppress::problems(
            &self.ignores,
            &self.used,
            self.settings.require_ignore_reason,
        );
        if let Some(severity) = self.settings.severity(&rules::UNUSED_IGNORE) {
            for finding in problems {
                let statement = finding.span;
                self.diagnostics.push(Diagnostic {
                    rule: rules::UNUSED_IGNORE.id,
                    severity,
                    finding,
                    statement,
                    run: None,
                });
            }
        }
    }

    fn keep(
        &mut self,
        meta: &'static RuleMeta,
        severity: Severity,
        finding: Finding,
        owner: Option<usize>,
        statement: Span,
        run: Option<RunFacts>,
    ) {
        let require = self.settings.require_ignore_reason;
        let silencer = self.ignores.iter().position(|i| {
            (!require || i.reason.is_some())
                && match owner {
                    Some(index) => i.covers(meta.id, index),
                    None => i.covers_file(meta.id),
                }
        });
        if let Some(i) = silencer {
            self.used[i] = true;
            return;
        }
        if meta.once_per_file && self.diagnostics.iter().any(|d| d.rule == meta.id) {
            return;
        }
        self.diagnostics.push(Diagnostic {
            rule: meta.id,
            severity,
            finding,
            statement,
            run,
        });
    }

    fn into_result(mut self, src: &FileView, runner: Runner) -> FileResult {
        // Reporters need the text only to place findings: a clean file's is let go.
        let text = if self.diagnostics.is_empty() {
            Arc::default()
        } else {
            src.text.clone()
        };
        self.stats.parse_errors = self
            .diagnostics
            .iter()
            .filter(|d| d.rule == PARSE_ERROR)
            .count();
        self.diagnostics
            .sort_by_key(|d| (d.finding.span.start, d.finding.span.end));
        FileResult {
            path: src.path.to_path_buf(),
            text,
            diagnostics: self.diagnostics,
            stats: self.stats,
            runner: Some(runner),
        }
    }
}
