//! The golden fixtures' expected outputs, for tests that check a property over all of them.

use std::fs;
use std::path::{Path, PathBuf};

/// Every template a golden fixture expects, sorted.
pub fn golden_templates() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut found: Vec<PathBuf> = fs::read_dir(root)
        .expect("tests/fixtures")
        .flatten()
        .map(|entry| entry.path().join("expected"))
        .filter(|expected| expected.is_dir())
        .flat_map(|expected| fs::read_dir(expected).expect("expected/").flatten())
        .map(|entry| entry.path())
        .filter(|path| path.to_string_lossy().ends_with(".cloudformation.json"))
        .collect();
    found.sort();
    found
}
