//! A snapshot folder on disk: every file under it, read into memory for the codec.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    #[error("snapshot folder {0} does not exist")]
    Missing(PathBuf),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Every file under `root`, keyed by `/`-separated path relative to it.
pub fn read_folder(root: &Path) -> Result<BTreeMap<String, Vec<u8>>, FolderError> {
    if !root.is_dir() {
        return Err(FolderError::Missing(root.to_path_buf()));
    }
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.map_err(|e| FolderError::Read {
            path: e.path().unwrap_or(root).to_path_buf(),
            source: e.into(),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let relative = path
            .strip_prefix(root)
            .expect("walkdir stays under its root")
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let bytes = std::fs::read(path).map_err(|source| FolderError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        files.insert(relative, bytes);
    }
    Ok(files)
}
