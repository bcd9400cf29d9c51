# containerd-shim-spin, the runtime the Spin overlay's RuntimeClass (handler
# `spin`) points at. It runs inside the kind node, not on the host, so the
# upstream release binary is used as is. v0.25.1 embeds Spin 4.0.1.
{ pkgs }:
let
  version = "0.25.1";
  # Release assets by Nix system; the hash was not downloaded and checked
  # here (no network), see docs/nix.md: a wrong one fails the fetch loudly.
  assets = {
    x86_64-linux = {
      file = "containerd-shim-spin-v2-linux-x86_64.tar.gz";
      hash = "sha256-F1X76y3sfQJvr4w3Ax2KAll19eGUt4LaEBiCBqOG1uQ=";
    };
  };
  asset = assets.${pkgs.stdenv.hostPlatform.system} or null;
in
if asset == null then
  null
else
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
