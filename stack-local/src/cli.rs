//! `stack up` and `stack load`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use http::Method;
use tokio::signal::unix::{SignalKind, signal};

use crate::edge::edge_host;
use crate::grafana;
use crate::http::HttpClient;
use crate::options::Options;
use crate::progress::Progress;
use crate::stack::Stack;
use crate::state::StateDir;
use crate::traffic::{Scenario, TrafficOptions};
use alert_receiver::Receiver;
use stack_config::Endpoint;
use stack_config::PromDuration;
use stack_config::config::Config;
use stack_config::endpoint::Address;
use stack_config::repo::resolve_default;

#[derive(clap::Args, Debug)]
pub struct UpArgs {
    /// Configuration file, the one `stack render` reads (defaults apply to
    /// every key it leaves out; `[local]` holds the local stack's ports).
    #[arg(long, default_value = "stack.toml")]
    pub config: PathBuf,
    /// Where data, logs and the rendered configuration go.
    #[arg(long, default_value = ".state")]
    pub state_dir: PathBuf,
    /// Empty the state directory first (TSDB, silences, receiver log)
    /// instead of reusing what an earlier run left.
    #[arg(long)]
    pub fresh: bool,
    /// Overrides the port of `local.prometheus_address`.
    #[arg(long)]
    pub prometheus_port: Option<u16>,
    /// Overrides the port of `local.alertmanager_address`.
    #[arg(long)]
    pub alertmanager_port: Option<u16>,
    /// Overrides the port of `local.grafana_address`.
    #[arg(long)]
    pub grafana_port: Option<u16>,
    /// Leave Grafana out even when it is installed.
    #[arg(long)]
    pub no_grafana: bool,
    /// Overrides the port of `local.webhook_url` (receiver and control).
    #[arg(long)]
    pub receiver_port: Option<u16>,
    /// Overrides `local.app_ports`: one instance per port, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub app_ports: Option<Vec<u16>>,
    /// Requests per second of generated traffic.
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
    /// Seconds a stopping instance keeps accepting with /readyz at 503.
    #[arg(long, default_value_t = 2)]
    pub shutdown_delay: u64,
    /// The app-native binary to run (default: $STACK_APP_NATIVE, else build
    /// it from this repository).
    #[arg(long)]
    pub app_binary: Option<PathBuf>,
    /// Do not build app-native; use the binary next to this one.
    #[arg(long)]
    pub no_build: bool,
    /// Never install missing packages; fail instead.
    #[arg(long)]
    pub no_install: bool,
    /// Leave the edge variant out even when it is built.
    #[arg(long)]
    pub no_edge: bool,
    /// Port of the edge instance (default: the last app port + 1).
    #[arg(long)]
    pub edge_port: Option<u16>,
}

#[derive(clap::Args, Debug)]
pub struct LoadArgs {
    /// normal, errors (5xx well above the threshold) or slow (p95 above it).
    pub scenario: Scenario,
    /// The state directory of the running stack.
    #[arg(long, default_value = ".state")]
    pub state_dir: PathBuf,
    /// Configuration file, for the thresholds and durations it prints.
    #[arg(long, default_value = "stack.toml")]
    pub config: PathBuf,
}

/// The same address on `port` (a malformed one is left for validation to name).
fn with_port(address: &str, port: u16) -> String {
    Address::parse(address).map_or_else(|_| address.to_owned(), |a| a.with_port(port))
}

/// Only the port changes; an empty path stays empty.
fn webhook_with_port(url: &str, port: u16) -> String {
    Endpoint::parse(url).map_or_else(|_| url.to_owned(), |url| url.with_port(port))
}

fn load_config(path: &Path) -> anyhow::Result<Config> {
    let path = resolve_default(path, "stack.toml");
    if path.exists() {
        Config::load(&path)
    } else {
        anyhow::bail!("configuration file {} not found", path.display())
    }
}

fn options(args: &UpArgs) -> anyhow::Result<Options> {
    let mut config = load_config(&args.config)?;
    if let Some(port) = args.prometheus_port {
        config.local.prometheus_address = with_port(&config.local.prometheus_address, port);
    }
    if let Some(port) = args.alertmanager_port {
        config.local.alertmanager_address = with_port(&config.local.alertmanager_address, port);
    }
    if let Some(port) = args.grafana_port {
        config.local.grafana_address = with_port(&config.local.grafana_address, port);
    }
    if let Some(port) = args.receiver_port {
        config.local.webhook_url = webhook_with_port(&config.local.webhook_url, port);
    }
    if let Some(ports) = &args.app_ports {
        config.local.app_ports = ports.clone();
    }
    config.validate()?;
    anyhow::ensure!(
        args.rate > 0.0 && args.rate <= 10_000.0,
        "--rate {} is out of range: above 0, at most 10000",
        args.rate
    );
    let mut options = Options::new(config, resolve_default(&args.state_dir, ".state"));
    options.progress = Progress::new(true);
    options.fresh = args.fresh;
    options.app_binary = args.app_binary.clone();
    options.build = !args.no_build;
    options.install = !args.no_install;
    options.shutdown_delay = Duration::from_secs(args.shutdown_delay);
    if !args.no_edge {
        match edge_host() {
            Ok(edge) => options.edge = Some(edge),
            Err(why) => options
                .progress
                .step(format!("edge variant left out: {why}")),
        }
    }
    options.edge_port = args.edge_port;
    if !args.no_grafana {
        match grafana::find() {
            Ok(binary) => options.grafana = Some(binary),
            Err(why) => options.progress.step(format!("Grafana left out: {why}")),
        }
    }
    options.traffic = TrafficOptions {
        requests_per_second: args.rate,
        ..TrafficOptions::default()
    };
    Ok(options)
}

fn banner(stack: &Stack) -> String {
    let urls = stack.urls();
    let instances: Vec<String> = stack
        .instances()
        .iter()
        .map(|i| format!("{} ({})", i.base_url(), i.variant.as_str()))
        .collect();
    format!(
        "\nThe local stack is up.\n\
         \x20 alerts        {prom}/classic/alerts\n\
         \x20 targets       {prom}/classic/targets\n\
         \x20 Prometheus    {prom}/graph\n\
         \x20 Alertmanager  {am}\n\
         {grafana}\
         \x20 receiver log  {webhook}   (file: {log})\n\
         \x20 instances     {instances}\n\
         \x20 traffic       {rate} req/s, scenario `normal`; try `stack load errors`, `stack load slow`, `stack load normal`\n\
         \x20 state         {state}\n\
         Ctrl-C stops everything.\n",
        prom = urls.prometheus,
        am = urls.alertmanager,
        grafana = urls
            .grafana
            .as_ref()
            .map_or_else(String::new, |url| format!(
                "  Grafana       {url}   (anonymous viewer; admin password in {})\n",
                stack.state().grafana_admin_password().display()
            )),
        webhook = urls.webhook,
        log = stack.state().receiver_log().display(),
        instances = instances.join(", "),
        rate = stack.options().traffic.requests_per_second,
        state = stack.state().root().display(),
    )
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    // One thread: child processes die with the thread that spawned them
    // (PR_SET_PDEATHSIG), and this one lives as long as the stack.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// `stack up`: runs the stack in the foreground until Ctrl-C or SIGTERM.
pub fn up(args: UpArgs) -> anyhow::Result<ExitCode> {
    let options = options(&args)?;
    runtime()?.block_on(async move {
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let progress = options.progress.clone();
        // Ctrl-C during startup stops what has started (dropped children
        // are killed), instead of leaving a half-started stack.
        let mut stack = tokio::select! {
            stack = Stack::start(options) => stack?,
            _ = interrupt.recv() => anyhow::bail!("interrupted during startup"),
            _ = terminate.recv() => anyhow::bail!("terminated during startup"),
        };
        eprintln!("{}", banner(&stack));
        let mut seen = 0;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = interrupt.recv() => break,
                _ = terminate.recv() => break,
                _ = tick.tick() => {
                    let deliveries = stack.receiver().deliveries();
                    for delivery in &deliveries[seen..] {
                        progress.step(format!("notification {}", Receiver::summary(delivery)));
                    }
                    seen = deliveries.len();
                    for death in stack.reap_unexpected_exits() {
                        progress.step(format!("warning: {death}"));
                    }
                }
            }
        }
        progress.step("stopping (Ctrl-C again to kill everything at once)");
        let stopping = std::time::Instant::now();
        let shutdown = stack.shutdown();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => return Ok(ExitCode::SUCCESS),
                _ = interrupt.recv() => {
                    // The same Ctrl-C can arrive twice (sent to us and to
                    // our process group, as `timeout` does): only a later
                    // one means "now". Leaving kills the children:
                    // kill-on-drop, and their parent-death signal.
                    if stopping.elapsed() > Duration::from_secs(1) {
                        return Ok(ExitCode::from(130));
                    }
                }
            }
        }
    })
}

/// `stack load SCENARIO`: switches the running stack's traffic.
pub fn load(args: LoadArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(&args.config)?;
    let state = StateDir::new(resolve_default(&args.state_dir, ".state"));
    let descriptor = state.running().with_context(|| {
        format!(
            "no stack is running from {}: start one with `scripts/up.sh` (or `stack up`)",
            state.root().display()
        )
    })?;
    let reply = runtime()?.block_on(async {
        let client = HttpClient::new(Duration::from_secs(5));
        let url = format!("{}/scenario", descriptor.control_url);
        client
            .send(
                Method::PUT,
                &url,
                Some((
                    "text/plain",
                    args.scenario.as_str().as_bytes().to_vec().into(),
                )),
            )
            .await
    })?;
    anyhow::ensure!(
        reply.status.is_success(),
        "the stack refused: {}",
        reply.text().trim()
    );
    println!("traffic scenario now {}", reply.text().trim());
    let a = &config.alerts;
    // The ratio crosses its threshold within the window, then must hold for
    // `for`: their sum bounds the wait.
    let within = |for_: PromDuration| {
        PromDuration::from_millis(a.rate_window.as_millis() + for_.as_millis())
    };
    let expect = match args.scenario {
        Scenario::Errors => format!(
            "HighErrorRate fires once the {}-window 5xx ratio has stayed above {} for {} \
             (within about {})",
            a.rate_window,
            a.error_ratio,
            a.error_for,
            within(a.error_for)
        ),
        Scenario::Slow => format!(
            "HighLatency fires once the {}-window p95 has stayed above {} s for {} (within about {})",
            a.rate_window,
            a.latency_p95_seconds,
            a.latency_for,
            within(a.latency_for)
        ),
        Scenario::Normal => format!(
            "firing HighErrorRate or HighLatency resolve once the {} window holds only normal \
             traffic (within about {})",
            a.rate_window,
            within(PromDuration::default())
        ),
    };
    println!("{expect}");
    println!(
        "watch {}/classic/alerts; notifications: {}",
        descriptor.prometheus_url, descriptor.receiver_log_url
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_flags_replace_only_the_port() {
        assert_eq!(with_port("127.0.0.1:9090", 19090), "127.0.0.1:19090");
        assert_eq!(
            webhook_with_port("http://127.0.0.1:9095/alerts", 19095),
            "http://127.0.0.1:19095/alerts"
        );
        assert_eq!(
            webhook_with_port("http://localhost:9095", 1),
            "http://localhost:1"
        );
        // The old splitter cut `[::1]` at its first colon.
        assert_eq!(with_port("[::1]:9090", 1), "[::1]:1");
        assert_eq!(
            webhook_with_port("http://[::1]/alerts", 9096),
            "http://[::1]:9096/alerts"
        );
    }
}
