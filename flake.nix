{
  description = "A Rust HTTP service, native and Spin, with its monitoring stack rendered from one source";

  # One coherent set, the one crane v0.21.3 tests itself against: nixos-25.05
  # (still evaluable by Debian's Nix 2.8) and the rust-overlay of the same
  # week. docs/nix.md says how to move them forward.
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";
    crane.url = "github:ipetkov/crane/v0.21.3";
    rust-overlay = {
      url = "github:oxalica/rust-overlay";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs =
    { self
    , nixpkgs
    , crane
    , rust-overlay
    , ...
    }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      perSystem = nixpkgs.lib.genAttrs systems (system:
        import ./nix {
          inherit self nixpkgs crane rust-overlay system;
        });
      output = name: builtins.mapAttrs (_: outputs: outputs.${name}) perSystem;
    in
    {
      packages = output "packages";
      apps = output "apps";
      checks = output "checks";
      devShells = output "devShells";
      formatter = output "formatter";
    };
}
