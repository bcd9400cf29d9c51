//! Kubernetes manifests (kustomize base, overlays, operator resources).
//!
//! STUB owned by the Kubernetes engineer, who replaces this file (and adds
//! sibling modules under `stack/src/k8s/`). Contract: add every file under
//! `k8s/` to `tree` with paths relative to the repository root; take the
//! monitoring file contents for ConfigMaps from `monitoring` (never re-render
//! them), and names/ports from `config` and `crate::monitoring` constants.

use crate::config::Config;
use crate::monitoring::Monitoring;
use crate::render::RenderedTree;

pub fn render(
    config: &Config,
    monitoring: &Monitoring,
    tree: &mut RenderedTree,
) -> anyhow::Result<()> {
    let _ = (config, monitoring, tree);
    Ok(())
}
