# containerd-shim-spin, the runtime the Spin overlay's RuntimeClass (handler
# `spin`) points at. It runs inside the kind node, not on the host, so the
# upstream release binary (statically linked) is used as is.
#
# v0.24.0 is upstream's newest tag (spinframework/containerd-shim-spin); its
# workspace builds against Spin v3.6.3 (spin-* crates at tag v3.6.3) and
# wasmtime 42.0.2. The hashes are not downloaded here (no network): they are
# the SHA-256 sums siderolabs/extensions pins for these very assets
# (container-runtime/vars.yaml, commit 4cc7808, 2026-05-07), see docs/nix.md.
{ pkgs }:
let
  version = "0.24.0";
  assets = {
    x86_64-linux = {
      file = "containerd-shim-spin-v2-linux-x86_64.tar.gz";
      # sha256 558b4e92fb0b39d3e54d8a172cf83fe3b529d541bbec6ef540550c2c514fe131
      hash = "sha256-VYtOkvsLOdPlTYoXLPg/47Up1UG77G71QFUMLFFP4TE=";
    };
    aarch64-linux = {
      file = "containerd-shim-spin-v2-linux-aarch64.tar.gz";
      # sha256 9cb14eda7899289d0b8085b8266f77afe27c0ebbd65f745c5291ff28cf538c47
      hash = "sha256-nLFO2niZKJ0LgIW4Jm93r+J8DrvWX3RcUpH/KM9TjEc=";
    };
  };
  system = pkgs.stdenv.hostPlatform.system;
  asset =
    assets.${system} or (throw
      "containerd-shim-spin ${version} is released for ${builtins.concatStringsSep " and " (builtins.attrNames assets)} only, not ${system}: deploy the native variant instead");
in
pkgs.runCommand "containerd-shim-spin-${version}"
{
  src = pkgs.fetchurl {
    url = "https://github.com/spinframework/containerd-shim-spin/releases/download/v${version}/${asset.file}";
    inherit (asset) hash;
  };
  passthru = { inherit version; };
}
  ''
    tar -xzf $src containerd-shim-spin-v2
    install -Dm755 containerd-shim-spin-v2 $out/bin/containerd-shim-spin-v2
  ''
