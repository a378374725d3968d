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
/// # Errors
/// The I/O error, with the path it concerns.
pub fn write_if_changed(artifact: &Artifact) -> Result<bool, String> {
    if freshness(artifact) == Freshness::Current {
        return Ok(false);
    }
    let directory = artifact.path.parent().unwrap_or(Path::new("."));
    let file_name = artifact
        .path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = directory.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(artifact.content.as_bytes())?;
        file.sync_all()?;
        fs::rename(&temporary, &artifact.path)
    })();
    result.map(|()| true).map_err(|error| {
        let _ = fs::remove_file(&temporary);
        format!("cannot write {}: {error}", artifact.path.display())
    })
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
}
