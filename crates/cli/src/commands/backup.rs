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
            None => db.path().with_file_name("backups"),
        };
        std::fs::create_dir_all(&dir)?;
        let made = backup::auto_backup(db, &dir, keep, db.today()?)?;
        return Ok(Box::new(AutoBackup { made, dir }));
    }
    let file = file.unwrap_or(Path::new("pelanggan-backup.db"));
    let bar = Bar::new(json, "pages");
    let info = backup::backup(db, file, &mut |p| bar.update(p), &cancel_on_ctrl_c());
    bar.finish();
    Ok(Box::new(info?))
}

pub fn restore(db: Db, file: &Path, json: bool) -> Result<Box<dyn Render>> {
    let bar = Bar::new(json, "pages");
    let restored = backup::restore(db, file, &mut |p| bar.update(p), &cancel_on_ctrl_c());
    bar.finish();
    Ok(Box::new(restored?.1))
}
