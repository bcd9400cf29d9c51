# OCI images of both variants and of the webhook receiver, named and tagged
# exactly as stack.toml says, as uncompressed archives `kind load
# image-archive` takes as they are. What goes into them is decided in
# nix/image-configs.nix.
{ pkgs
, config
, app-native
, app-spin
, stack
, spinManifest
,
}:
let
  parts = import ./image-configs.nix {
    inherit config spinManifest;
    nativeEntrypoint = pkgs.lib.getExe app-native;
    stackEntrypoint = pkgs.lib.getExe stack;
  };

  spinToml = (pkgs.formats.toml { }).generate "spin.toml" parts.spinManifest;
in
{
  image-native = pkgs.dockerTools.buildLayeredImage {
    name = config.images.native.repository;
    inherit (config.images.native) tag;
    compressor = "none";
    # The binary's closure (glibc and friends) and nothing else: no shell,
    # no coreutils, no package manager.
    contents = [ app-native ];
    config = parts.native;
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
      cp ${app-spin}/lib/${parts.wasmFile} ${parts.wasmFile}
    '';
    config = parts.spin;
  };

  image-receiver = pkgs.dockerTools.buildLayeredImage {
    name = config.images.receiver.repository;
    inherit (config.images.receiver) tag;
    compressor = "none";
    # As the native image: the binary's closure and nothing else.
    contents = [ stack ];
    config = parts.receiver;
  };
}
