//! `stack`: renders the monitoring stack and Kubernetes manifests from one
//! configuration (stack-render), and runs the local stack (stack-local).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use stack_config::config::{Config, Image};
use stack_config::repo;
use stack_render::kubernetes::policy::manifests::violations;
use stack_render::kubernetes::policy::pods::pod_spec;
use stack_render::{ImageBuilds, REFRESH_COMMAND};

#[derive(Parser, Debug)]
#[command(name = "stack", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Render Prometheus, Alertmanager, Grafana and Kubernetes files.
    Render(RenderArgs),
    /// Run the local stack (app instances, Prometheus, Alertmanager, webhook
    /// receiver, traffic) in the foreground; Ctrl-C stops it.
    Up(stack_local::UpArgs),
    /// Switch the running local stack's traffic: normal, errors or slow.
    Load(stack_local::LoadArgs),
    /// Check built manifests (`kubectl kustomize` output, one overlay per
    /// file) against the project's rules beyond Pod Security admission.
    Policy {
        /// Multi-document YAML files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(clap::Args, Debug)]
struct RenderArgs {
    /// Configuration file (defaults apply to every key it leaves out).
    #[arg(long, default_value = "stack.toml")]
    config: PathBuf,
    /// Directory the rendered tree is written to.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Native image reference (REPOSITORY:TAG), overriding the configuration.
    #[arg(long, value_name = "REF")]
    image_native: Option<String>,
    /// Edge (Spin) image reference (REPOSITORY:TAG), overriding the configuration.
    #[arg(long, value_name = "REF")]
    image_spin: Option<String>,
    /// Image reference (REPOSITORY:TAG) of the `alert-receiver` binary the in-cluster
    /// webhook receiver runs, overriding the configuration.
    #[arg(long, value_name = "REF")]
    image_receiver: Option<String>,
    /// Build of the native image (Nix: its store hash), stamped on the pod
    /// template that runs it so a rebuilt image rolls out.
    #[arg(long, value_name = "ID")]
    image_native_build_id: Option<String>,
    /// Build of the Spin image, stamped like --image-native-build-id.
    #[arg(long, value_name = "ID")]
    image_spin_build_id: Option<String>,
    /// Build of the receiver image, stamped like --image-native-build-id.
    #[arg(long, value_name = "ID")]
    image_receiver_build_id: Option<String>,
    /// Write nothing; fail if any file on disk differs from the rendering.
    #[arg(long)]
    check: bool,
}

fn render_command(args: RenderArgs) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(&repo::resolve_default(&args.config, "stack.toml"))?;
    if let Some(reference) = &args.image_native {
        config.images.native =
            Image::parse(reference).map_err(|e| anyhow::anyhow!("--image-native: {e}"))?;
    }
    if let Some(reference) = &args.image_spin {
        config.images.spin =
            Image::parse(reference).map_err(|e| anyhow::anyhow!("--image-spin: {e}"))?;
    }
    if let Some(reference) = &args.image_receiver {
        config.images.receiver =
            Image::parse(reference).map_err(|e| anyhow::anyhow!("--image-receiver: {e}"))?;
    }
    let builds = ImageBuilds {
        native: args.image_native_build_id,
        spin: args.image_spin_build_id,
        receiver: args.image_receiver_build_id,
    };
    let tree = stack_render::render_built(&config, &builds)?;
    // Defaults are relative to the repository, wherever `cargo run` is invoked.
    let out = if args.out.as_os_str() == "." {
        repo::root().unwrap_or_else(|| args.out.clone())
    } else {
        args.out.clone()
    };
    if args.check {
        let drifted = tree.drift(&out);
        let stale = tree.stale(&out);
        if drifted.is_empty() && stale.is_empty() {
            println!(
                "{} rendered files up to date in {}",
                tree.len(),
                out.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        if !drifted.is_empty() {
            eprintln!("rendered output differs from the files on disk:");
            for path in &drifted {
                eprintln!("  {}", path.display());
            }
            eprintln!("run `{REFRESH_COMMAND}` to refresh them, then commit the result");
        }
        if !stale.is_empty() {
            eprintln!("files the renderer no longer writes (delete them):");
            for path in &stale {
                eprintln!("  {}", path.display());
            }
        }
        return Ok(ExitCode::FAILURE);
    }
    tree.write(&out)?;
    println!("rendered {} files into {}", tree.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

/// Prints every violation, each with its file; fails if there is one, or
/// if no file holds a pod (nothing would have been checked).
fn policy_command(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    use serde::Deserialize;
    let (mut pods, mut found) = (0, 0);
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        let objects = serde_yaml::Deserializer::from_str(&text)
            .map(serde_json::Value::deserialize)
            .filter(|o| !matches!(o, Ok(serde_json::Value::Null)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        pods += objects.iter().filter(|o| pod_spec(o).is_some()).count();
        for violation in violations(&objects) {
            eprintln!("policy: {}: {violation}", file.display());
            found += 1;
        }
    }
    if pods == 0 {
        anyhow::bail!("no pod specs in {files:?}: nothing was checked");
    }
    println!(
        "policy: {pods} pod specs in {} files, {found} violations",
        files.len()
    );
    Ok(if found == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Render(args) => render_command(args),
        Command::Up(args) => stack_local::up(args),
        Command::Load(args) => stack_local::load(args),
        Command::Policy { files } => policy_command(&files),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
