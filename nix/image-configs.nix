# The pure parts of the images, kept free of nixpkgs so the offline check
# (scripts/checks/50-nix.sh) evaluates exactly what the images are built from:
# the OCI config of each image and the Spin manifest at the Spin image root.
{ config
, spinManifest
, nativeEntrypoint
, receiverEntrypoint
,
}:
let
  # The UID distroless images use for "nonroot": the Deployment's
  # securityContext asks for a non-root user, and this one has no shell.
  nonRoot = "65532";

  # OCI labels; both app variants describe themselves the same way.
  labels = title: description: {
    "org.opencontainers.image.title" = title;
    "org.opencontainers.image.version" = config.version;
    "org.opencontainers.image.description" = description;
  };
  appLabels = variant: labels "app-${variant}" "Rust HTTP service, ${variant} variant, with Prometheus metrics";

  manifest = builtins.fromTOML (builtins.readFile spinManifest);
  components = manifest.component or { };
  componentNames = builtins.attrNames components;
in
{
  # containerd-shim-spin runs the app whose manifest is /spin.toml, sources
  # relative to it: the component sits beside it, at the image root.
  wasmFile = "app_spin.wasm";
  # ... and reads Spin's runtime config from /runtime-config.toml when the
  # file exists (shim v0.24.0 src/constants.rs RUNTIME_CONFIG_PATH): the
  # repository's app-spin/runtime-config.toml, which keeps the metrics'
  # key-value store in memory.
  runtimeConfigFile = "runtime-config.toml";

  native = {
    Entrypoint = [ nativeEntrypoint ];
    User = "${nonRoot}:${nonRoot}";
    Env = [ "APP_LISTEN=0.0.0.0:${toString config.appPort}" ];
    ExposedPorts."${toString config.appPort}/tcp" = { };
    Labels = appLabels "native";
  };

  spin = {
    Entrypoint = [ "/" ];
    Labels = appLabels "spin";
  };

  # The `alert-receiver` binary, the webhook receiver Alertmanager notifies
  # (its Deployment passes the arguments).
  receiver = {
    Entrypoint = [ receiverEntrypoint ];
    User = "${nonRoot}:${nonRoot}";
    Labels = labels "alert-receiver" "Alertmanager webhook receiver logging each notification as a JSON line";
  };

  # The repository's manifest with the one component's `source` at the image
  # root and its `build` section (a developer command) dropped.
  spinManifest =
    if builtins.length componentNames != 1 then
      throw "${toString spinManifest}: the Spin image holds one component, found ${toString componentNames}"
    else
      manifest
      // {
        component = builtins.mapAttrs
          (_: component: builtins.removeAttrs component [ "build" ] // { source = "app_spin.wasm"; })
          components;
      };
}
