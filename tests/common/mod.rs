//! Helpers shared by the integration tests.

use std::fs;
use std::path::{Path, PathBuf};

/// Every manifest the project ships: each golden fixture's `input.yaml` and each example.
pub fn manifest_inputs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = fs::read_dir(root.join("tests/fixtures"))
        .expect("tests/fixtures")
        .flatten()
        .map(|entry| entry.path().join("input.yaml"))
        .filter(|path| path.is_file())
        .collect();
    paths.extend(
        fs::read_dir(root.join("examples"))
            .expect("examples")
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "yaml")),
    );
    paths.sort();
    paths
}
