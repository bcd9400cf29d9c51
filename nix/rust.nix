# Every Rust artefact of the workspace, built with crane on a pinned
# rust-overlay toolchain that also carries the wasm32-wasip2 standard library:
# the Spin component is cargo's own output for that target, as in
# scripts/build-spin.sh.
{ pkgs
, crane
, config
, source
, promtool
,
}:
let
  # Pinned rather than `latest`, so a rust-overlay bump alone never changes
  # the compiler; 1.91.1 is the newest stable in the locked rust-overlay.
  toolchain = pkgs.rust-bin.stable."1.91.1".default.override {
    targets = [ "wasm32-wasip2" ];
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

  # The component Spin 3/4 and containerd-shim-spin load: on wasm32-wasip2
  # rustc links a WASI 0.2 component itself (wasm-component-ld), so the
  # image holds exactly what cargo built and the tests ran.
  spinArgs = common // {
    pname = "app-spin";
    cargoExtraArgs = "--locked -p app-spin";
    CARGO_BUILD_TARGET = "wasm32-wasip2";
    doCheck = false;
  };
  app-spin = craneLib.buildPackage (
    spinArgs
    // {
      cargoArtifacts = craneLib.buildDepsOnly spinArgs;
      nativeBuildInputs = [ pkgs.wasm-tools ];
      installPhaseCommand = ''
        wasm-tools validate target/wasm32-wasip2/release/app_spin.wasm
        install -Dm644 target/wasm32-wasip2/release/app_spin.wasm $out/lib/app_spin.wasm
      '';
    }
  );
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
