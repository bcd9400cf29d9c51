//! The `edge-host` binary on manifests and components that are wrong in one
//! way each: it refuses to start and names the file and the thing, or, for
//! a component that traps, answers 500 naming the request and goes on.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const MANIFEST: &str = r#"spin_manifest_version = 2

[application]
name = "bad-input"

[[trigger.http]]
route = "/..."
component = "app"

[component.app]
source = "app.wasm"
key_value_stores = ["default"]
"#;

/// A component whose handler is `unreachable`: every request traps.
const TRAPPING: &str = r#"(component
  (import "wasi:http/types@0.2.0" (instance $types
    (export "incoming-request" (type (sub resource)))
    (export "response-outparam" (type (sub resource)))))
  (alias export $types "incoming-request" (type $request))
  (alias export $types "response-outparam" (type $out))
  (core module $m (func (export "handle") (param i32 i32) unreachable))
  (core instance $i (instantiate $m))
  (func $handle (param "request" (own $request)) (param "response-out" (own $out))
    (canon lift (core func $i "handle")))
  (instance $handler (export "handle" (func $handle)))
  (export "wasi:http/incoming-handler@0.2.0" (instance $handler)))"#;

/// A fresh directory holding `spin.toml` and, if given, `app.wasm`.
fn app(name: &str, manifest: &str, component: Option<&[u8]>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edge-host-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("spin.toml"), manifest).unwrap();
    if let Some(bytes) = component {
        std::fs::write(dir.join("app.wasm"), bytes).unwrap();
    }
    dir
}

fn host(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_edge-host"));
    command
        .arg("-f")
        .arg(dir.join("spin.toml"))
        .args(["--listen", "127.0.0.1:0"]);
    command
}

/// Runs the host to its (failed) end and returns what it said.
fn refusal(dir: &Path) -> String {
    let output = host(dir).output().unwrap();
    assert!(!output.status.success(), "started anyway");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn a_missing_component_is_named() {
    let dir = app("missing", MANIFEST, None);
    let said = refusal(&dir);
    let file = dir.join("app.wasm");
    assert!(
        said.contains(&format!("component {}: no such file", file.display())),
        "{said}"
    );
}

#[test]
fn an_invalid_component_is_named() {
    let dir = app("invalid", MANIFEST, Some(b"\0asm but not really"));
    let said = refusal(&dir);
    assert!(
        said.contains(&format!("component {}:", dir.join("app.wasm").display())),
        "{said}"
    );
}

#[test]
fn a_store_the_host_does_not_provide_is_named() {
    let manifest = MANIFEST.replace(r#"["default"]"#, r#"["default", "cache"]"#);
    let dir = app("store", &manifest, Some(&wat::parse_str(TRAPPING).unwrap()));
    let said = refusal(&dir);
    assert!(
        said.contains(&dir.join("spin.toml").display().to_string()),
        "{said}"
    );
    assert!(said.contains(r#"key-value store "cache""#), "{said}");
}

#[test]
fn a_runtime_config_the_host_cannot_honour_is_named() {
    let dir = app(
        "runtime-config",
        MANIFEST,
        Some(&wat::parse_str(TRAPPING).unwrap()),
    );
    let config = dir.join("runtime-config.toml");
    std::fs::write(&config, "[key_value_store.default]\ntype = \"redis\"\n").unwrap();
    let output = host(&dir)
        .arg("--runtime-config-file")
        .arg(&config)
        .output()
        .unwrap();
    assert!(!output.status.success(), "started anyway");
    let said = String::from_utf8(output.stderr).unwrap();
    assert!(
        said.contains(&format!("runtime config {}:", config.display())),
        "{said}"
    );
    assert!(said.contains(r#"type = "redis""#), "{said}");
}

#[test]
fn a_trap_answers_500_and_the_host_goes_on() {
    let dir = app("trap", MANIFEST, Some(&wat::parse_str(TRAPPING).unwrap()));
    let mut child = host(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("Serving http://")
        .unwrap_or_else(|| panic!("{line:?}"));
    for path in ["/boom", "/again"] {
        let mut stream = TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 500 "), "{path}: {response}");
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut said = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut said)
        .unwrap();
    assert!(child.wait().unwrap().success(), "{said}");
    for path in ["/boom", "/again"] {
        assert!(
            said.contains(&format!("GET {path}: component failed")),
            "{said}"
        );
    }
    assert!(said.contains("requests=2 instances=2 traps=2"), "{said}");
}
