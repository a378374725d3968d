//! The input files of one application, from the command line's arguments: files, directories
//! and `-` for standard input. A directory is read as `kubectl apply -f DIR` reads it: its
//! `*.yaml`, `*.yml` and `*.json` files (the extensions kubectl's resource builder takes,
//! case-sensitive), sorted by name, hidden ones skipped, and with `--recursive` its
//! subdirectories too, each in its place in name order (kubectl walks with Go's
//! `filepath.Walk`, which does the same). Arguments are read in the order given, so the
//! application's documents are those of `cat FILE...` and the output follows that order.
//!
//! A symbolic link in a directory is followed, as kubectl follows it, only when it leads to a
//! file inside the directory given; one that leads out is not read and is reported (see
//! [`crate::input::listing::link_outside`]). Links to directories are not followed at all, so
//! `--recursive` cannot loop.

use crate::input::{Found, InputFile, MAX_INPUT_BYTES};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The most files one application is read from: far more than any bundle, and it bounds the
/// listing of a directory given by mistake (a home directory with `-R`).
pub const MAX_INPUT_FILES: usize = 1_000;

/// The extensions of manifest files in a directory.
const MANIFEST_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// What diagnostics call standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// How the files of an application are found.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gathering<'a> {
    /// Read the subdirectories of directories too.
    pub recursive: bool,
    /// A file never taken from a directory listing: the image lock given with `--images`,
    /// which often sits beside the manifests and is no manifest.
    pub exclude: Option<&'a Path>,
}

/// The name an argument is shown by in diagnostics: the path as given, or `<stdin>`.
#[must_use]
pub fn display_name(path: &Path) -> String {
    if is_stdin(path) {
        STDIN_NAME.to_string()
    } else {
        path.display().to_string()
    }
}

fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

/// The application's name when `--name` is not given: the first argument's stem, or a
/// directory's own name (`deploy/` and `.` included), or `stdin`.
#[must_use]
pub fn default_name(first: &Path) -> String {
    let name = if is_stdin(first) {
        None
    } else if first.is_dir() {
        std::fs::canonicalize(first).ok().and_then(|path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
    } else {
        first
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
    };
    name.filter(|name| !name.is_empty())
        .unwrap_or_else(|| "stdin".to_string())
}

/// Checks a `--name`: it becomes the file name `<name>.cloudformation.json`.
///
/// # Errors
/// What is wrong with the name, for clap to print.
pub fn parse_name(text: &str) -> Result<String, String> {
    let allowed = |character: char| character.is_ascii_alphanumeric() || "._-".contains(character);
    if text.is_empty()
        || text.len() > 200
        || text.starts_with(['.', '-'])
        || !text.chars().all(allowed)
    {
        return Err(
            "a name is letters, digits, `.`, `_` and `-`, at most 200, not starting with `.` or `-`: it names the file <name>.cloudformation.json"
                .to_string(),
        );
    }
    Ok(text.to_string())
}

/// Reads every file the arguments name, in order.
///
/// # Errors
/// A message for an unreadable file or directory, a directory with no manifest file, more
/// than [`MAX_INPUT_FILES`] files, or `-` given twice (a usage or I/O error).
pub fn gather(arguments: &[PathBuf], how: Gathering<'_>) -> Result<Vec<InputFile>, String> {
    let mut paths: Vec<(PathBuf, Found)> = Vec::new();
    for argument in arguments {
        if !is_stdin(argument) && argument.is_dir() {
            let before = paths.len();
            let inside = std::fs::canonicalize(argument)
                .map_err(|error| format!("cannot read {}: {error}", argument.display()))?;
            let listing = Listing {
                root: argument,
                inside: &inside,
                how,
            };
            list_directory(&listing, argument, &mut paths)?;
            if paths.len() == before {
                return Err(empty_directory(argument, how.recursive));
            }
        } else {
            paths.push((argument.clone(), Found::Named));
        }
        if paths.len() > MAX_INPUT_FILES {
            return Err(format!(
                "more than {MAX_INPUT_FILES} input files; i2kit reads applications of at most {MAX_INPUT_FILES} files"
            ));
        }
    }
    stdin_at_most_once(arguments)?;
    read_all(unique(paths))
}

/// Refuses `-` given twice: standard input can be read once.
///
/// # Errors
/// The message to print.
pub fn stdin_at_most_once(arguments: &[PathBuf]) -> Result<(), String> {
    if arguments.iter().filter(|path| is_stdin(path)).count() > 1 {
        return Err("standard input (`-`) can be read only once".to_string());
    }
    Ok(())
}

/// Each file once, at its first place: a file named and also in a listed directory, or two
/// spellings of one path, would otherwise define everything in it twice. A link out of a
/// directory is never read, so it neither hides a file named elsewhere nor is hidden by one.
fn unique(paths: Vec<(PathBuf, Found)>) -> Vec<(PathBuf, Found)> {
    let mut seen = BTreeSet::new();
    paths
        .into_iter()
        .filter(|(path, found)| {
            is_stdin(path)
                || matches!(found, Found::LinkOutside { .. })
                || std::fs::canonicalize(path).map_or(true, |canonical| seen.insert(canonical))
        })
        .collect()
}

/// Reads the files with one byte budget for all: past [`MAX_INPUT_BYTES`] the rest is not
/// read, and the reader reports the limit at the file that crossed it.
fn read_all(paths: Vec<(PathBuf, Found)>) -> Result<Vec<InputFile>, String> {
    let mut inputs = Vec::with_capacity(paths.len());
    let mut total = 0_usize;
    for (path, found) in paths {
        let bytes = if matches!(found, Found::LinkOutside { .. }) {
            Vec::new()
        } else {
            let allowed = (MAX_INPUT_BYTES.saturating_sub(total) as u64).saturating_add(1);
            read_bounded(&path, allowed)?
        };
        total = total.saturating_add(bytes.len());
        inputs.push(InputFile {
            name: display_name(&path),
            bytes,
            found,
        });
        if total > MAX_INPUT_BYTES {
            break;
        }
    }
    Ok(inputs)
}

/// At most `limit` bytes of a file or of standard input.
///
/// # Errors
/// `cannot read NAME: why`.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let result = if is_stdin(path) {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|file| file.take(limit).read_to_end(&mut bytes))
    };
    result
        .map(|_| bytes)
        .map_err(|error| format!("cannot read {}: {error}", display_name(path)))
}

/// One directory argument being listed.
struct Listing<'a> {
    /// The directory as given.
    root: &'a Path,
    /// Its canonical path: what a symbolic link found in it must lead into to be read.
    inside: &'a Path,
    how: Gathering<'a>,
}

/// Appends the manifest files of `directory` (and, recursively, of its subdirectories) in
/// name order. Symbolic links to directories are not followed, as `filepath.Walk` does not.
fn list_directory(
    listing: &Listing<'_>,
    directory: &Path,
    found: &mut Vec<(PathBuf, Found)>,
) -> Result<(), String> {
    let (root, how) = (listing.root, listing.how);
    let unreadable =
        |error: std::io::Error| format!("cannot read {}: {error}", directory.display());
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(directory).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        entries.push((entry.file_name(), entry.file_type().map_err(unreadable)?));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let excluded = how
        .exclude
        .and_then(|path| std::fs::canonicalize(path).ok());
    for (name, file_type) in entries {
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = directory.join(&name);
        if file_type.is_dir() {
            if how.recursive {
                list_directory(listing, &path, found)?;
            }
            continue;
        }
        let manifest_extension = Path::new(&name)
            .extension()
            .and_then(|extension| extension.to_str())
            .is_some_and(|extension| MANIFEST_EXTENSIONS.contains(&extension));
        if !manifest_extension || !path.is_file() {
            continue;
        }
        if excluded.is_some() && std::fs::canonicalize(&path).ok() == excluded {
            continue;
        }
        // A link that cannot be resolved now (it changed since `is_file`) counts as leading out.
        let leads_out = file_type.is_symlink()
            && !std::fs::canonicalize(&path).is_ok_and(|target| target.starts_with(listing.inside));
        let how_found = if leads_out {
            Found::LinkOutside {
                directory: root.display().to_string(),
            }
        } else {
            Found::Listed
        };
        found.push((path, how_found));
        if found.len() > MAX_INPUT_FILES {
            return Err(format!(
                "{} holds more than {MAX_INPUT_FILES} manifest files; i2kit reads applications of at most {MAX_INPUT_FILES} files",
                root.display()
            ));
        }
    }
    Ok(())
}

fn empty_directory(directory: &Path, recursive: bool) -> String {
    let has_subdirectories = !recursive
        && std::fs::read_dir(directory).is_ok_and(|mut entries| {
            entries.any(|entry| entry.is_ok_and(|entry| entry.path().is_dir()))
        });
    let hint = if has_subdirectories {
        "; add -R to read its subdirectories"
    } else {
        ""
    };
    format!(
        "{} holds no *.yaml, *.yml or *.json file{hint}",
        directory.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_first_argument() {
        assert_eq!(default_name(Path::new("deploy/app.yaml")), "app");
        assert_eq!(default_name(Path::new("-")), "stdin");
        let directory = std::env::temp_dir().join(format!("i2kit-name-{}", std::process::id()));
        let bundle = directory.join("shop.v2");
        std::fs::create_dir_all(&bundle).expect("dir");
        assert_eq!(default_name(&bundle), "shop.v2");
        std::fs::remove_dir_all(&directory).expect("cleanup");
    }

    #[test]
    fn names_are_file_names() {
        assert_eq!(
            parse_name("bundle-gke-guestbook"),
            Ok("bundle-gke-guestbook".into())
        );
        assert_eq!(parse_name("app.v2"), Ok("app.v2".into()));
        for bad in [
            "",
            "../x",
            "a/b",
            ".hidden",
            "-flag",
            "a b",
            &"x".repeat(201),
        ] {
            assert!(parse_name(bad).is_err(), "{bad:?}");
        }
    }
}
