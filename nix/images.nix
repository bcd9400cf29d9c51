# OCI images of both variants and of the webhook receiver, named and tagged
# exactly as stack.toml says, as uncompressed archives `kind load
# image-archive` takes as they are. What goes into them is decided in
# nix/image-configs.nix.
{ pkgs
, config
, app-native
, app-spin
, alert-receiver
, spinManifest
, spinRuntimeConfig
,
}:
let
  parts = import ./image-configs.nix {
    inherit config spinManifest;
    nativeEntrypoint = pkgs.lib.getExe app-native;
    receiverEntrypoint = pkgs.lib.getExe alert-receiver;
  };

  spinToml = (pkgs.formats.toml { }).generate "spin.toml" parts.spinManifest;

  # One image, named and tagged as stack.toml says (config.images.<image>),
  # with its OCI config from nix/image-configs.nix (parts.<image>).
  image =
    name: contents:
    pkgs.dockerTools.buildLayeredImage (
      {
        name = config.images.${name}.repository;
        inherit (config.images.${name}) tag;
        compressor = "none";
        config = parts.${name};
      }
      // contents
    );
in
{
  # The binary's closure (glibc and friends) and nothing else: no shell,
  # no coreutils, no package manager.
  image-native = image "native" { contents = [ app-native ]; };

  image-spin = image "spin" {
    # Three regular files and no store path: the shim reads them from the
    # image root, and a symlink into /nix/store would dangle there.
    includeStorePaths = false;
    extraCommands = ''
      cp ${spinToml} spin.toml
      cp ${app-spin}/lib/${parts.wasmFile} ${parts.wasmFile}
      cp ${spinRuntimeConfig} ${parts.runtimeConfigFile}
    '';
  };

  # As the native image: the binary's closure and nothing else.
  image-receiver = image "receiver" { contents = [ alert-receiver ]; };
}
