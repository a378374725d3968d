//! Golden fixtures: every folder under tests/fixtures/ is one case, run through the real CLI.
//!
//! A case holds its input, optionally `args` (extra arguments, one per line), `stderr.txt`
//! (the exact diagnostics), and `expected/` with every file `compile --out-dir` must write.
//! No `expected/` means the input is invalid: exit 1 and nothing written. The input is one of:
//! - `input.yaml`, compiled as a file;
//! - `inputs/`, a directory compiled as one application (`compile inputs`: its files in name
//!   order, and the template named `inputs.cloudformation.json`);
//! - `stdin.yaml`, piped to `compile -` as `kustomize build` or `helm template` output is.
//!
//! `I2KIT_BLESS=1 cargo test --test golden` rewrites the expected files on purpose.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read_tree(directory: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    if let Ok(entries) = fs::read_dir(directory) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let content =
                fs::read_to_string(entry.path()).unwrap_or_else(|error| panic!("{name}: {error}"));
            files.insert(name, content);
        }
    }
    files
}

struct Outcome {
    status: i32,
    stderr: String,
    written: BTreeMap<String, String>,
}

fn run_case(case: &Path, scratch: &Path) -> Outcome {
    let _ = fs::remove_dir_all(scratch);
    let extra: Vec<String> = fs::read_to_string(case.join("args"))
        .map(|text| {
            text.lines()
                .filter(|line| !line.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let stdin = fs::read(case.join("stdin.yaml")).ok();
    let input = match (&stdin, case.join("inputs").is_dir()) {
        (Some(_), _) => "-",
        (None, true) => "inputs",
        (None, false) => "input.yaml",
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_i2kit"))
        .current_dir(case)
        .args(["compile", input, "--out-dir"])
        .arg(scratch)
        .args(&extra)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("i2kit runs");
    if let (Some(bytes), Some(mut pipe)) = (&stdin, child.stdin.take()) {
        pipe.write_all(bytes).expect("write stdin");
    }
    let output = child.wait_with_output().expect("i2kit ends");
    Outcome {
        status: output.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        written: read_tree(scratch),
    }
}

#[test]
fn golden_fixtures() {
    let bless = std::env::var_os("I2KIT_BLESS").is_some();
    let mut cases: Vec<PathBuf> = fs::read_dir(fixtures_root())
        .expect("tests/fixtures exists")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.join("input.yaml").is_file()
                || path.join("inputs").is_dir()
                || path.join("stdin.yaml").is_file()
        })
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 10,
        "expected the fixture corpus, found {} cases",
        cases.len()
    );
    let scratch_root = std::env::temp_dir().join(format!("i2kit-golden-{}", std::process::id()));
    let mut failures = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let outcome = run_case(case, &scratch_root.join(&name));
        if bless {
            fs::write(case.join("stderr.txt"), &outcome.stderr).expect("write stderr.txt");
            let expected_dir = case.join("expected");
            let _ = fs::remove_dir_all(&expected_dir);
            if !outcome.written.is_empty() {
                fs::create_dir_all(&expected_dir).expect("create expected/");
                for (file, content) in &outcome.written {
                    fs::write(expected_dir.join(file), content).expect("write expected file");
                }
            }
            continue;
        }
        let Ok(expected_stderr) = fs::read_to_string(case.join("stderr.txt")) else {
            failures.push(format!(
                "{name}: stderr.txt is missing (run with I2KIT_BLESS=1 to create it)"
            ));
            continue;
        };
        let expected_files = read_tree(&case.join("expected"));
        let expected_status = if expected_files.is_empty() { 1 } else { 0 };
        if outcome.status != expected_status {
            failures.push(format!(
                "{name}: exit {} (expected {expected_status})\n{}",
                outcome.status, outcome.stderr
            ));
        }
        if outcome.stderr != expected_stderr {
            failures.push(format!(
                "{name}: stderr differs\n--- expected\n{expected_stderr}--- actual\n{}",
                outcome.stderr
            ));
        }
        if outcome.written != expected_files {
            let expected: Vec<_> = expected_files.keys().collect();
            let actual: Vec<_> = outcome.written.keys().collect();
            if expected == actual {
                for (file, content) in &outcome.written {
                    if expected_files.get(file) != Some(content) {
                        failures.push(format!("{name}: {file} differs from expected/{file}"));
                    }
                }
            } else {
                failures.push(format!("{name}: wrote {actual:?}, expected {expected:?}"));
            }
        }
    }
    let _ = fs::remove_dir_all(&scratch_root);
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
