//! The running stack: its parts, how they start and stop, and what the
//! end-to-end test can do to them.

use std::net::SocketAddr;
use std::process::ExitStatus;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use app_core::Variant;
use serde_json::Value;

use stack_config::config::Config;
use stack_config::topology::READY_PATH;

use crate::child::{Child, Spec};
use crate::http::{self, HttpClient};
use crate::options::Options;
use crate::plan::{self, Plan};
use crate::poll;
use crate::ports;
use crate::progress::Progress;
use crate::server::{self, ControlServer};
use crate::service::{Server, wait_ready};
use crate::state::{self, Descriptor, StateDir};
use crate::tools;
use crate::traffic::{self, Traffic};
use alert_receiver::Receiver;

/// Where the stack's parts answer.
#[derive(Clone, Debug)]
pub struct Urls {
    pub prometheus: String,
    pub alertmanager: String,
    /// The control endpoint (`stack load`).
    pub control: String,
    /// Alertmanager posts here; a GET returns the receiver log.
    pub webhook: String,
    /// When Grafana runs.
    pub grafana: Option<String>,
}

/// One app instance as the stack runs it (a stand-in for a pod).
#[derive(Debug)]
pub struct Instance {
    pub name: String,
    pub variant: Variant,
    pub address: SocketAddr,
    spec: Spec,
    /// How long it may take to answer `/readyz` after starting.
    startup: Duration,
    child: Option<Child>,
}

impl Instance {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }
}

pub struct Stack {
    options: Options,
    state: StateDir,
    instances: Vec<Instance>,
    prometheus: Server,
    alertmanager: Server,
    grafana: Option<Server>,
    receiver: Arc<Receiver>,
    traffic: Arc<Traffic>,
    _server: ControlServer,
    client: HttpClient,
    urls: Urls,
}

impl Drop for Stack {
    fn drop(&mut self) {
        // The children die with their handles; `stack load` must not find
        // a stack that is gone.
        self.state.remove_descriptor();
    }
}

impl Stack {
    /// Starts everything and waits until Prometheus scrapes every instance.
    pub async fn start(options: Options) -> anyhow::Result<Stack> {
        let plan = Plan::new(&options)?;
        Stack::launch(options, plan).await
    }

    /// The second half of [`Stack::start`]: checks the machine (no stack
    /// running from the state directory, every port free, the tools there),
    /// writes the plan's files and starts every part.
    async fn launch(options: Options, plan: Plan) -> anyhow::Result<Stack> {
        let progress = options.progress.clone();
        let config = &options.config;
        let local = &config.local;
        let state = StateDir::new(&options.state_dir);
        if let Some(running) = state.running() {
            anyhow::bail!(
                "a stack is already running from {} (pid {}): stop it first (Ctrl-C in its terminal), \
                 or use another --state-dir",
                state.root().display(),
                running.pid
            );
        }
        ports::check(&plan.claims)?;

        let tools = tools::monitoring_tools(options.install, &progress)?;
        let app_binary =
            tools::app_binary(options.app_binary.as_deref(), options.build, &progress)?;

        let reused = !options.fresh && state.has_data();
        state.prepare(options.fresh)?;
        progress.step(format!(
            "state in {} ({})",
            state.root().display(),
            if reused {
                "reusing earlier data; --fresh starts clean"
            } else {
                "fresh"
            }
        ));

        // The control listener is bound now, so nobody takes the port while
        // the rest starts.
        let webhook_address = &plan.webhook_address;
        let control_listener = tokio::net::TcpListener::bind(webhook_address)
            .await
            .with_context(|| format!("listening on {webhook_address} for the webhook receiver"))?;
        let control_address = control_listener.local_addr()?;

        let instances: Vec<Instance> = plan
            .instances
            .into_iter()
            .map(|planned| {
                let program = match &planned.program {
                    plan::Program::AppNative => app_binary.clone(),
                    plan::Program::Path(path) => path.clone(),
                };
                Instance {
                    spec: Spec::new(&planned.name, &program, state.log(&planned.name))
                        .args(planned.args)
                        .envs(planned.env),
                    name: planned.name,
                    variant: planned.variant,
                    address: planned.address,
                    startup: planned.startup,
                    child: None,
                }
            })
            .collect();

        let monitoring = &plan.monitoring;
        state::write_atomically(&state.prometheus_config(), &monitoring.prometheus_local)?;
        state::write_atomically(&state.prometheus_rules(), &monitoring.rules)?;
        state::write_atomically(&state.alertmanager_config(), &monitoring.alertmanager_local)?;
        state::write_atomically(&state.prometheus_targets(), &plan.targets)?;
        let grafana = plan
            .grafana
            .map(|planned| grafana_server(planned, &state))
            .transpose()?;

        let prometheus_spec = Spec::new("prometheus", &tools.prometheus, state.log("prometheus"))
            .args(stack_render::monitoring::scrape::server_args(
                config,
                &state.prometheus_config().display().to_string(),
                &state.prometheus_data().display().to_string(),
                &local.prometheus_address,
            ))
            .arg(format!(
                "--rules.alert.resend-delay={}ms",
                options.resend_delay().as_millis()
            ));
        let alertmanager_spec = Spec::new(
            "alertmanager",
            &tools.alertmanager,
            state.log("alertmanager"),
        )
        .args(stack_render::monitoring::alertmanager::server_args(
            &state.alertmanager_config().display().to_string(),
            &state.alertmanager_data().display().to_string(),
            &local.alertmanager_address,
        ));

        let receiver = Arc::new(Receiver::open(&state.receiver_log())?);
        let traffic = Arc::new(Traffic::start(
            instances
                .iter()
                .map(|i| traffic::Backend {
                    name: i.name.clone(),
                    base_url: i.base_url(),
                })
                .collect(),
            options.traffic.clone(),
        ));
        let server = server::start(
            control_listener,
            plan.webhook_path.clone(),
            receiver.clone(),
            traffic.clone(),
        );
        let urls = Urls {
            prometheus: format!("http://{}", local.prometheus_address),
            alertmanager: format!("http://{}", local.alertmanager_address),
            control: format!("http://{control_address}"),
            webhook: format!("http://{control_address}{}", plan.webhook_path),
            grafana: grafana.as_ref().map(|g| g.url.clone()),
        };

        let mut stack = Stack {
            options,
            state,
            instances,
            prometheus: Server {
                label: "Prometheus",
                spec: prometheus_spec,
                child: None,
                url: urls.prometheus.clone(),
                ready_path: READY_PATH,
                // Replaying a large write-ahead log takes a while.
                startup: Duration::from_secs(90),
                // Time to flush the head block.
                stop_grace: Duration::from_secs(30),
            },
            alertmanager: Server {
                label: "Alertmanager",
                spec: alertmanager_spec,
                child: None,
                url: urls.alertmanager.clone(),
                ready_path: READY_PATH,
                startup: Duration::from_secs(30),
                stop_grace: Duration::from_secs(15),
            },
            grafana,
            receiver,
            traffic,
            _server: server,
            client: HttpClient::new(Duration::from_secs(5)),
            urls,
        };
        stack.write_descriptor()?;
        for i in 0..stack.instances.len() {
            stack.start_instance(i).await?;
        }
        stack.start_alertmanager().await?;
        stack.start_prometheus().await?;
        if let Some(grafana) = &mut stack.grafana {
            grafana
                .start(&stack.client, &stack.options.progress)
                .await?;
            stack.write_descriptor()?;
        }
        stack.wait_targets_up(Duration::from_secs(30)).await?;
        Ok(stack)
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    pub fn config(&self) -> &Config {
        &self.options.config
    }

    pub fn urls(&self) -> &Urls {
        &self.urls
    }

    pub fn state(&self) -> &StateDir {
        &self.state
    }

    pub fn receiver(&self) -> &Receiver {
        &self.receiver
    }

    pub fn traffic(&self) -> &Traffic {
        &self.traffic
    }

    pub fn instances(&self) -> &[Instance] {
        &self.instances
    }

    fn progress(&self) -> &Progress {
        &self.options.progress
    }

    /// Every child process running now: part name and pid.
    pub fn children(&self) -> Vec<(String, u32)> {
        self.instances
            .iter()
            .filter_map(|i| i.child.as_ref())
            .chain(self.prometheus.child.as_ref())
            .chain(self.alertmanager.child.as_ref())
            .chain(self.grafana.as_ref().and_then(|g| g.child.as_ref()))
            .map(|c| (c.name().to_owned(), c.pid()))
            .collect()
    }

    fn write_descriptor(&self) -> anyhow::Result<()> {
        self.state.write_descriptor(&Descriptor {
            pid: std::process::id(),
            control_url: self.urls.control.clone(),
            prometheus_url: self.urls.prometheus.clone(),
            alertmanager_url: self.urls.alertmanager.clone(),
            grafana_url: self.urls.grafana.clone(),
            receiver_log_url: self.urls.webhook.clone(),
            children: self.children(),
        })
    }

    /// Starts instance `index` (again) and waits until it is ready.
    pub async fn start_instance(&mut self, index: usize) -> anyhow::Result<()> {
        let instance = &mut self.instances[index];
        anyhow::ensure!(
            instance.child.is_none(),
            "{} is already running",
            instance.name
        );
        self.options.progress.step(format!(
            "starting {} on {}",
            instance.name, instance.address
        ));
        let mut child = instance.spec.spawn()?;
        let url = format!("{}/readyz", instance.base_url());
        let ready = wait_ready(&mut child, &url, &self.client, instance.startup).await;
        instance.child = Some(child);
        ready?;
        self.write_descriptor()
    }

    /// SIGKILL, as a crash: no drain, no readiness change.
    pub async fn kill_instance(&mut self, index: usize) -> anyhow::Result<()> {
        let instance = &mut self.instances[index];
        let mut child = instance
            .child
            .take()
            .with_context(|| format!("{} is not running", instance.name))?;
        child.kill_group();
        child.wait().await?;
        self.write_descriptor()
    }

    /// Sends SIGTERM and returns at once: the instance drains on its own.
    /// [`Stack::wait_instance_exit`] reaps it.
    pub fn terminate_instance(&mut self, index: usize) -> anyhow::Result<()> {
        let instance = &self.instances[index];
        let child = instance
            .child
            .as_ref()
            .with_context(|| format!("{} is not running", instance.name))?;
        child.signal(libc::SIGTERM);
        Ok(())
    }

    /// Waits up to `timeout` for instance `index` to exit (killing it
    /// after that), and returns its exit status.
    pub async fn wait_instance_exit(
        &mut self,
        index: usize,
        timeout: Duration,
    ) -> anyhow::Result<ExitStatus> {
        let instance = &mut self.instances[index];
        let mut child = instance
            .child
            .take()
            .with_context(|| format!("{} is not running", instance.name))?;
        let name = instance.name.clone();
        let status = match tokio::time::timeout(timeout, child.wait()).await {
            Ok(status) => status?,
            Err(_) => {
                child.kill_group();
                child.wait().await?;
                anyhow::bail!("{name} did not exit within {timeout:?} and was killed");
            }
        };
        self.write_descriptor()?;
        Ok(status)
    }

    pub async fn start_prometheus(&mut self) -> anyhow::Result<()> {
        self.prometheus
            .start(&self.client, &self.options.progress)
            .await?;
        self.write_descriptor()
    }

    /// Stops Prometheus gracefully (it flushes its head block).
    pub async fn stop_prometheus(&mut self) -> anyhow::Result<()> {
        self.prometheus.stop().await?;
        self.write_descriptor()
    }

    pub async fn start_alertmanager(&mut self) -> anyhow::Result<()> {
        self.alertmanager
            .start(&self.client, &self.options.progress)
            .await?;
        self.write_descriptor()
    }

    /// Stops Alertmanager gracefully (it snapshots silences and its
    /// notification log to its data directory).
    pub async fn stop_alertmanager(&mut self) -> anyhow::Result<()> {
        self.alertmanager.stop().await?;
        self.write_descriptor()
    }

    /// The app's targets as Prometheus sees them: `(pod, health)`.
    pub async fn app_targets(&self) -> anyhow::Result<Vec<(String, String)>> {
        let targets = self
            .client
            .get_json(&format!(
                "{}/api/v1/targets?state=active",
                self.urls.prometheus
            ))
            .await?;
        let job = &self.config().app.job;
        Ok(targets["data"]["activeTargets"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|t| t["labels"]["job"].as_str() == Some(job))
            .map(|t| {
                (
                    t["labels"]["pod"].as_str().unwrap_or("?").to_owned(),
                    t["health"].as_str().unwrap_or("?").to_owned(),
                )
            })
            .collect())
    }

    /// Waits until every instance is a target and up.
    pub async fn wait_targets_up(&self, timeout: Duration) -> anyhow::Result<()> {
        let expected = self.instances.len();
        self.progress().step(format!(
            "waiting for Prometheus to scrape the {expected} instances"
        ));
        poll::until(
            "every app target up",
            timeout,
            Duration::from_millis(250),
            || async {
                let targets = self.app_targets().await?;
                let up = targets.iter().filter(|(_, health)| health == "up").count();
                if up == expected && targets.len() == expected {
                    Ok(Some(()))
                } else {
                    Err(anyhow::anyhow!("targets now: {targets:?}"))
                }
            },
        )
        .await
    }

    /// A PromQL instant query; the `result` array.
    pub async fn query(&self, promql: &str) -> anyhow::Result<Vec<Value>> {
        let url = format!(
            "{}/api/v1/query?query={}",
            self.urls.prometheus,
            http::encode_query_value(promql)
        );
        let reply = self.client.get(&url).await?;
        let body = reply.json().with_context(|| format!("query {promql}"))?;
        if body["status"] != "success" {
            anyhow::bail!(
                "query {promql} failed: {} {}",
                body["errorType"],
                body["error"]
            );
        }
        Ok(body["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    pub fn client(&self) -> &HttpClient {
        &self.client
    }

    /// Parts that died on their own, with the end of their logs; each is
    /// reported once.
    pub fn reap_unexpected_exits(&mut self) -> Vec<String> {
        let mut died = Vec::new();
        let mut check = |slot: &mut Option<Child>| {
            if let Some(child) = slot.as_mut()
                && let Some(status) = child.try_exit()
            {
                died.push(format!(
                    "{} exited ({status}); the end of {}:\n{}",
                    child.name(),
                    child.log().display(),
                    child.log_tail(10)
                ));
                *slot = None;
            }
        };
        for instance in &mut self.instances {
            check(&mut instance.child);
        }
        check(&mut self.prometheus.child);
        check(&mut self.alertmanager.child);
        if let Some(grafana) = &mut self.grafana {
            check(&mut grafana.child);
        }
        died
    }

    /// Stops everything: traffic first (no failures from shutdown), then
    /// Grafana, Prometheus (no alerts about the apps going away),
    /// Alertmanager, the instances; the receiver last.
    pub async fn shutdown(mut self) {
        let progress = self.options.progress.clone();
        progress.step("stopping the traffic generator");
        self.traffic.stop();
        let servers = self
            .grafana
            .iter_mut()
            .chain([&mut self.prometheus, &mut self.alertmanager]);
        for server in servers {
            if let Some(child) = server.child.take() {
                progress.step(format!("stopping {}", server.label));
                child.stop(server.stop_grace).await;
            }
        }
        let grace = self.options.instance_stop_grace();
        let stopping: Vec<Child> = self
            .instances
            .iter_mut()
            .filter_map(|i| i.child.take())
            .collect();
        if !stopping.is_empty() {
            progress.step(format!("stopping {} app instance(s)", stopping.len()));
            // In parallel: each waits out its own shutdown delay.
            let mut stops = tokio::task::JoinSet::new();
            for child in stopping {
                stops.spawn(child.stop(grace));
            }
            stops.join_all().await;
        }
        self.state.remove_descriptor();
        progress.step("stopped");
    }
}

/// Writes Grafana's files and makes its server. Its admin password is made
/// once per state directory, as Grafana keeps the first in its database.
fn grafana_server(
    planned: crate::grafana_plan::PlannedGrafana,
    state: &StateDir,
) -> anyhow::Result<Server> {
    for (path, contents) in &planned.files {
        state::write_atomically(path, contents)?;
    }
    for dir in &planned.dirs {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let password = crate::grafana::admin_password(&state.grafana_admin_password())?;
    Ok(Server {
        label: "Grafana",
        spec: Spec::new("grafana", &planned.program, state.log("grafana"))
            .args(planned.args)
            .envs([("GF_SECURITY_ADMIN_PASSWORD".to_owned(), password)]),
        child: None,
        url: format!("http://{}", planned.address),
        ready_path: crate::grafana::READY_PATH,
        // Its first start migrates a fresh database.
        startup: Duration::from_secs(120),
        stop_grace: Duration::from_secs(15),
    })
}
