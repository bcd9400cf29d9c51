# nix/apps.nix evaluated with every package it is given replaced by an empty
# derivation named after it, so that Debian's Nix can instantiate the apps
# without nixpkgs: the store paths each app's program references (its
# closure, `nix-store --query --requisites`) show what running it builds.
# scripts/checks/50-nix.sh checks that no Spin path is among a native
# deploy's, and that `up` carries `stack` and the servers it runs.
let
  system = builtins.currentSystem;
  package = name: derivation {
    inherit name system;
    builder = "/bin/sh";
    args = [ "-c" ": > $out" ];
  };
  # The few nixpkgs builders and lib functions apps.nix calls, with the
  # string context (what references what) kept exactly.
  pkgs = {
    lib = {
      escapeShellArg = text: "'${text}'";
      getExe = drv: "${drv}/bin/${drv.name}";
    };
    writeShellApplication = { name, text, runtimeInputs ? [ ] }: derivation {
      inherit name system;
      builder = "/bin/sh";
      args = [ "-c" text ];
      inputs = runtimeInputs;
    };
  } // builtins.listToAttrs (map (name: { inherit name; value = package name; }) [
    "kind"
    "kubectl"
    "coreutils"
    "gnugrep"
    "bash"
    "prometheus"
    "prometheus-alertmanager"
    "grafana"
  ]);
  apps = import ../apps.nix {
    inherit pkgs;
    flake = package "flake-source";
    stack = package "stack";
    stackToml = package "stack.toml";
    config.namespace = "app-monitoring";
    images = {
      image-native = package "image-native";
      image-spin = package "image-spin";
      image-receiver = package "image-receiver";
    };
    manifests = {
      manifests-native = package "manifests-native";
      manifests-spin = package "manifests-spin";
      manifests-spinkube = package "manifests-spinkube";
    };
    app-native = package "app-native";
    spin-shim = package "containerd-shim-spin";
  };
in
# Each app's program, as the derivation that provides it.
builtins.mapAttrs
  (_: app: builtins.attrNames (builtins.getContext app.program))
  apps
