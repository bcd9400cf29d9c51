//! The rendered tree: every generated file, keyed by its path relative to the
//! output directory, written in one go or compared with what is on disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// Pretty JSON with a final newline: how the committed JSON files and the
/// local stack's JSON files are written.
pub fn pretty_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("plain data") + "\n"
}

/// The command that refreshes committed output; drift messages quote it.
pub const REFRESH_COMMAND: &str = "cargo run -p stack -- render";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderedTree {
    files: BTreeMap<PathBuf, String>,
}

impl RenderedTree {
    /// Adds a file; rendering one path twice is a bug in the renderer.
    pub fn insert(&mut self, path: impl Into<PathBuf>, contents: impl Into<String>) {
        let path = path.into();
        assert!(
            path.is_relative(),
            "rendered path {} must be relative",
            path.display()
        );
        let previous = self.files.insert(path.clone(), contents.into());
        assert!(previous.is_none(), "{} rendered twice", path.display());
    }

    pub fn get(&self, path: impl AsRef<Path>) -> Option<&str> {
        self.files.get(path.as_ref()).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.files.iter().map(|(p, c)| (p.as_path(), c.as_str()))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Writes every file under `root`, creating directories.
    pub fn write(&self, root: &Path) -> anyhow::Result<()> {
        for (path, contents) in &self.files {
            let target = root.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            // Unchanged files keep their timestamps, so builds watching them stay quiet.
            if std::fs::read_to_string(&target).is_ok_and(|old| old == *contents) {
                continue;
            }
            std::fs::write(&target, contents)
                .with_context(|| format!("writing {}", target.display()))?;
        }
        Ok(())
    }

    /// Paths under `root` whose contents differ from (or lack) the rendering.
    pub fn drift(&self, root: &Path) -> Vec<PathBuf> {
        self.files
            .iter()
            .filter(|(path, contents)| {
                std::fs::read_to_string(root.join(path)).map_or(true, |old| old != **contents)
            })
            .map(|(path, _)| path.clone())
            .collect()
    }
}
