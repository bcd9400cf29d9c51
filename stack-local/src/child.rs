//! Child processes of the local stack, each in its own process group, tied to
//! our life, and stopped in a bounded time.
//!
//! Three guards against orphans: a child gets its own process group (so a
//! terminal's Ctrl-C reaches only us, and we stop the children in order, and
//! a stop reaches whatever the child itself forked); `PR_SET_PDEATHSIG` kills
//! it if we die without cleaning up (even by SIGKILL); and dropping a [`Child`]
//! kills its group and reaps it.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use anyhow::Context as _;
use tokio::process::Command;

/// Logs that a restarted stack adds to open the way the receiver's does.
pub use alert_receiver::receiver::open_append;

/// A running child process and where its output goes.
#[derive(Debug)]
pub struct Child {
    name: String,
    process: tokio::process::Child,
    pid: u32,
    log: PathBuf,
}

/// What to run: program, arguments, and the log file its output appends to.
#[derive(Clone, Debug)]
pub struct Spec {
    pub name: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub log: PathBuf,
}

impl Spec {
    pub fn new(
        name: impl Into<String>,
        program: impl Into<PathBuf>,
        log: impl Into<PathBuf>,
    ) -> Self {
        Spec {
            name: name.into(),
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            log: log.into(),
        }
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn envs(mut self, env: impl IntoIterator<Item = (String, String)>) -> Self {
        self.env.extend(env);
        self
    }

    /// The command line, for logs and error messages.
    pub fn display(&self) -> String {
        std::iter::once(self.program.display().to_string())
            .chain(self.args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Starts the process. Must be called from a thread that outlives the
    /// child: the kernel's parent-death signal fires when the *thread* that
    /// forked exits, so the local stack spawns from its long-lived runtime
    /// thread, never from a blocking-pool thread.
    pub fn spawn(&self) -> anyhow::Result<Child> {
        let log = open_append(&self.log)?;
        let log_err = log.try_clone().context("duplicating the log file handle")?;
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .envs(self.env.iter().map(|(key, value)| (key, value)))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .process_group(0)
            .kill_on_drop(true);
        // SAFETY: the closure runs between fork and exec and only makes
        // async-signal-safe calls (prctl, getppid).
        let parent = std::process::id() as libc::pid_t;
        unsafe {
            command.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // We may have died between fork and prctl: then nobody would
                // ever send the signal.
                if libc::getppid() != parent {
                    return Err(std::io::Error::other("parent exited during spawn"));
                }
                Ok(())
            });
        }
        let process = command
            .spawn()
            .with_context(|| format!("starting {}: {}", self.name, self.display()))?;
        let pid = process.id().expect("a just-spawned child has a pid");
        Ok(Child {
            name: self.name.clone(),
            process,
            pid,
            log: self.log.clone(),
        })
    }
}

impl Child {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Sends `signal` to the child's whole process group.
    pub fn signal(&self, signal: libc::c_int) {
        // The group id is the child's pid (process_group(0)). Until the
        // child is reaped its pid cannot be reused, so this hits no stranger.
        unsafe {
            libc::killpg(self.pid as libc::pid_t, signal);
        }
    }

    /// `Some(status)` once the child has exited (reaping it), without waiting.
    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        self.process.try_wait().ok().flatten()
    }

    /// Waits for the child to exit.
    pub async fn wait(&mut self) -> std::io::Result<ExitStatus> {
        self.process.wait().await
    }

    /// SIGTERM, then SIGKILL once `grace` has passed. Returns the exit status
    /// and whether the child stopped within the grace period.
    pub async fn stop(mut self, grace: Duration) -> (Option<ExitStatus>, bool) {
        if let Some(status) = self.try_exit() {
            self.kill_group();
            return (Some(status), true);
        }
        self.signal(libc::SIGTERM);
        let graceful = tokio::time::timeout(grace, self.process.wait()).await;
        let result = match graceful {
            Ok(status) => (status.ok(), true),
            Err(_) => {
                self.kill_group();
                (self.process.wait().await.ok(), false)
            }
        };
        // Anything the child forked and left behind goes with it.
        self.kill_group();
        result
    }

    /// SIGKILL to the group, as a crash would; the caller still reaps.
    pub fn kill_group(&self) {
        unsafe {
            libc::killpg(self.pid as libc::pid_t, libc::SIGKILL);
        }
    }

    /// The last lines of the child's log, for error messages.
    pub fn log_tail(&self, lines: usize) -> String {
        log_tail(&self.log, lines)
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        // kill_on_drop reaps the leader; the group may hold more.
        if self.process.try_wait().ok().flatten().is_none() {
            self.kill_group();
        }
    }
}

/// The last `lines` lines of a log file, indented for an error message.
pub fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    let start = all.len().saturating_sub(lines);
    all[start..]
        .iter()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a process with this pid exists (zombies included).
pub fn process_exists(pid: u32) -> bool {
    // Signal 0 checks existence and permission without delivering anything.
    let alive = unsafe { libc::kill(pid as libc::pid_t, 0) } == 0;
    alive || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}
