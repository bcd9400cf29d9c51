//! Starts the real `app-native` binary; tests talk raw HTTP/1.1 to it with
//! `test_support::Client`.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ExitStatus};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use app_core::ExpositionFormat;
use app_core::testing::Parsed;
use test_support::{Client, SpawnedNative, spawn_native};

pub struct Server {
    pub addr: SocketAddr,
    child: Child,
    pub logs: mpsc::Receiver<String>,
}

impl Server {
    /// Starts the binary on an ephemeral loopback port with `args` added.
    pub fn start(args: &[&str]) -> Server {
        Server::start_binary(env!("CARGO_BIN_EXE_app-native"), args)
    }

    /// Like [`Server::start`], for another build of the binary (a release
    /// build for the heavier hardening runs).
    pub fn start_binary(binary: &str, args: &[&str]) -> Server {
        let SpawnedNative { child, addr, logs } = spawn_native(Path::new(binary), args);
        Server { addr, child, logs }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: plain kill(2) on our own child.
        let rc = unsafe { libc_kill(self.child.id() as i32, signal) };
        assert_eq!(rc, 0, "kill failed");
    }

    pub fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn client(&self) -> Client {
        Client::connect(self.addr)
    }

    pub fn scrape(&self, format: ExpositionFormat) -> Parsed {
        self.client().scrape(format)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

pub const SIGTERM: i32 = 15;
pub const SIGINT: i32 = 2;
