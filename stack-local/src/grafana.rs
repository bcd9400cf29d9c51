//! Grafana in the local stack, when a Grafana binary is on PATH: finding it
//! and its home, and its admin password (the I/O; what it runs with is
//! planned in [`crate::grafana_plan`]).

use std::path::{Path, PathBuf};

use crate::tools::find_in_path;

/// Names Grafana's home (the directory holding `conf/defaults.ini`),
/// overriding the search beside the binary.
pub const GRAFANA_HOME_ENV: &str = "GRAFANA_HOME";

/// A Grafana binary and its home.
#[derive(Clone, Debug)]
pub struct GrafanaBinary {
    pub program: PathBuf,
    /// `server` for `grafana`; nothing for the older `grafana-server`.
    pub subcommand: Vec<String>,
    pub home: PathBuf,
}

/// `grafana` (Grafana 10 and later) or `grafana-server` from PATH, or why
/// Grafana cannot run here.
pub fn find() -> Result<GrafanaBinary, String> {
    let program = find_in_path(&["grafana", "grafana-server"])
        .ok_or("neither grafana nor grafana-server is on PATH")?;
    let subcommand = if program.ends_with("grafana") {
        vec!["server".to_owned()]
    } else {
        Vec::new()
    };
    let explicit = std::env::var_os(GRAFANA_HOME_ENV).map(PathBuf::from);
    let home = home_of(&program, explicit).ok_or_else(|| {
        format!(
            "{} has no home with conf/defaults.ini beside it: set ${GRAFANA_HOME_ENV}",
            program.display()
        )
    })?;
    Ok(GrafanaBinary {
        program,
        subcommand,
        home,
    })
}

/// The first directory holding `conf/defaults.ini`: `explicit`, else beside
/// `program` (or the file it links to). Release tarballs keep `conf/` next
/// to `bin/`; Nix and the Debian package under `share/grafana`.
fn home_of(program: &Path, explicit: Option<PathBuf>) -> Option<PathBuf> {
    let real = std::fs::canonicalize(program).unwrap_or_else(|_| program.to_path_buf());
    let beside = [program, real.as_path()]
        .into_iter()
        .filter_map(|p| p.parent()?.parent().map(Path::to_path_buf))
        .flat_map(|prefix| [prefix.join("share").join("grafana"), prefix]);
    explicit
        .into_iter()
        .chain(beside)
        .chain([PathBuf::from("/usr/share/grafana")])
        .find(|dir| dir.join("conf").join("defaults.ini").is_file())
}

/// Answers 200 once Grafana serves and its database is up.
pub const READY_PATH: &str = "/api/health";

/// The admin password in `file`, made (random, owner-readable only) when
/// the file is not there yet.
pub fn admin_password(file: &Path) -> anyhow::Result<String> {
    use anyhow::Context as _;
    use std::io::Read as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    if let Ok(existing) = std::fs::read_to_string(file) {
        return Ok(existing.trim().to_owned());
    }
    let mut bytes = [0u8; 15];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .context("reading /dev/urandom")?;
    let password: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
        .with_context(|| format!("creating {}", file.display()))?;
    std::io::Write::write_all(&mut out, format!("{password}\n").as_bytes())
        .with_context(|| format!("writing {}", file.display()))?;
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Directory layouts only: no Grafana is run or stood in for.
    #[test]
    fn the_home_is_found_beside_the_binary_in_either_layout() {
        let root = std::env::temp_dir().join(format!("grafana-home-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let layout = |prefix: &Path, home: &Path| {
            std::fs::create_dir_all(prefix.join("bin")).unwrap();
            std::fs::write(prefix.join("bin/grafana"), "").unwrap();
            std::fs::create_dir_all(home.join("conf")).unwrap();
            std::fs::write(home.join("conf/defaults.ini"), "").unwrap();
        };
        let nix = root.join("nix");
        layout(&nix, &nix.join("share/grafana"));
        assert_eq!(
            home_of(&nix.join("bin/grafana"), None),
            Some(nix.join("share/grafana"))
        );
        let tarball = root.join("grafana-13.2.0");
        layout(&tarball, &tarball);
        assert_eq!(
            home_of(&tarball.join("bin/grafana"), None),
            Some(tarball.clone())
        );
        // A link on PATH leads to the real installation.
        std::fs::create_dir_all(root.join("path")).unwrap();
        std::os::unix::fs::symlink(tarball.join("bin/grafana"), root.join("path/grafana")).unwrap();
        assert_eq!(
            home_of(&root.join("path/grafana"), None),
            Some(tarball.clone())
        );
        // An explicit home wins; one without conf/defaults.ini does not count.
        assert_eq!(
            home_of(
                &tarball.join("bin/grafana"),
                Some(nix.join("share/grafana"))
            ),
            Some(nix.join("share/grafana"))
        );
        assert_eq!(
            home_of(&tarball.join("bin/grafana"), Some(root.join("nowhere"))),
            Some(tarball)
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
