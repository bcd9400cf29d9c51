//! `edge-host [-f spin.toml] [--listen 127.0.0.1:3000] [--state-dir DIR]
//! [--runtime-config-file FILE]`:
//! the flags and first stdout line (`Serving http://ADDR`) of `spin up`.
//! Stops on SIGINT or SIGTERM, after running instances finish, and logs
//! what it did (see `stats`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use edge_host::Options;

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        manifest: PathBuf::from("spin.toml"),
        listen: "127.0.0.1:3000".parse().unwrap(),
        state_dir: None,
        runtime_config: None,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "-f" | "--from" => options.manifest = PathBuf::from(value()?),
            "--listen" => {
                let text = value()?;
                options.listen = text
                    .parse()
                    .map_err(|err| format!("--listen {text}: {err}"))?;
            }
            "--state-dir" => options.state_dir = Some(PathBuf::from(value()?)),
            "--runtime-config-file" => options.runtime_config = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("edge-host: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let options = parse(std::env::args().skip(1)).map_err(|err| {
        format!("{err}\nusage: edge-host [-f spin.toml] [--listen ADDR] [--state-dir DIR] [--runtime-config-file FILE]")
    })?;
    let (server, state_dir) = edge_host::prepare(&options, |name| std::env::var(name).ok())?;
    let (listener, bound) = edge_host::bind(options.listen).await?;
    eprintln!(
        "edge-host: serving {}, state in {}, instance memory reset: {}",
        options.manifest.display(),
        state_dir.display(),
        edge_host::memory_reset()
    );
    println!("Serving http://{bound}");
    let stats = edge_host::serve(server, listener, stopped(), Duration::from_secs(10)).await;
    eprintln!("edge-host: stopped: {stats}");
    Ok(())
}

async fn stopped() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
