use std::path::Path;

use crate::output::{AutoBackup, Render};
use crate::progress::{Bar, cancel_on_ctrl_c};
use pelanggan_core::backup;
use pelanggan_core::{Db, Result};

pub fn backup(
    db: &Db,
    file: Option<&Path>,
    auto: bool,
    dir: Option<&Path>,
    keep: usize,
    json: bool,
) -> Result<Box<dyn Render>> {
    if auto {
        let dir = match dir {
            Some(d) => d.to_path_buf(),
            None => backup::default_dir(db.path()),
        };
        let daily = backup::auto_backup(db, &dir, keep, db.reader()?.today())?;
        return Ok(Box::new(AutoBackup { dir, daily }));
    }
    let file = file.unwrap_or(Path::new("pelanggan-backup.db"));
    let bar = Bar::new(json, "pages");
    let info = backup::backup(db, file, &mut |p| bar.update(p), &cancel_on_ctrl_c());
    bar.finish();
    Ok(Box::new(info?))
}

pub fn verify(file: &Path) -> Result<Box<dyn Render>> {
    Ok(Box::new(backup::verify(file)?))
}

pub fn restore(db: &Path, file: &Path, json: bool) -> Result<Box<dyn Render>> {
    let bar = Bar::new(json, "pages");
    let restored = backup::restore_at(db, file, &mut |p| bar.update(p), &cancel_on_ctrl_c());
    bar.finish();
    Ok(Box::new(restored?.1))
}
