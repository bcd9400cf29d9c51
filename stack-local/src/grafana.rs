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
    let home = std::env::var_os(GRAFANA_HOME_ENV)
        .map(PathBuf::from)
        .into_iter()
        .chain(home_candidates(&program))
        .find(|dir| dir.join("conf").join("defaults.ini").is_file())
        .ok_or_else(|| {
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

/// Release tarballs keep `conf/` next to `bin/`; Nix and the Debian package
/// under `share/grafana`.
fn home_candidates(program: &Path) -> Vec<PathBuf> {
    let real = std::fs::canonicalize(program).unwrap_or_else(|_| program.to_path_buf());
    [program, real.as_path()]
        .iter()
        .filter_map(|p| p.parent()?.parent().map(Path::to_path_buf))
        .flat_map(|prefix| [prefix.join("share").join("grafana"), prefix])
        .chain([PathBuf::from("/usr/share/grafana")])
        .collect()
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
