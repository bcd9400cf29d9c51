# Everything the flake exposes for one system; flake.nix only maps it over
# the supported systems.
{ self
, nixpkgs
, crane
, rust-overlay
, system
,
}:
let
  # A path, not a string: filesets and builtins.readFile need one.
  root = ../.;

  pkgs = import nixpkgs {
    inherit system;
    overlays = [ rust-overlay.overlays.default ];
  };

  config = import ./config.nix { inherit root; };

  source = import ./source.nix {
    inherit root;
    inherit (pkgs) lib;
  };

  # Tools several outputs use, bound once. promtool is in prometheus' `cli`
  # output (lib.getOutput falls back to `out`).
  python = pkgs.python3.withPackages (ps: [ ps.pyyaml ]);
  promtool = pkgs.lib.getOutput "cli" pkgs.prometheus;

  rust = import ./rust.nix {
    inherit
      pkgs
      crane
      config
      source
      promtool
      ;
  };

  images = import ./images.nix {
    inherit pkgs config;
    inherit (rust) app-native app-spin alert-receiver;
    spinManifest = root + "/app-spin/spin.toml";
    spinRuntimeConfig = root + "/app-spin/runtime-config.toml";
  };

  manifests = import ./manifests.nix {
    inherit pkgs images;
    inherit (rust) stack;
    stackToml = root + "/stack.toml";
  };

  spin-shim = import ./spin-shim.nix { inherit pkgs; };

  checks =
    rust.checks
    // import ./checks.nix {
      inherit pkgs source promtool;
      inherit (rust) stack;
      inherit (manifests) rendered;
    };
in
{
  packages = {
    inherit (rust) app-native app-spin stack alert-receiver;
    inherit (images) image-native image-spin image-receiver;
    inherit (manifests) manifests-native manifests-spin manifests-spinkube;
    default = manifests.manifests-native;
  };

  apps = import ./apps.nix {
    flake = self;
    inherit
      pkgs
      config
      images
      manifests
      spin-shim
      ;
    inherit (rust) app-native stack;
    stackToml = root + "/stack.toml";
  };

  inherit checks;

  devShells.default = import ./shell.nix {
    inherit
      pkgs
      python
      promtool
      checks
      ;
    inherit (rust) craneLib;
  };

  formatter = pkgs.nixpkgs-fmt;
}
