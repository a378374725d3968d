//! Golden fixtures: every folder under tests/fixtures/ is one case, run through the real CLI
//! and reported as one test of its own name.
//!
//! A case holds its input, optionally `args` (extra arguments, one per line), `stderr.txt`
//! (the exact diagnostics), and `expected/` with every file `compile --out-dir` must write.
//! No `expected/` means the input is invalid: exit 1 and nothing written. Standard output is
//! always empty (everything goes to the output directory). The input is one of:
//! - `input.yaml`, compiled as a file;
//! - `inputs/`, a directory compiled as one application (`compile inputs`: its files in name
//!   order, and the template named `inputs.cloudformation.json`);
//! - `stdin.yaml`, piped to `compile -` as `kustomize build` or `helm template` output is.
//!
//! `cargo test --test golden` runs every case; `cargo test --test golden -- --exact NAME` runs
//! one (without `--exact`, every case whose name contains NAME). `I2KIT_BLESS=1` before either
//! rewrites the expected files of the cases it runs.

#[path = "common/cli.rs"]
mod cli;

use cli::Test;
use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Fewer cases than this means discovery broke, not that the corpus shrank.
const MINIMUM_CASES: usize = 10;

fn main() -> std::process::ExitCode {
    let arguments = Arguments::from_args();
    let bless = std::env::var_os("I2KIT_BLESS").is_some();
    let cases = discover();
    let count = cases.len();
    let mut trials = vec![Trial::test("fixture-corpus", move || {
        if count >= MINIMUM_CASES {
            Ok(())
        } else {
            Err(format!("expected the fixture corpus, found {count} cases").into())
        }
    })];
    trials.extend(
        cases
            .into_iter()
            .map(|(name, case)| Trial::test(name.clone(), move || run_case(&name, &case, bless))),
    );
    libtest_mimic::run(&arguments, trials).exit_code()
}

/// Every folder under tests/fixtures/, by name: a new folder is a new case.
fn discover() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut cases: Vec<(String, PathBuf)> = fs::read_dir(&root)
        .unwrap_or_else(|error| panic!("{}: {error}", root.display()))
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .map(|path| (name_of(&path), path))
        .collect();
    cases.sort();
    cases
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The files of one directory (not its subdirectories), by name; none if it does not exist.
fn read_tree(directory: &Path) -> Result<BTreeMap<String, String>, String> {
    let mut files = BTreeMap::new();
    if let Ok(entries) = fs::read_dir(directory) {
        for entry in entries.flatten() {
            let name = name_of(&entry.path());
            let content = fs::read_to_string(entry.path())
                .map_err(|error| format!("{}: {error}", entry.path().display()))?;
            files.insert(name, content);
        }
    }
    Ok(files)
}

/// The command a case stands for, run from the case's folder, writing into `out_dir`.
fn command(case: &Path, out_dir: &Path) -> Result<Test, String> {
    let extra: Vec<String> = fs::read_to_string(case.join("args"))
        .map(|text| {
            text.lines()
                .filter(|line| !line.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let test = Test::new().current_dir(case);
    let (test, input) = if let Ok(bytes) = fs::read(case.join("stdin.yaml")) {
        (test.stdin(bytes), "-")
    } else if case.join("inputs").is_dir() {
        (test, "inputs")
    } else if case.join("input.yaml").is_file() {
        (test, "input.yaml")
    } else {
        return Err("holds no input: add input.yaml, inputs/ or stdin.yaml".to_string());
    };
    Ok(test
        .args(["compile", input, "--out-dir"])
        .arg(out_dir)
        .args(extra))
}

fn run_case(name: &str, case: &Path, bless: bool) -> Result<(), Failed> {
    let failed = |problems: &[String]| -> Failed {
        format!(
            "golden case `{name}` (tests/fixtures/{name}):\n{}",
            problems.join("\n")
        )
        .into()
    };
    let scratch = tempfile::tempdir().map_err(|error| failed(&[format!("scratch: {error}")]))?;
    let out_dir = scratch.path().join("out");
    let test = command(case, &out_dir).map_err(|problem| failed(&[problem]))?;

    if bless {
        let output = test.output();
        let written = read_tree(&out_dir).map_err(|problem| failed(&[problem]))?;
        return bless_case(case, &output.stderr, &written).map_err(|problem| failed(&[problem]));
    }

    let Ok(expected_stderr) = fs::read(case.join("stderr.txt")) else {
        return Err(failed(&[
            "stderr.txt is missing (run with I2KIT_BLESS=1 to create it)".to_string(),
        ]));
    };
    let expected_files = read_tree(&case.join("expected")).map_err(|problem| failed(&[problem]))?;
    let test = test
        .status(if expected_files.is_empty() { 1 } else { 0 })
        .stderr(expected_stderr);
    let (output, mut problems) = test.outcome();
    let written = read_tree(&out_dir).map_err(|problem| failed(&[problem]))?;
    problems.extend(compare_files(&expected_files, &written));
    if problems.is_empty() {
        Ok(())
    } else {
        let report = test.report(&output, &problems);
        Err(failed(&[
            report,
            format!(
                "if the change is meant: I2KIT_BLESS=1 cargo test --test golden -- --exact {name}"
            ),
        ]))
    }
}

/// Every way the files written differ from `expected/`: a file missing or extra, or its text
/// (as a diff).
fn compare_files(
    expected: &BTreeMap<String, String>,
    written: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (file, want) in expected {
        match written.get(file) {
            None => problems.push(format!("expected/{file} was not written")),
            Some(have) if have != want => problems.push(format!(
                "{file} differs from expected/{file} (- expected, + actual):\n{}",
                cli::diff(want, have)
            )),
            Some(_) => {}
        }
    }
    for file in written.keys().filter(|file| !expected.contains_key(*file)) {
        problems.push(format!(
            "{file} was written, and expected/ has no such file"
        ));
    }
    problems
}

fn bless_case(
    case: &Path,
    stderr: &[u8],
    written: &BTreeMap<String, String>,
) -> Result<(), String> {
    let error = |path: &Path, error: std::io::Error| format!("{}: {error}", path.display());
    let stderr_file = case.join("stderr.txt");
    fs::write(&stderr_file, stderr).map_err(|e| error(&stderr_file, e))?;
    let expected_dir = case.join("expected");
    let _ = fs::remove_dir_all(&expected_dir);
    if !written.is_empty() {
        fs::create_dir_all(&expected_dir).map_err(|e| error(&expected_dir, e))?;
        for (file, content) in written {
            let path = expected_dir.join(file);
            fs::write(&path, content).map_err(|e| error(&path, e))?;
        }
    }
    Ok(())
}
