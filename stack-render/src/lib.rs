//! Monitoring as code, pure: one validated [`Config`] becomes a
//! [`RenderedTree`] of Prometheus, Alertmanager, Grafana and Kubernetes
//! files, so no threshold, label or service name is ever copied by hand
//! between them. Nothing here does I/O beyond [`RenderedTree::write`] and
//! [`RenderedTree::drift`].
//!
//! - [`monitoring`]: the monitoring files (rules, Alertmanager, scrape
//!   configs, Grafana), built once as [`Monitoring`];
//! - [`kubernetes`]: the manifests that deploy them, embedding those files;
//! - [`yaml`], [`promql`]: the writers both use.

pub mod kubernetes;
pub mod monitoring;
pub mod promql;
pub mod tree;
pub mod yaml;

use stack_config::Config;

pub use kubernetes::builds::ImageBuilds;
pub use monitoring::Monitoring;
pub use tree::{GENERATED_HEADER, REFRESH_COMMAND, RenderedTree, pretty_json};

/// Everything `stack render` produces, from one configuration.
pub fn render(config: &Config) -> anyhow::Result<RenderedTree> {
    render_built(config, &ImageBuilds::default())
}

/// [`render`], with the pod templates of built images stamped with their
/// builds (see [`kubernetes::builds`]).
pub fn render_built(config: &Config, builds: &ImageBuilds) -> anyhow::Result<RenderedTree> {
    config.validate()?;
    let monitoring = Monitoring::new(config);
    let mut tree = RenderedTree::default();
    monitoring.add_to(&mut tree);
    let mut manifests = kubernetes::Manifests::new(config, &monitoring);
    builds.stamp(&mut manifests, config)?;
    manifests.add_to(&mut tree);
    manifests.add_facts(config, &mut tree)?;
    Ok(tree)
}
