//! The first half of starting the stack, pure: from the [`Options`], what
//! listens where, which instances run with which arguments, and the files
//! Prometheus, Alertmanager and (when it is there) Grafana read. [`crate::Stack::start`] then checks the
//! machine (ports, tools, state) and launches the plan.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use app_core::Variant;
use stack_config::Endpoint;
use stack_render::Monitoring;
use stack_render::monitoring::scrape::{
    LocalTarget, file_sd_targets, local_address, local_native_instances,
};

use crate::grafana_plan::{self, PlannedGrafana};
use crate::options::Options;
use crate::ports::Claim;
use crate::state::StateDir;

/// Everything decided before anything starts.
#[derive(Debug)]
pub struct Plan {
    /// `host:port` the webhook receiver (and the control routes) listen on.
    pub webhook_address: String,
    /// The path Alertmanager posts to.
    pub webhook_path: String,
    /// Every address the stack will listen on, checked free first.
    pub claims: Vec<Claim>,
    pub instances: Vec<PlannedInstance>,
    /// The rendered local configuration of Prometheus and Alertmanager.
    pub monitoring: Monitoring,
    /// The file-based discovery list of [`Plan::instances`].
    pub targets: String,
    /// Grafana, when [`Options::grafana`] names a binary.
    pub grafana: Option<PlannedGrafana>,
}

/// One app instance to run.
#[derive(Debug)]
pub struct PlannedInstance {
    pub name: String,
    pub variant: Variant,
    pub address: SocketAddr,
    pub program: Program,
    pub args: Vec<String>,
    /// Environment variables on top of the stack's own.
    pub env: Vec<(String, String)>,
    /// How long it may take to answer `/readyz` after starting.
    pub startup: Duration,
}

/// What an instance runs.
#[derive(Debug)]
pub enum Program {
    /// The `app-native` binary, found or built when the plan is launched.
    AppNative,
    /// A program known now (the edge host).
    Path(PathBuf),
}

impl Plan {
    pub fn new(options: &Options) -> anyhow::Result<Plan> {
        let config = &options.config;
        config.validate()?;
        let local = &config.local;
        let (webhook_address, webhook_path) = webhook_parts(&local.webhook_url)?;
        let mut instances = native_instances(options);
        instances.extend(edge_instance(options));
        let targets: Vec<LocalTarget> = instances
            .iter()
            .map(|instance| LocalTarget {
                address: instance.address.to_string(),
                pod: instance.name.clone(),
                variant: instance.variant,
            })
            .collect();
        let monitoring = Monitoring::new(config);
        let state = StateDir::new(&options.state_dir);
        let grafana = options
            .grafana
            .as_ref()
            .map(|binary| grafana_plan::plan(binary, config, &state, &monitoring))
            .transpose()?;
        let mut claims = claims(options, &webhook_address, &instances);
        if let Some(grafana) = &grafana {
            claims.push(Claim::new(
                &grafana.address,
                "Grafana (--grafana-port, local.grafana_address)",
            ));
        }
        Ok(Plan {
            claims,
            webhook_address,
            webhook_path,
            targets: file_sd_targets(config, &targets),
            instances,
            monitoring,
            grafana,
        })
    }
}

/// Where the local receiver listens and the path it serves, from the
/// (validated, plain http://) `local.webhook_url`.
fn webhook_parts(url: &str) -> anyhow::Result<(String, String)> {
    let url = Endpoint::parse(url).map_err(|e| anyhow::anyhow!("local.webhook_url: {e}"))?;
    let path = if url.path().is_empty() {
        "/"
    } else {
        url.path()
    };
    Ok((format!("{}:{}", url.host(), url.port()), path.to_owned()))
}

fn native_instances(options: &Options) -> Vec<PlannedInstance> {
    let config = &options.config;
    local_native_instances(config)
        .into_iter()
        .map(|(name, address)| PlannedInstance {
            args: vec![
                "--listen".into(),
                address.to_string(),
                "--demo-faults".into(),
                "--log-format".into(),
                "json".into(),
                "--shutdown-delay".into(),
                options.shutdown_delay.as_secs().to_string(),
                "--drain-timeout".into(),
                config.app.drain_seconds.to_string(),
            ],
            name,
            variant: Variant::Native,
            address,
            program: Program::AppNative,
            env: Vec::new(),
            startup: Duration::from_secs(20),
        })
        .collect()
}

fn edge_instance(options: &Options) -> Option<PlannedInstance> {
    let (Some(edge), Some(port)) = (&options.edge, options.edge_port()) else {
        return None;
    };
    let address = local_address(port);
    Some(PlannedInstance {
        name: "app-spin-1".to_owned(),
        variant: Variant::Spin,
        address,
        program: Program::Path(edge.program.clone()),
        args: edge.args(
            &address.to_string(),
            &options.state_dir.join("edge").display().to_string(),
        ),
        env: edge.env(),
        // The host compiles the component first.
        startup: Duration::from_secs(120),
    })
}

/// Every address the stack listens on, named as the flags and keys that set it.
fn claims(options: &Options, webhook_address: &str, instances: &[PlannedInstance]) -> Vec<Claim> {
    let local = &options.config.local;
    // Debian's packages run their own Prometheus and Alertmanager on the
    // default ports when systemd is there.
    let service_hint = |service: &str| {
        format!("if it is Debian's {service} service: systemctl disable --now {service}")
    };
    let mut claims = vec![
        Claim::new(
            &local.prometheus_address,
            "Prometheus (--prometheus-port, local.prometheus_address)",
        )
        .hint(service_hint("prometheus")),
        Claim::new(
            &local.alertmanager_address,
            "Alertmanager (--alertmanager-port, local.alertmanager_address)",
        )
        .hint(service_hint("prometheus-alertmanager")),
        Claim::new(
            webhook_address,
            "the webhook receiver (--receiver-port, local.webhook_url)",
        ),
    ];
    let natives = instances.iter().filter(|i| i.variant == Variant::Native);
    for (i, instance) in natives.enumerate() {
        claims.push(Claim::new(
            instance.address.to_string(),
            format!("app instance {} (--app-ports, local.app_ports)", i + 1),
        ));
    }
    for instance in instances.iter().filter(|i| i.variant == Variant::Spin) {
        claims.push(Claim::new(
            instance.address.to_string(),
            "the edge instance (--edge-port)",
        ));
    }
    claims
}

#[cfg(test)]
mod tests {
    use super::*;
    use stack_config::Config;

    #[test]
    fn plans_every_listener_before_anything_starts() {
        let plan = Plan::new(&Options::new(Config::default(), "/nonexistent")).unwrap();
        let addresses: Vec<&str> = plan.claims.iter().map(|c| c.address.as_str()).collect();
        assert_eq!(
            addresses,
            [
                "127.0.0.1:9090",
                "127.0.0.1:9093",
                "127.0.0.1:9095",
                "127.0.0.1:8081",
                "127.0.0.1:8082"
            ]
        );
        assert_eq!(plan.webhook_path, "/alerts");
        let names: Vec<&str> = plan.instances.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["app-native-1", "app-native-2"]);
        assert!(plan.targets.contains("app-native-2"));
        assert!(plan.grafana.is_none(), "no Grafana was named");
    }

    /// The plan only: the path names no real Grafana, and nothing runs.
    #[test]
    fn a_grafana_binary_joins_the_plan_provisioned_for_the_local_ports() {
        let mut config = Config::default();
        config.local.prometheus_address = "127.0.0.1:19090".into();
        config.local.alertmanager_address = "127.0.0.1:19093".into();
        config.local.grafana_address = "127.0.0.1:13000".into();
        let mut options = Options::new(config, "/state");
        options.grafana = Some(crate::grafana::GrafanaBinary {
            program: "/opt/grafana/bin/grafana".into(),
            subcommand: vec!["server".into()],
            home: "/opt/grafana".into(),
        });
        let plan = Plan::new(&options).unwrap();
        let grafana = plan.grafana.expect("Grafana planned");
        assert_eq!(grafana.program, PathBuf::from("/opt/grafana/bin/grafana"));
        assert_eq!(
            grafana.args,
            [
                "server",
                "--homepath",
                "/opt/grafana",
                "--config",
                "/state/grafana/grafana.ini"
            ]
        );
        let claim = plan.claims.last().unwrap();
        assert_eq!(
            (claim.address.as_str(), claim.owner.as_str()),
            (
                "127.0.0.1:13000",
                "Grafana (--grafana-port, local.grafana_address)"
            )
        );

        let file = |path: &str| -> &str {
            let path = PathBuf::from(path);
            let found = grafana.files.iter().find(|(p, _)| *p == path);
            &found
                .unwrap_or_else(|| panic!("{} not planned", path.display()))
                .1
        };
        let ini = file("/state/grafana/grafana.ini");
        assert!(ini.contains("\nhttp_port = 13000\n"), "{ini}");
        assert!(
            ini.contains("\nprovisioning = /state/grafana/provisioning\n"),
            "{ini}"
        );
        let sources: serde_json::Value = serde_yaml::from_str(file(
            "/state/grafana/provisioning/datasources/datasources.yml",
        ))
        .unwrap();
        let urls: Vec<&str> = sources["datasources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["url"].as_str().unwrap())
            .collect();
        assert_eq!(urls, ["http://127.0.0.1:19090", "http://127.0.0.1:19093"]);
        let provider: serde_json::Value = serde_yaml::from_str(file(
            "/state/grafana/provisioning/dashboards/dashboards.yml",
        ))
        .unwrap();
        let dashboards = provider["providers"][0]["options"]["path"]
            .as_str()
            .unwrap();
        assert_eq!(dashboards, "/state/grafana/dashboards");
        // The provider's directory holds the dashboard the stack writes.
        let dashboard = file(&format!("{dashboards}/{}", plan.monitoring.dashboard_file));
        assert_eq!(dashboard, plan.monitoring.dashboard);
    }
}
