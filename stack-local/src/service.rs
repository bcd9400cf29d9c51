//! A server child of the stack (Prometheus, Alertmanager, Grafana): started,
//! awaited until its readiness URL answers, stopped gracefully.

use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::child::{Child, Spec};
use crate::http::HttpClient;
use crate::progress::Progress;

/// Prometheus, Alertmanager or Grafana: how to run it, the running
/// process, and how long it may take to become ready and to stop.
#[derive(Debug)]
pub struct Server {
    /// As shown in progress and errors, e.g. `Prometheus`.
    pub label: &'static str,
    pub spec: Spec,
    pub child: Option<Child>,
    /// Base URL.
    pub url: String,
    /// Answers 200 under [`Server::url`] once it serves.
    pub ready_path: &'static str,
    pub startup: Duration,
    pub stop_grace: Duration,
}

impl Server {
    /// Starts it and waits until it is ready.
    pub async fn start(&mut self, client: &HttpClient, progress: &Progress) -> anyhow::Result<()> {
        anyhow::ensure!(self.child.is_none(), "{} is already running", self.label);
        progress.step(format!("starting {} on {}", self.label, self.url));
        let mut child = self.spec.spawn()?;
        let url = format!("{}{}", self.url, self.ready_path);
        let ready = wait_ready(&mut child, &url, client, self.startup).await;
        self.child = Some(child);
        ready
    }

    /// Stops it gracefully; an error if it had to be killed.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        let child = self
            .child
            .take()
            .with_context(|| format!("{} is not running", self.label))?;
        let (_, graceful) = child.stop(self.stop_grace).await;
        anyhow::ensure!(
            graceful,
            "{} did not stop within {} s and was killed",
            self.label,
            self.stop_grace.as_secs()
        );
        Ok(())
    }
}

/// A readiness URL answering 200 means the part is up.
pub async fn wait_ready(
    child: &mut Child,
    url: &str,
    client: &HttpClient,
    timeout: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_exit() {
            anyhow::bail!(
                "{} exited during startup ({status}); the end of {}:\n{}",
                child.name(),
                child.log().display(),
                child.log_tail(15)
            );
        }
        if let Ok(reply) = client.get(url).await
            && reply.status.is_success()
        {
            return Ok(());
        }
        if Instant::now() >= deadline {
            anyhow::bail!(
                "{} did not become ready at {url} within {timeout:?}; the end of {}:\n{}",
                child.name(),
                child.log().display(),
                child.log_tail(15)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
