//! Writing generated files the way build tools want: atomically, and only when the content
//! changed, so `make` sees unchanged outputs as up to date.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// One file to produce: its path and exact content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: PathBuf,
    pub content: String,
}

/// What happened to an artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    Current,
    Stale,
    Missing,
}

#[must_use]
pub fn freshness(artifact: &Artifact) -> Freshness {
    match fs::read(&artifact.path) {
        Ok(existing) if existing == artifact.content.as_bytes() => Freshness::Current,
        Ok(_) => Freshness::Stale,
        Err(_) => Freshness::Missing,
    }
}

/// Writes `artifact` through a temporary file in the same directory and a rename, so a reader
/// never sees half a file; skips the write when the content is already there.
///
/// The temporary file is created exclusively under a name no one can predict (`tempfile`:
/// `O_CREAT | O_EXCL`, which never follows a link), so a symbolic link planted in a shared
/// output directory cannot turn the write into one of another file. A link already at
/// `artifact.path` is replaced by the rename itself, never written through. On any error
/// the temporary file is removed and nothing else is touched.
///
/// # Errors
/// The I/O error, with the path it concerns.
pub fn write_if_changed(artifact: &Artifact) -> Result<bool, String> {
    if freshness(artifact) == Freshness::Current {
        return Ok(false);
    }
    let directory = match artifact.path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let file_name = artifact
        .path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cannot_write =
        |error: std::io::Error| format!("cannot write {}: {error}", artifact.path.display());
    let prefix = format!(".{file_name}.");
    let mut temporary = temporary_file()
        .prefix(&prefix)
        .suffix(".tmp")
        .tempfile_in(directory)
        .map_err(cannot_write)?;
    temporary
        .write_all(artifact.content.as_bytes())
        .and_then(|()| temporary.as_file().sync_all())
        .map_err(cannot_write)?;
    // On failure the temporary file comes back inside the error and is removed when dropped.
    temporary
        .persist(&artifact.path)
        .map_err(|error| cannot_write(error.error))?;
    Ok(true)
}

/// The builder of an output's temporary file. On Unix it gets what `File::create` gives a new
/// file, as outputs had before they went through `tempfile` (whose default, owner-only, would
/// hide them from a build's other users): 0666 less the umask, which `open` applies.
fn temporary_file() -> tempfile::Builder<'static, 'static> {
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_changed_content() {
        let directory = std::env::temp_dir().join(format!("i2kit-output-{}", std::process::id()));
        fs::create_dir_all(&directory).expect("temp dir");
        let artifact = Artifact {
            path: directory.join("a.json"),
            content: "{}\n".into(),
        };
        assert_eq!(freshness(&artifact), Freshness::Missing);
        assert_eq!(write_if_changed(&artifact), Ok(true));
        assert_eq!(write_if_changed(&artifact), Ok(false));
        let changed = Artifact {
            content: "[]\n".into(),
            ..artifact.clone()
        };
        assert_eq!(freshness(&changed), Freshness::Stale);
        assert_eq!(write_if_changed(&changed), Ok(true));
        let leftovers: Vec<_> = fs::read_dir(&directory).expect("list").collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
        fs::remove_dir_all(&directory).expect("cleanup");
    }

    /// A scratch directory of its own for each test.
    fn scratch(name: &str) -> PathBuf {
        let directory =
            std::env::temp_dir().join(format!("i2kit-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&directory);
        fs::create_dir_all(&directory).expect("temp dir");
        directory
    }

    #[cfg(unix)]
    #[test]
    fn a_link_planted_at_the_temporary_name_is_not_written_through() {
        let directory = scratch("planted");
        let victim = directory.join("victim");
        fs::write(&victim, "precious\n").expect("victim");
        // The name the temporary file had before it came from `tempfile`.
        let planted = directory.join(format!(".a.json.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).expect("symlink");
        let artifact = Artifact {
            path: directory.join("a.json"),
            content: "{}\n".into(),
        };
        assert_eq!(write_if_changed(&artifact), Ok(true));
        assert_eq!(fs::read_to_string(&victim).expect("victim"), "precious\n");
        let written = fs::symlink_metadata(&artifact.path).expect("output");
        assert!(
            written.file_type().is_file(),
            "the output is a file, not the link"
        );
        assert_eq!(fs::read_to_string(&artifact.path).expect("output"), "{}\n");
        assert!(fs::symlink_metadata(&planted).is_ok_and(|m| m.file_type().is_symlink()));
        fs::remove_dir_all(&directory).expect("cleanup");
    }

    /// A link at the output's own path is replaced (as `rename` does), its target untouched:
    /// writing through it would let whoever can write the output directory aim i2kit at any
    /// file its user can write.
    #[cfg(unix)]
    #[test]
    fn a_link_at_the_output_path_is_replaced_not_followed() {
        let directory = scratch("destination");
        let victim = directory.join("victim");
        fs::write(&victim, "precious\n").expect("victim");
        let artifact = Artifact {
            path: directory.join("a.json"),
            content: "{}\n".into(),
        };
        std::os::unix::fs::symlink(&victim, &artifact.path).expect("symlink");
        assert_eq!(write_if_changed(&artifact), Ok(true));
        assert_eq!(fs::read_to_string(&victim).expect("victim"), "precious\n");
        let written = fs::symlink_metadata(&artifact.path).expect("output");
        assert!(written.file_type().is_file());
        fs::remove_dir_all(&directory).expect("cleanup");
    }

    #[cfg(unix)]
    #[test]
    fn outputs_get_the_mode_a_created_file_gets() {
        use std::os::unix::fs::PermissionsExt as _;
        let directory = scratch("mode");
        let reference = directory.join("reference");
        fs::File::create(&reference).expect("reference");
        let artifact = Artifact {
            path: directory.join("a.json"),
            content: "{}\n".into(),
        };
        assert_eq!(write_if_changed(&artifact), Ok(true));
        let mode = |path: &Path| fs::metadata(path).expect("metadata").permissions().mode();
        assert_eq!(mode(&artifact.path), mode(&reference));
        assert_ne!(mode(&artifact.path) & 0o044, 0, "readable beyond the owner");
        fs::remove_dir_all(&directory).expect("cleanup");
    }

    #[test]
    fn a_failed_write_leaves_nothing() {
        let directory = scratch("failed");
        let artifact = Artifact {
            path: directory.join("missing").join("a.json"),
            content: "{}\n".into(),
        };
        let error = write_if_changed(&artifact).expect_err("no such directory");
        assert!(error.starts_with("cannot write "), "{error}");
        assert_eq!(fs::read_dir(&directory).expect("list").count(), 0);
        fs::remove_dir_all(&directory).expect("cleanup");
    }
}
