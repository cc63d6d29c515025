//! Writing a file a person named (an export, the import's rejected rows, a
//! privacy export, a backup) without ever destroying something that matters.
//!
//! Every output goes through `check` and then `create` (or `Partial` for
//! writers that need a path, such as SQLite's backup API):
//! * `-` means standard output, for pipes (where the caller allows it);
//! * an existing file is refused (`file_exists`) unless `force`;
//! * the open database, its `-wal`/`-shm`/`-journal`, the command's own input
//!   and anything that is not a regular file (a link, a device, a folder) are
//!   refused even with `force` (`protected_file`, `not_regular_file`);
//! * the bytes go to `<file>.partial` (created fresh, never through a link)
//!   and are renamed onto the target only when complete, after checking again
//!   that the target is still absent or a regular file we may replace.
//!
//! This module knows nothing of CSV, and of SQLite only which file a
//! connection has open (`Rules::protect_conn`): it hands out a `Write`.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Code, Error, Result};

/// What a caller protects and allows for one output.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Replace an existing regular file (never a protected one).
    pub force: bool,
    /// `-` writes to standard output.
    pub stdout: bool,
    protected: Vec<(PathBuf, &'static str)>,
}

impl Rules {
    pub fn new(force: bool) -> Rules {
        Rules {
            force,
            ..Rules::default()
        }
    }

    /// Allows `-` for standard output.
    pub fn with_stdout(mut self) -> Rules {
        self.stdout = true;
        self
    }

    /// Protects the database file at `db` and the files SQLite keeps beside it.
    pub fn protect_db(mut self, db: &Path) -> Rules {
        self.protected.push((db.to_path_buf(), "the open database"));
        for suffix in ["-wal", "-shm", "-journal"] {
            self.protected.push((
                with_suffix(db, suffix),
                "a file SQLite keeps beside the open database",
            ));
        }
        self
    }

    /// `protect_db` for the file `conn` has open (nothing for an in-memory one).
    pub fn protect_conn(self, conn: &rusqlite::Connection) -> Rules {
        match conn.path().filter(|p| !p.is_empty()) {
            Some(db) => self.protect_db(Path::new(db)),
            None => self,
        }
    }

    /// Protects another file the command reads (the import's input...).
    pub fn protect(mut self, path: &Path, what: &'static str) -> Rules {
        self.protected.push((path.to_path_buf(), what));
        self
    }
}

/// Where the output goes, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Stdout,
    File(PathBuf),
}

impl Target {
    /// How the output is named to people: the file, or `-`.
    pub fn path(&self) -> PathBuf {
        match self {
            Target::Stdout => PathBuf::from("-"),
            Target::File(p) => p.clone(),
        }
    }
}

/// A file a command wrote (`-`: standard output) and its size.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Written {
    pub file: PathBuf,
    pub bytes: u64,
}

/// Applies `rules` to `path` without writing anything: callers check before
/// long work (an import) so a bad target is refused before it starts.
pub fn check(path: &Path, rules: &Rules) -> Result<Target> {
    if path.as_os_str() == "-" {
        if rules.stdout {
            return Ok(Target::Stdout);
        }
        return Err(refused(
            Code::NotRegularFile,
            "this output must be a file, not standard output ('-')".into(),
        ));
    }
    if path.as_os_str().is_empty() {
        return Err(Error::validation("file", "no file name given"));
    }
    let shown = path.display();
    for (protected, what) in &rules.protected {
        if same_file(path, protected) {
            return Err(refused(
                Code::ProtectedFile,
                format!("{shown} is {what}; writing there would destroy it. Choose another file"),
            ));
        }
    }
    match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_file() => Err(refused(
            Code::NotRegularFile,
            format!(
                "{shown} is not a regular file (a link, a device or a folder); choose another file"
            ),
        )),
        Ok(_) if !rules.force => Err(refused(
            Code::FileExists,
            format!("{shown} already exists; choose another name, or add --force to replace it"),
        )),
        Ok(_) => Ok(Target::File(path.to_path_buf())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Target::File(path.to_path_buf())),
        Err(e) => Err(e.into()),
    }
}

/// Checks `path` and opens the output: standard output, or `<file>.partial`.
pub fn create(path: &Path, rules: &Rules) -> Result<Output> {
    Ok(match check(path, rules)? {
        Target::Stdout => Output::Stdout(BufWriter::new(io::stdout())),
        Target::File(target) => {
            let partial = Partial::new(&target, rules)?;
            let file = partial.open()?;
            Output::File(BufWriter::with_capacity(256 * 1024, file), partial)
        }
    })
}

/// An output being written. Dropped without `finish`, it leaves nothing behind.
pub enum Output {
    Stdout(BufWriter<io::Stdout>),
    File(BufWriter<File>, Partial),
}

impl Output {
    /// Flushes and, for a file, moves the complete bytes onto the target.
    pub fn finish(self) -> Result<Target> {
        match self {
            Output::Stdout(mut out) => {
                out.flush()?;
                Ok(Target::Stdout)
            }
            Output::File(out, partial) => {
                let file = out.into_inner().map_err(|e| e.into_error())?;
                file.sync_all()?;
                drop(file);
                partial.commit()
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(out) => out.write(buf),
            Output::File(out, _) => out.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(out) => out.write_all(buf),
            Output::File(out, _) => out.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(out) => out.flush(),
            Output::File(out, _) => out.flush(),
        }
    }
}

/// `<target>.partial`: where a file is written before it is complete.
/// Removed on drop unless committed.
#[derive(Debug)]
pub struct Partial {
    partial: PathBuf,
    target: PathBuf,
    rules: Rules,
    committed: bool,
}

impl Partial {
    /// For a target already accepted by `check` (with the same `rules`).
    pub fn new(target: &Path, rules: &Rules) -> Result<Partial> {
        let partial = with_suffix(target, ".partial");
        // A stale partial from a crash is ours to replace, but only if it is a
        // plain file: a link planted there must not redirect the write.
        match std::fs::symlink_metadata(&partial) {
            Ok(meta) if meta.file_type().is_file() => {
                std::fs::remove_file(&partial)?;
                remove_sqlite_side_files(&partial);
            }
            Ok(_) => {
                return Err(refused(
                    Code::NotRegularFile,
                    format!(
                        "{} is not a regular file; remove it and try again",
                        partial.display()
                    ),
                ));
            }
            Err(_) => {}
        }
        Ok(Partial {
            partial,
            target: target.to_path_buf(),
            rules: rules.clone(),
            committed: false,
        })
    }

    /// The partial file's path, for writers that open it themselves (SQLite).
    pub fn path(&self) -> &Path {
        &self.partial
    }

    /// Creates the partial file; `create_new` never follows an existing link.
    pub fn open(&self) -> Result<File> {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&self.partial)
            .map_err(|e| write_error(e, &self.target))
    }

    /// Renames the complete partial onto the target, checking the target
    /// again: it may have appeared, or become a link, while we wrote.
    pub fn commit(mut self) -> Result<Target> {
        check(&self.target, &self.rules)?;
        std::fs::rename(&self.partial, &self.target).map_err(|e| write_error(e, &self.target))?;
        self.committed = true;
        Ok(Target::File(self.target.clone()))
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.partial);
        }
        remove_sqlite_side_files(&self.partial);
    }
}

/// The journal SQLite may leave beside a partial it wrote (a kill mid-way).
fn remove_sqlite_side_files(partial: &Path) {
    for suffix in ["-journal", "-wal", "-shm"] {
        let side = with_suffix(partial, suffix);
        if std::fs::symlink_metadata(&side).is_ok_and(|m| m.file_type().is_file()) {
            let _ = std::fs::remove_file(side);
        }
    }
}

/// Whether `a` and `b` name the same file: the same inode when both exist
/// (a hard link or another spelling), else the same absolute path.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b))
            && ma.dev() == mb.dev()
            && ma.ino() == mb.ino()
        {
            return true;
        }
    }
    match (absolute(a), absolute(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// The path with its folder resolved (links and `..` followed), the file
/// name kept as given: works for files that do not exist yet.
fn absolute(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Some(std::fs::canonicalize(dir).ok()?.join(name))
}

pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

/// Creates the folders `path` needs, as `write_error` reports failures.
pub(crate) fn create_parent(path: &Path) -> Result<()> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|e| write_error(e, path)),
        None => Ok(()),
    }
}

/// An I/O error writing `path`: "permission denied" and "read-only file
/// system" become `read_only`, naming the file; others stay `io`.
pub(crate) fn write_error(e: io::Error, path: &Path) -> Error {
    match e.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => refused(
            Code::ReadOnly,
            format!(
                "{} cannot be written: its folder or the medium is read-only; choose another place",
                path.display()
            ),
        ),
        _ => e.into(),
    }
}

fn refused(code: Code, message: String) -> Error {
    Error::Refused {
        code,
        field: Some("file"),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<Target>) -> &'static str {
        r.unwrap_err().code().as_str()
    }

    #[test]
    fn refuses_what_matters() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("shop.db");
        std::fs::write(&db, b"db").unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, b"csv").unwrap();
        let rules = Rules::new(true)
            .protect_db(&db)
            .protect(&input, "the import's input");
        assert_eq!(code(check(&db, &rules)), "protected_file");
        assert_eq!(
            code(check(&dir.path().join("shop.db-wal"), &rules)),
            "protected_file"
        );
        assert_eq!(code(check(&input, &rules)), "protected_file");
        // Another spelling of the same file.
        let odd = dir.path().join(".").join("shop.db");
        assert_eq!(code(check(&odd, &rules)), "protected_file");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&input, &link).unwrap();
            assert_eq!(code(check(&link, &rules)), "protected_file");
            let other = dir.path().join("other.csv");
            std::fs::write(&other, b"x").unwrap();
            let link2 = dir.path().join("link2.csv");
            std::os::unix::fs::symlink(&other, &link2).unwrap();
            assert_eq!(code(check(&link2, &rules)), "not_regular_file");
            assert_eq!(
                code(check(Path::new("/dev/null"), &rules)),
                "not_regular_file"
            );
            let hard = dir.path().join("hard.db");
            std::fs::hard_link(&db, &hard).unwrap();
            assert_eq!(code(check(&hard, &rules)), "protected_file");
        }
        assert_eq!(code(check(dir.path(), &rules)), "not_regular_file");
        assert_eq!(code(check(Path::new("-"), &rules)), "not_regular_file");
        assert_eq!(
            check(Path::new("-"), &rules.clone().with_stdout()).unwrap(),
            Target::Stdout
        );
    }

    #[test]
    fn existing_file_needs_force_and_partial_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.csv");
        std::fs::write(&out, b"old").unwrap();
        assert_eq!(code(check(&out, &Rules::new(false))), "file_exists");

        let mut w = create(&out, &Rules::new(true)).unwrap();
        w.write_all(b"new").unwrap();
        // Not finished: the old file stays, no partial is left.
        drop(w);
        assert_eq!(std::fs::read(&out).unwrap(), b"old");
        assert!(!dir.path().join("out.csv.partial").exists());

        let mut w = create(&out, &Rules::new(true)).unwrap();
        w.write_all(b"new").unwrap();
        w.finish().unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"new");
    }

    #[test]
    fn a_target_that_appears_meanwhile_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.csv");
        let mut w = create(&out, &Rules::new(false)).unwrap();
        w.write_all(b"new").unwrap();
        std::fs::write(&out, b"someone else's").unwrap();
        assert_eq!(code(w.finish()), "file_exists");
        assert_eq!(std::fs::read(&out).unwrap(), b"someone else's");
    }
}
