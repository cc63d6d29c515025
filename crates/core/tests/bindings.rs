//! The committed TypeScript bindings (`crates/core/bindings/`) are what the
//! code generates: regenerate them into a temporary folder and compare file by
//! file. `UPDATE_BINDINGS=1` rewrites the committed folder instead (`make bindings`).
#![cfg(feature = "ts")]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return files;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ts") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            files.insert(name, fs::read_to_string(&path).unwrap());
        }
    }
    files
}

#[test]
fn committed_bindings_are_what_the_code_generates() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("bindings");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        for name in read_dir(&committed).keys() {
            fs::remove_file(committed.join(name)).unwrap();
        }
        pelanggan_core::bindings::export(&committed).unwrap();
        return;
    }
    let fresh = tempfile::tempdir().unwrap();
    pelanggan_core::bindings::export(fresh.path()).unwrap();
    let (want, have) = (read_dir(fresh.path()), read_dir(&committed));
    assert!(!want.is_empty(), "nothing was generated");
    let stale: Vec<_> = want
        .iter()
        .filter(|(name, text)| have.get(*name) != Some(text))
        .map(|(name, _)| name.as_str())
        .chain(
            have.keys()
                .filter(|n| !want.contains_key(*n))
                .map(String::as_str),
        )
        .collect();
    assert!(
        stale.is_empty(),
        "crates/core/bindings/ is out of date ({stale:?}): run `make bindings` and commit the result"
    );
    for text in want.values() {
        assert!(!text.contains("bigint"), "a wire type is a bigint:\n{text}");
    }
}
