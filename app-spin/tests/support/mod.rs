//! Runs the built component on the test host (`host/serve.mjs`: jco +
//! preview2-shim on Node, a fresh instance per request, Spin's key-value
//! semantics) and talks plain HTTP/1.1 to it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use app_core::ExpositionFormat;
use app_core::testing::{Parsed, parse};

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
        Client::connect(self.http)
    }

    pub fn scrape(&self, format: ExpositionFormat) -> Parsed {
        let response = self.client().send("GET", "/metrics", &[accept(format)]);
        assert_eq!(response.status, 200, "{}", response.text());
        parse(&response.text(), format).unwrap_or_else(|e| panic!("{e}\n{}", response.text()))
    }

    /// The store as another writer sees it: key -> raw value bytes.
    pub fn raw_store(&self) -> Vec<(String, Vec<u8>)> {
        let response = Client::connect(self.admin).send("GET", "/kv", &[]);
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&response.body).unwrap();
        map.into_iter()
            .map(|(key, hex)| (key, decode_hex(hex.as_str().unwrap())))
            .collect()
    }

    /// A plain `set` from outside the component.
    pub fn put_raw(&self, key: &str, value: &[u8]) {
        let target = format!("/kv/{}", percent_encode(key));
        let response = Client::connect(self.admin).send_body("PUT", &target, &[], value);
        assert_eq!(response.status, 200);
    }

    pub fn set_offline(&self, offline: bool) {
        let response =
            Client::connect(self.admin).send("POST", &format!("/offline?on={offline}"), &[]);
        assert_eq!(response.status, 200);
    }

    /// Instances created and store operations called, as the host counted them.
    pub fn stats(&self) -> serde_json::Value {
        let response = Client::connect(self.admin).send("GET", "/stats", &[]);
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
pub struct Native {
    pub addr: SocketAddr,
    child: Child,
}

impl Native {
    pub fn start(binary: &std::path::Path) -> Native {
        let mut child = Command::new(binary)
            .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{} starts: {e}", binary.display()));
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("app-native logged its listen address")
                .unwrap();
            let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            // Flattened or nested under "fields", depending on the formatter.
            let fields = if event["fields"].is_object() {
                &event["fields"]
            } else {
                &event
            };
            if fields["message"] == "serving" {
                break fields["listen"].as_str().unwrap().parse().unwrap();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Native { addr, child }
    }

    pub fn client(&self) -> Client {
        Client::connect(self.addr)
    }

    pub fn scrape(&self, format: ExpositionFormat) -> Parsed {
        let response = self.client().send("GET", "/metrics", &[accept(format)]);
        assert_eq!(response.status, 200);
        parse(&response.text(), format).unwrap_or_else(|e| panic!("{e}\n{}", response.text()))
    }
}

impl Drop for Native {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn accept(format: ExpositionFormat) -> (&'static str, &'static str) {
    match format {
        ExpositionFormat::OpenMetrics => ("accept", "application/openmetrics-text; version=1.0.0"),
        ExpositionFormat::Prometheus => ("accept", "text/plain"),
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

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One keep-alive HTTP/1.1 connection; understands both framings the host
/// may answer with (`content-length` and chunked).
pub struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Client {
        let deadline = Instant::now() + Duration::from_secs(10);
        let stream = loop {
            match TcpStream::connect(addr) {
                Ok(stream) => break stream,
                Err(err) if Instant::now() > deadline => panic!("connect {addr}: {err}"),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        Client {
            reader: BufReader::new(stream),
        }
    }

    pub fn send(&mut self, method: &str, target: &str, headers: &[(&str, &str)]) -> Response {
        self.send_body(method, target, headers, b"")
    }

    pub fn send_body(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        let mut head = format!("{method} {target} HTTP/1.1\r\nhost: edge.test\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
        let stream = self.reader.get_mut();
        stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(body))
            .unwrap_or_else(|e| panic!("{method} {target}: {e}"));
        self.read_response(method == "HEAD")
            .unwrap_or_else(|e| panic!("{method} {target}: {e}"))
    }

    fn read_response(&mut self, head_only: bool) -> std::io::Result<Response> {
        let status_line = self.line()?;
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {status_line:?}")))?;
        let mut headers = Vec::new();
        loop {
            let line = self.line()?;
            if line.is_empty() {
                break;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| std::io::Error::other(format!("bad header {line:?}")))?;
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let mut response = Response {
            status,
            headers,
            body: Vec::new(),
        };
        if head_only {
            return Ok(response);
        }
        let chunked = response
            .header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        if chunked {
            loop {
                let size = usize::from_str_radix(self.line()?.split(';').next().unwrap(), 16)
                    .map_err(std::io::Error::other)?;
                if size == 0 {
                    while !self.line()?.is_empty() {}
                    break;
                }
                let start = response.body.len();
                response.body.resize(start + size, 0);
                self.reader.read_exact(&mut response.body[start..])?;
                self.line()?;
            }
        } else if let Some(length) = response.header("content-length") {
            let length: usize = length.parse().map_err(std::io::Error::other)?;
            response.body.resize(length, 0);
            self.reader.read_exact(&mut response.body)?;
        }
        Ok(response)
    }

    fn line(&mut self) -> std::io::Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

/// xorshift64: reproducible traffic without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    /// One to four segments of characters that are legal in a request target
    /// (including percent escapes), never one of the service's routes.
    pub fn path(&mut self) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_.~!$&'()*+,;=:@";
        let mut path = String::new();
        for _ in 0..1 + self.next() % 4 {
            path.push_str("/x");
            for _ in 0..self.next() % 12 {
                if self.next() % 10 == 0 {
                    path.push_str(&format!("%{:02X}", self.next() % 256));
                } else {
                    path.push(CHARS[(self.next() % CHARS.len() as u64) as usize] as char);
                }
            }
        }
        path
    }
}
