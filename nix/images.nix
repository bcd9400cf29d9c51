# OCI images of both variants, named and tagged exactly as stack.toml says,
# as uncompressed archives `kind load image-archive` takes as they are.
{ pkgs
, config
, app-native
, app-spin
, spinManifest
,
}:
let
  inherit (pkgs) lib;

  # The UID distroless images use for "nonroot"; the Deployment's
  # securityContext asks for a non-root user and this one has no shell.
  nonRoot = "65532";

  labels = variant: {
    "org.opencontainers.image.title" = "app-${variant}";
    "org.opencontainers.image.version" = config.version;
    "org.opencontainers.image.description" = "Rust HTTP service, ${variant} variant, with Prometheus metrics";
  };

  # containerd-shim-spin runs the Spin app whose manifest is /spin.toml, with
  # sources relative to it: the component sits beside it at the image root.
  wasmFile = "app_spin.wasm";
  spinToml =
    let
      manifest = builtins.fromTOML (builtins.readFile spinManifest);
      components = manifest.component or { };
      relocate =
        _: component:
        builtins.removeAttrs component [ "build" ]
        // {
          source = wasmFile;
        };
    in
    assert lib.assertMsg (builtins.length (builtins.attrNames components) == 1)
      "${toString spinManifest}: the image holds one component, found ${toString (builtins.attrNames components)}";
    (pkgs.formats.toml { }).generate "spin.toml" (
      manifest
      // {
        component = builtins.mapAttrs relocate components;
      }
    );

in
{
  image-native = pkgs.dockerTools.buildLayeredImage {
    name = config.images.native.repository;
    inherit (config.images.native) tag;
    compressor = "none";
    # The binary's closure (glibc and friends) and nothing else: no shell,
    # no coreutils, no package manager.
    contents = [ app-native ];
    config = {
      Entrypoint = [ (lib.getExe app-native) ];
      User = "${nonRoot}:${nonRoot}";
      Env = [ "APP_LISTEN=0.0.0.0:${toString config.appPort}" ];
      ExposedPorts."${toString config.appPort}/tcp" = { };
      Labels = labels "native";
    };
  };

  image-spin = pkgs.dockerTools.buildLayeredImage {
    name = config.images.spin.repository;
    inherit (config.images.spin) tag;
    compressor = "none";
    # Two regular files and no store path: the shim reads them from the
    # image root, and a symlink into /nix/store would dangle there.
    includeStorePaths = false;
    extraCommands = ''
      cp ${spinToml} spin.toml
      cp ${app-spin}/lib/${wasmFile} ${wasmFile}
    '';
    config = {
      Entrypoint = [ "/" ];
      Labels = labels "spin";
    };
  };

  inherit spinToml;
}
