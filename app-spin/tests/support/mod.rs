//! Runs the built component on the test host (`host/serve.mjs`: jco +
//! preview2-shim on Node, a fresh instance per request, Spin's key-value
//! semantics); tests talk plain HTTP/1.1 to it with `test_support::Client`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use app_core::ExpositionFormat;
use app_core::testing::Parsed;
use test_support::{Client, SpawnedNative, spawn_native};

/// The component `spin.toml`'s `source` names (relative to the manifest, as
/// Spin resolves it), unless `APP_SPIN_COMPONENT` points elsewhere.
fn component_path() -> PathBuf {
    let path = std::env::var_os("APP_SPIN_COMPONENT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let source = Manifest::load().component()["source"]
                .as_str()
                .unwrap()
                .to_owned();
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(source)
        });
    assert!(
        path.exists(),
        "{} missing: build it with scripts/build-spin.sh",
        path.display()
    );
    path
}

pub struct Host {
    pub http: SocketAddr,
    pub admin: SocketAddr,
    child: Child,
}

/// What `spin.toml` tells a Spin runtime: the store labels the component may
/// open, the variables it can read (with their defaults), where its wasm is.
pub struct Manifest {
    pub toml: toml::Table,
}

impl Manifest {
    pub fn load() -> Manifest {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("spin.toml");
        let text = std::fs::read_to_string(&path).expect("spin.toml");
        Manifest {
            toml: text.parse().expect("spin.toml is TOML"),
        }
    }

    pub fn component(&self) -> &toml::Table {
        let trigger = &self.toml["trigger"]["http"][0];
        let id = trigger["component"].as_str().unwrap();
        self.toml["component"][id].as_table().unwrap()
    }

    pub fn key_value_stores(&self) -> Vec<String> {
        self.component()["key_value_stores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    /// Application variable defaults, as `spin up` resolves them when no
    /// `SPIN_VARIABLE_*` overrides are set.
    pub fn variable_defaults(&self) -> Vec<(String, String)> {
        self.toml["variables"]
            .as_table()
            .unwrap()
            .iter()
            .map(|(name, def)| (name.clone(), def["default"].as_str().unwrap().to_owned()))
            .collect()
    }
}

impl Host {
    /// Serves the component configured as `spin.toml` says, with demo faults
    /// switched on, as the shared case table expects.
    pub fn start() -> Host {
        Host::start_with_variables(&[("demo_faults", "true")])
    }

    /// Serves the component with `spin.toml`'s stores and variable defaults,
    /// `overrides` applied on top (as `SPIN_VARIABLE_*` would be).
    pub fn start_with_variables(overrides: &[(&str, &str)]) -> Host {
        let manifest = Manifest::load();
        let mut args = Vec::new();
        for store in manifest.key_value_stores() {
            args.extend(["--store".to_owned(), store]);
        }
        for (name, default) in manifest.variable_defaults() {
            let value = overrides
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(default, |(_, v)| (*v).to_owned());
            args.extend(["--variable".to_owned(), format!("{name}={value}")]);
        }
        Host::spawn(&args)
    }

    fn spawn(args: &[String]) -> Host {
        let host_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("host");
        let mut child = Command::new("node")
            .arg(host_dir.join("serve.mjs"))
            .arg("--component")
            .arg(component_path())
            .args(args)
            .current_dir(&host_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node starts (is Node.js installed?)");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            // Keep draining so the host never blocks on a full pipe.
            for _ in lines {}
        });
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("host printed its addresses");
        let field = |name: &str| -> SocketAddr {
            line.split_whitespace()
                .find_map(|part| part.strip_prefix(name))
                .and_then(|addr| addr.parse().ok())
                .unwrap_or_else(|| panic!("no {name} in {line:?}"))
        };
        Host {
            http: field("http="),
            admin: field("admin="),
            child,
        }
    }

    pub fn client(&self) -> Client {
        connect(self.http)
    }

    pub fn scrape(&self, format: ExpositionFormat) -> Parsed {
        self.client().scrape(format)
    }

    /// The store as another writer sees it: key -> raw value bytes.
    pub fn raw_store(&self) -> Vec<(String, Vec<u8>)> {
        let response = connect(self.admin).send("GET", "/kv", &[], b"");
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&response.body).unwrap();
        map.into_iter()
            .map(|(key, hex)| (key, decode_hex(hex.as_str().unwrap())))
            .collect()
    }

    /// A plain `set` from outside the component.
    pub fn put_raw(&self, key: &str, value: &[u8]) {
        let target = format!("/kv/{}", percent_encode(key));
        let response = connect(self.admin).send("PUT", &target, &[], value);
        assert_eq!(response.status, 200);
    }

    pub fn set_offline(&self, offline: bool) {
        let response =
            connect(self.admin).send("POST", &format!("/offline?on={offline}"), &[], b"");
        assert_eq!(response.status, 200);
    }

    /// Instances created and store operations called, as the host counted them.
    pub fn stats(&self) -> serde_json::Value {
        let response = connect(self.admin).send("GET", "/stats", &[], b"");
        serde_json::from_slice(&response.body).unwrap()
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The native binary, started to compare its exposition with the edge one.
pub struct Native(SpawnedNative);

impl Native {
    pub fn start(binary: &std::path::Path) -> Native {
        Native(spawn_native(binary, &[]))
    }

    pub fn client(&self) -> Client {
        connect(self.0.addr)
    }

    pub fn scrape(&self, format: ExpositionFormat) -> Parsed {
        self.client().scrape(format)
    }
}

impl Drop for Native {
    fn drop(&mut self) {
        let _ = self.0.child.kill();
        let _ = self.0.child.wait();
    }
}

fn decode_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The host's WASI-HTTP listener may not accept yet when its address is
/// printed, and a fresh instance per request is slow on a busy machine:
/// retry the connect, wait longer for answers.
pub fn connect(addr: SocketAddr) -> Client {
    Client::connect_within(addr, Duration::from_secs(10), Duration::from_secs(60))
}
