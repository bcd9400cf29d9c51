//! The repository this binary was built from: default relative paths
//! (`stack.toml`, `.state`, the render output) are taken from it when the
//! current directory lacks them, so the commands work from anywhere in a
//! checkout.

use std::path::{Path, PathBuf};

/// The repository this binary was built from, when it is still there.
pub fn root() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()?
        .to_path_buf();
    root.join("Cargo.toml").is_file().then_some(root)
}

/// `path` itself, unless it is the `default` and the current directory
/// lacks it: then the repository's.
pub fn resolve_default(path: &Path, default: &str) -> PathBuf {
    if path == Path::new(default)
        && !path.exists()
        && let Some(repo) = root()
    {
        return repo.join(default);
    }
    path.to_path_buf()
}
