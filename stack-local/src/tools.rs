//! Finding (or installing) the programs the local stack runs: Prometheus,
//! Alertmanager and the app itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;

use crate::progress::Progress;

/// The monitoring binaries.
#[derive(Clone, Debug)]
pub struct Tools {
    pub prometheus: PathBuf,
    pub alertmanager: PathBuf,
}

/// Debian names the Alertmanager binary after its package; upstream (and
/// the Nix dev shell) call it `alertmanager`.
const ALERTMANAGER_NAMES: [&str; 2] = ["prometheus-alertmanager", "alertmanager"];
const DEBIAN_PACKAGES: [&str; 2] = ["prometheus", "prometheus-alertmanager"];

/// The first `name` found on `PATH`.
pub fn find_in_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn find_tools() -> Option<Tools> {
    Some(Tools {
        prometheus: find_in_path(&["prometheus"])?,
        alertmanager: find_in_path(&ALERTMANAGER_NAMES)?,
    })
}

/// Prometheus and Alertmanager from `PATH`; on Debian, as root and with
/// `install`, the missing packages are installed first.
pub fn monitoring_tools(install: bool, progress: &Progress) -> anyhow::Result<Tools> {
    if let Some(tools) = find_tools() {
        return Ok(tools);
    }
    let debian = Path::new("/etc/debian_version").exists() && find_in_path(&["apt-get"]).is_some();
    let root = unsafe { libc::geteuid() } == 0;
    if !(install && debian && root) {
        anyhow::bail!(
            "prometheus and alertmanager must be on PATH: on Debian run `apt-get install {}` \
             as root (`stack up` does it itself when run as root), or enter the Nix dev shell \
             (`nix develop`), which provides both",
            DEBIAN_PACKAGES.join(" ")
        );
    }
    progress.step(format!(
        "installing {} with apt-get",
        DEBIAN_PACKAGES.join(" ")
    ));
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(DEBIAN_PACKAGES)
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    stop_package_services(progress);
    find_tools()
        .context("apt-get installed the packages, yet prometheus or alertmanager is not on PATH")
}

/// The Debian packages start system services on the ports the local stack
/// wants; we installed them only for their binaries, so those services go.
fn stop_package_services(progress: &Progress) {
    if !Path::new("/run/systemd/system").exists() {
        return;
    }
    let services = ["prometheus", "prometheus-alertmanager"];
    progress.step(format!(
        "disabling the system services the packages started ({}): the local stack runs its own",
        services.join(", ")
    ));
    let _ = Command::new("systemctl")
        .args(["disable", "--now"])
        .args(services)
        .status();
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .with_context(|| format!("running {shown}"))?;
    if !status.success() {
        anyhow::bail!("{shown} failed ({status})");
    }
    Ok(())
}

fn target_dir(repo: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target"))
}

/// Environment variable naming the `app-native` binary to run.
pub const APP_BINARY_ENV: &str = "STACK_APP_NATIVE";

/// The `app-native` binary: `explicit`, else `$STACK_APP_NATIVE`, else
/// (with `build`) freshly built in release mode from the repository, else
/// one found next to this executable.
pub fn app_binary(
    explicit: Option<&Path>,
    build: bool,
    progress: &Progress,
) -> anyhow::Result<PathBuf> {
    let chosen = explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os(APP_BINARY_ENV).map(PathBuf::from));
    if let Some(path) = chosen {
        anyhow::ensure!(
            is_executable(&path),
            "app binary {} is not an executable file",
            path.display()
        );
        return Ok(path);
    }
    if build && let Some(repo) = stack_config::repo::root() {
        progress.step("building app-native (cargo build --release -p app-native)");
        run(
            Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
                .args(["build", "--release", "--quiet", "-p", "app-native"])
                .current_dir(&repo),
        )?;
        return Ok(target_dir(&repo).join("release").join("app-native"));
    }
    // target/release/stack sits next to target/release/app-native; a test
    // binary sits one level deeper, in target/debug/deps.
    let exe = std::env::current_exe().context("locating this executable")?;
    exe.ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join("app-native"))
        .find(|candidate| is_executable(candidate))
        .with_context(|| {
            format!(
                "no app-native binary: build it with `cargo build --release -p app-native`, \
                 or name it with --app-binary or ${APP_BINARY_ENV}"
            )
        })
}

/// The edge variant as the local stack runs it: the Spin component on the
/// repository's WASI-HTTP test host (`app-spin/host/serve.mjs`, Node).
#[derive(Clone, Debug)]
pub struct EdgeHost {
    pub node: PathBuf,
    pub serve_script: PathBuf,
    pub component: PathBuf,
}

/// Environment variable naming the edge component (`app_spin.wasm`).
pub const EDGE_COMPONENT_ENV: &str = "APP_SPIN_COMPONENT";

/// The edge host, or why it cannot run here (not built, no Node).
pub fn edge_host() -> Result<EdgeHost, String> {
    let repo = stack_config::repo::root().ok_or("the repository is not here")?;
    let host = repo.join("app-spin").join("host");
    let serve_script = host.join("serve.mjs");
    if !serve_script.is_file() || !host.join("node_modules").is_dir() {
        return Err("its host is not set up (scripts/build-spin.sh)".into());
    }
    let component = std::env::var_os(EDGE_COMPONENT_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("app-spin").join("app_spin.wasm"));
    if !component.is_file() {
        return Err(format!(
            "{} is not built (scripts/build-spin.sh)",
            component.display()
        ));
    }
    let node = find_in_path(&["node"]).ok_or("node is not on PATH")?;
    Ok(EdgeHost {
        node,
        serve_script,
        component,
    })
}
