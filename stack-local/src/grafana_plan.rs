//! What Grafana runs with in the local stack, pure: provisioned with
//! stack-render's datasources (at the local Prometheus and Alertmanager) and
//! dashboard provider (at the dashboard the stack writes), configured by an
//! ini file under the state directory.

use std::path::PathBuf;

use stack_config::config::Config;
use stack_config::endpoint::Address;
use stack_render::Monitoring;
use stack_render::monitoring::grafana_provisioning::{
    DatasourceUrls, dashboard_provider, datasources,
};

use crate::grafana::GrafanaBinary;
use crate::state::StateDir;

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
