//! Helpers shared by the integration tests.

use std::fs;
use std::path::{Path, PathBuf};

/// Every one-file manifest the project ships: each golden fixture's `input.yaml` or piped
/// `stdin.yaml` (a helm or kustomize stream), and each example. (Fixtures given as a directory,
/// `inputs/`, are applications of several files and are not listed.)
pub fn manifest_inputs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = fs::read_dir(root.join("tests/fixtures"))
        .expect("tests/fixtures")
        .flatten()
        .flat_map(|entry| {
            [
                entry.path().join("input.yaml"),
                entry.path().join("stdin.yaml"),
            ]
        })
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
