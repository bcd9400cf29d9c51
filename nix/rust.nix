# Every Rust artefact of the workspace, built with crane on a pinned
# rust-overlay toolchain that also carries the wasm32-wasip1 standard library
# (rustup on the Debian CI machine cannot add it; here it is just a target).
{ pkgs
, crane
, root
, config
, source
, promtool
,
}:
let
  inherit (pkgs) lib;

  # Pinned rather than `latest`, so a rust-overlay bump alone never changes
  # the compiler; 1.91.1 is the newest stable in the locked rust-overlay.
  toolchain = pkgs.rust-bin.stable."1.91.1".default.override {
    targets = [ "wasm32-wasip1" ];
    extensions = [
      "clippy"
      "rustfmt"
      "rust-src"
    ];
  };

  craneLib = (crane.mkLib pkgs).overrideToolchain (_: toolchain);

  # Only what cargo reads, plus data files compiled in and `paths`: a change
  # to docs, manifests or Nix code rebuilds nothing.
  workspaceSource =
    name: paths:
    source.only {
      inherit name;
      paths = [ "/testdata" "/app-spin/spin.toml" ] ++ paths;
      also = craneLib.filterCargoSources;
    };

  src = workspaceSource "workspace-source" [ ];

  # The tests also read the repository: stack's tests compare the committed
  # rendered output with a fresh rendering and check runbook links.
  testSrc = workspaceSource "workspace-test-source" [
    "/stack.toml"
    "/k8s"
    "/dashboards"
    "/monitoring"
    "/docs/runbook.md"
    "/stack/tests"
    "/stack-local/tests"
    "/stack-render/tests"
  ];

  common = {
    inherit src;
    pname = "app-monitoring";
    inherit (config) version;
    strictDeps = true;
    cargoExtraArgs = "--locked --workspace";
  };

  # Dependencies of the whole workspace, built once and shared by every
  # native derivation below (crane's incremental artefact caching).
  workspaceDeps = craneLib.buildDepsOnly common;

  nativeBinary =
    package:
    craneLib.buildPackage (
      common
      // {
        pname = package;
        cargoArtifacts = workspaceDeps;
        cargoExtraArgs = "--locked -p ${package}";
        # The workspace tests run once, in `checks.tests`.
        doCheck = false;
        meta.mainProgram = package;
      }
    );

  # The Spin guest as cargo emits it: a WASI preview 1 core module.
  spinModuleArgs = common // {
    pname = "app-spin-module";
    cargoExtraArgs = "--locked -p app-spin";
    CARGO_BUILD_TARGET = "wasm32-wasip1";
    doCheck = false;
  };
  app-spin-module = craneLib.buildPackage (
    spinModuleArgs
    // {
      cargoArtifacts = craneLib.buildDepsOnly spinModuleArgs;
      installPhaseCommand = ''
        install -Dm644 target/wasm32-wasip1/release/app_spin.wasm $out/lib/app_spin.wasm
      '';
    }
  );

  # The preview 1 reactor adapter that spin-sdk itself ships (imports WASI
  # 0.2.0, the oldest every Spin 3.x/4.x host provides), the same file
  # scripts/build-spin.sh uses. The crate is fetched by the checksum
  # Cargo.lock records, so the adapter follows the locked spin-sdk.
  spinSdk = lib.findFirst
    (package: package.name == "spin-sdk")
    (throw "Cargo.lock has no spin-sdk")
    (builtins.fromTOML (builtins.readFile (root + "/Cargo.lock"))).package;
  spinSdkCrate = pkgs.fetchurl {
    name = "spin-sdk-${spinSdk.version}.tar.gz";
    url = "https://static.crates.io/crates/spin-sdk/${spinSdk.version}/download";
    sha256 = spinSdk.checksum;
  };

  # The component Spin 3/4 and containerd-shim-spin load, made explicitly
  # here rather than left to the runtime, so the image holds what was tested.
  app-spin =
    pkgs.runCommand "app-spin-${config.version}"
      {
        nativeBuildInputs = [
          pkgs.wasm-tools
          pkgs.gnutar
        ];
        passthru.module = app-spin-module;
      }
      ''
        tar -xzf ${spinSdkCrate} --strip-components=1 --wildcards '*/adapters/*/wasi_snapshot_preview1.reactor.wasm'
        adapter=$(echo adapters/*/wasi_snapshot_preview1.reactor.wasm)
        mkdir -p $out/lib
        wasm-tools component new ${app-spin-module}/lib/app_spin.wasm \
          --adapt wasi_snapshot_preview1="$adapter" \
          -o $out/lib/app_spin.wasm
        wasm-tools validate --features component-model $out/lib/app_spin.wasm
      '';
in
{
  inherit craneLib app-spin;
  app-native = nativeBinary "app-native";
  stack = nativeBinary "stack";
  alert-receiver = nativeBinary "alert-receiver";

  checks = {
    fmt = craneLib.cargoFmt (builtins.removeAttrs common [ "cargoExtraArgs" ]);
    clippy = craneLib.cargoClippy (
      common
      // {
        cargoArtifacts = workspaceDeps;
        cargoClippyExtraArgs = "--all-targets -- -D warnings";
      }
    );
    tests = craneLib.cargoTest (
      common
      // {
        src = testSrc;
        cargoArtifacts = workspaceDeps;
        # cargo test runs in crane's build phase; tests that shell out to
        # the real promtool and amtool find them on PATH.
        nativeBuildInputs = [
          promtool
          pkgs.prometheus-alertmanager
        ];
      }
    );
  };
}
