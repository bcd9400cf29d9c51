//! Grafana in the local stack, when a Grafana binary is on PATH: provisioned
//! with stack-render's datasources (at the local Prometheus and Alertmanager)
//! and dashboard provider (at the dashboard the stack writes), configured by
//! an ini file under the state directory. Finding it does I/O; planning it is
//! pure.

use std::path::{Path, PathBuf};

use stack_config::config::Config;
use stack_config::endpoint::Address;
use stack_render::Monitoring;
use stack_render::monitoring::grafana_provisioning::{
    DatasourceUrls, dashboard_provider, datasources,
};

use crate::state::StateDir;
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

/// Grafana as the stack runs it: the command line and every file it reads.
#[derive(Debug)]
pub struct PlannedGrafana {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// `host:port` it listens on.
    pub address: String,
    /// Written before it starts: ini, provisioning, dashboard.
    pub files: Vec<(PathBuf, String)>,
    /// Directories it needs that nothing is written to yet.
    pub dirs: Vec<PathBuf>,
}

pub fn plan(
    binary: &GrafanaBinary,
    config: &Config,
    state: &StateDir,
    monitoring: &Monitoring,
) -> anyhow::Result<PlannedGrafana> {
    let local = &config.local;
    let address = Address::parse(&local.grafana_address)
        .map_err(|e| anyhow::anyhow!("local.grafana_address: {e}"))?;
    let urls = DatasourceUrls {
        prometheus: format!("http://{}", local.prometheus_address),
        alertmanager: format!("http://{}", local.alertmanager_address),
    };
    let dashboards = state.grafana_dashboards();
    let ini = Ini {
        http_addr: address.host().trim_matches(['[', ']']).to_owned(),
        http_port: address.port(),
        data: state.grafana_dir().join("data"),
        logs: state.grafana_dir().join("logs"),
        plugins: state.grafana_dir().join("plugins"),
        provisioning: state.grafana_provisioning(),
    };
    let mut args = binary.subcommand.clone();
    args.extend([
        "--homepath".into(),
        binary.home.display().to_string(),
        "--config".into(),
        state.grafana_ini().display().to_string(),
    ]);
    Ok(PlannedGrafana {
        program: binary.program.clone(),
        args,
        address: local.grafana_address.clone(),
        dirs: vec![ini.data.clone(), ini.logs.clone(), ini.plugins.clone()],
        files: vec![
            (state.grafana_ini(), ini.to_text()),
            (
                state
                    .grafana_provisioning()
                    .join("datasources/datasources.yml"),
                datasources(config, &urls),
            ),
            (
                state
                    .grafana_provisioning()
                    .join("dashboards/dashboards.yml"),
                dashboard_provider(&dashboards.display().to_string()),
            ),
            (
                dashboards.join(&monitoring.dashboard_file),
                monitoring.dashboard.clone(),
            ),
        ],
    })
}

/// The settings of `grafana.ini` that differ from Grafana's defaults.
#[derive(Debug)]
struct Ini {
    http_addr: String,
    http_port: u16,
    data: PathBuf,
    logs: PathBuf,
    plugins: PathBuf,
    provisioning: PathBuf,
}

impl Ini {
    fn to_text(&self) -> String {
        format!(
            "; Written by `stack up` on every start.\n\
             [server]\nhttp_addr = {}\nhttp_port = {}\n\n\
             [paths]\ndata = {}\nlogs = {}\nplugins = {}\nprovisioning = {}\n\n\
             ; Console only: the stack keeps every child's output in its logs/.\n\
             [log]\nmode = console\n\n\
             ; A loopback-only server: anyone on this machine may look, not edit.\n\
             [auth.anonymous]\nenabled = true\norg_role = Viewer\n\n\
             [analytics]\nreporting_enabled = false\ncheck_for_updates = false\n\
             check_for_plugin_updates = false\n",
            self.http_addr,
            self.http_port,
            self.data.display(),
            self.logs.display(),
            self.plugins.display(),
            self.provisioning.display(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ini_listens_on_the_planned_address_and_keeps_everything_in_the_state() {
        let ini = Ini {
            http_addr: "127.0.0.1".into(),
            http_port: 3000,
            data: "/s/grafana/data".into(),
            logs: "/s/grafana/logs".into(),
            plugins: "/s/grafana/plugins".into(),
            provisioning: "/s/grafana/provisioning".into(),
        };
        let text = ini.to_text();
        for line in [
            "http_addr = 127.0.0.1",
            "http_port = 3000",
            "data = /s/grafana/data",
            "provisioning = /s/grafana/provisioning",
            "org_role = Viewer",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} missing:\n{text}");
        }
    }
}
