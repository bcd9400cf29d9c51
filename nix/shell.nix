# `nix develop`: the pinned toolchain (with the wasm32-wasip2 target) and
# every tool the tests and the local stack run.
{ pkgs
, python
, promtool
, craneLib
, checks
,
}:
craneLib.devShell {
  inherit checks;
  packages = [
    promtool
    pkgs.prometheus
    pkgs.prometheus-alertmanager
    pkgs.grafana
    pkgs.kind
    pkgs.kubectl
    pkgs.wasmtime
    pkgs.wasm-tools
    pkgs.nodejs
    pkgs.shellcheck
    pkgs.deadnix
    pkgs.nixpkgs-fmt
    python
  ];
}
