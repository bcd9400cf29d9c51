//! The edge instance of the local stack: the Spin component under `spin up`
//! when a Spin CLI is on PATH, else under the repository's wasmtime host
//! (`edge-host`), which serves it the way `spin up` does. Both take the same
//! flags and read the same `app-spin/spin.toml` and `runtime-config.toml`.

use std::path::PathBuf;

use crate::tools::find_in_path;

/// Names the edge-host binary, overriding the search below.
pub const EDGE_HOST_ENV: &str = "EDGE_HOST_BIN";

/// What runs the component, and how to call it.
#[derive(Clone, Debug)]
pub struct EdgeHost {
    pub program: PathBuf,
    /// Arguments before the shared flags (`up` for the Spin CLI).
    pub subcommand: Vec<String>,
    pub manifest: PathBuf,
    /// `app-spin/runtime-config.toml`: the component's store in memory, as
    /// in the image, so an increment costs no fsync'd commit.
    pub runtime_config: PathBuf,
    pub component: PathBuf,
}

impl EdgeHost {
    /// The command line serving on `listen` with its stores in `state_dir`.
    pub fn args(&self, listen: &str, state_dir: &str) -> Vec<String> {
        let shared = [
            "-f",
            &self.manifest.display().to_string(),
            "--listen",
            listen,
            "--state-dir",
            state_dir,
            "--runtime-config-file",
            &self.runtime_config.display().to_string(),
        ]
        .map(String::from);
        self.subcommand.iter().cloned().chain(shared).collect()
    }

    /// Spin's environment provider and edge-host both read variables from
    /// `SPIN_VARIABLE_*`; the local stack serves the demo fault routes.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![("SPIN_VARIABLE_DEMO_FAULTS".into(), "true".into())]
    }
}

/// The edge host, or why the edge cannot run here (component not built, no
/// host found).
pub fn edge_host() -> Result<EdgeHost, String> {
    let repo = stack_config::repo::root().ok_or("the repository is not here")?;
    let manifest = repo.join("app-spin").join("spin.toml");
    let component = repo.join("app-spin").join("app_spin.wasm");
    let runtime_config = repo.join("app-spin").join("runtime-config.toml");
    if !component.is_file() {
        return Err(format!(
            "{} is not built (scripts/build-spin.sh)",
            component.display()
        ));
    }
    if let Some(spin) = find_in_path(&["spin"]) {
        return Ok(EdgeHost {
            program: spin,
            subcommand: vec!["up".into()],
            manifest,
            runtime_config,
            component,
        });
    }
    let beside_us = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("edge-host")));
    let built =
        ["release", "debug"].map(|profile| repo.join("target").join(profile).join("edge-host"));
    let program = std::env::var_os(EDGE_HOST_ENV)
        .map(PathBuf::from)
        .into_iter()
        .chain(beside_us)
        .chain(built)
        .find(|path| path.is_file())
        .ok_or("neither spin nor edge-host is found (cargo build --release -p edge-host)")?;
    Ok(EdgeHost {
        program,
        subcommand: Vec::new(),
        manifest,
        runtime_config,
        component,
    })
}
