//! What containerd-shim-spin needs of the pod it runs in, as data: the
//! Spin overlay mounts exactly these paths, and the tests check the
//! rendered pod against this list. Sources are read at the pinned shim
//! release (v0.24.0, which embeds Spin v3.6.3; see nix/spin-shim.nix).
//!
//! The pod keeps `readOnlyRootFilesystem: true` and runs as non-root, so
//! every path the shim writes under the image root must be a volume.

/// A directory the shim writes, so the pod mounts a writable volume there.
pub struct ShimPath {
    /// Volume name in the pod.
    pub volume: &'static str,
    pub mount_path: &'static str,
    /// emptyDir size limit.
    pub size_limit: &'static str,
    pub why: &'static str,
    /// Upstream file or issue that shows the write.
    pub upstream: &'static str,
}

pub const WRITABLE_PATHS: [ShimPath; 2] = [
    ShimPath {
        volume: "spin-cache",
        mount_path: "/.cache",
        size_limit: "64Mi",
        why: "the shim creates its loader cache at /.cache on every start and points \
              XDG_CACHE_HOME at it",
        upstream: "spinframework/containerd-shim-spin v0.24.0 containerd-shim-spin/src/utils.rs \
                   (initialize_cache); issue spinframework/containerd-shim-spin#123",
    },
    ShimPath {
        volume: "spin-state",
        mount_path: "/.spin",
        size_limit: "256Mi",
        why: "the shim runs Spin with working and app directory `/`, so the state directory is \
              /.spin, where Spin keeps every store the runtime config does not place elsewhere \
              (the component's metrics store it places in memory, see RUNTIME_CONFIG)",
        upstream: "spinframework/containerd-shim-spin v0.24.0 containerd-shim-spin/src/constants.rs \
                   (SPIN_TRIGGER_WORKING_DIR) and src/trigger.rs (local_app_dir); spinframework/spin \
                   v3.6.3 crates/runtime-config/src/lib.rs (DEFAULT_STATE_DIR); issue \
                   spinframework/containerd-shim-spin#216",
    },
];

/// Where the component's metrics live, as Spin's runtime config says it:
/// the `default` key-value store of type `spin` (Spin's SQLite store) with
/// no `path`, i.e. one in-memory database shared by every instance of the
/// Spin process (spinframework/spin v3.6.3 crates/key-value-spin/src/lib.rs,
/// `make_store`; src/store.rs, one connection per store manager). The image
/// carries it as /runtime-config.toml, which the shim reads when it exists
/// (containerd-shim-spin v0.24.0 src/constants.rs `RUNTIME_CONFIG_PATH`,
/// src/trigger.rs `factors_config`); spin-operator mounts a runtime config
/// of its own there (v0.6.1 internal/controller/deployment.go), so a
/// SpinApp has to say it again (`spec.runtimeConfig.keyValueStores`).
/// `app-spin/runtime-config.toml` is the file; the tests hold the two alike.
pub struct KeyValueStore {
    pub label: &'static str,
    pub store_type: &'static str,
}

pub const RUNTIME_CONFIG: KeyValueStore = KeyValueStore {
    label: "default",
    store_type: "spin",
};

/// Spin compiles the component with Cranelift before it serves its first
/// request. The startup probe gives it this long before liveness counts: a
/// compile measured at 0.3-0.45 s of CPU with wasmtime 42.0.2, the shim's
/// (docs/kubernetes.md), is under 5 s even throttled to the 100m request,
/// so 60 s leaves room for a slow node and Spin's own start.
pub const STARTUP_PROBE_PERIOD_SECONDS: u32 = 1;
pub const STARTUP_PROBE_FAILURES: u32 = 60;
