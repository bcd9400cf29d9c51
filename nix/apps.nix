# `nix run .#deploy` and `nix run .#up`: the real scripts beside this file,
# wrapped with exactly the tools they call and the store paths they use.
{ pkgs
, python
, promtool
, config
, images
, manifests
, app-native
, spin-shim
,
}:
let
  inherit (pkgs) lib;

  deploy = pkgs.writeShellApplication {
    name = "deploy";
    # kind drives the user's own container engine (docker or podman), so
    # that one comes from the host, not from here.
    runtimeInputs = [
      pkgs.kind
      pkgs.kubectl
      pkgs.coreutils
      pkgs.gnugrep
    ];
    text = ''
      export DEPLOY_NAMESPACE=${lib.escapeShellArg config.namespace}
      export DEPLOY_NATIVE_ARCHIVE=${images.image-native}
      export DEPLOY_NATIVE_MANIFESTS=${manifests.manifests-native}
      export DEPLOY_SPIN_ARCHIVE=${images.image-spin}
      export DEPLOY_SPIN_MANIFESTS=${manifests.manifests-spin}
      export DEPLOY_RECEIVER_ARCHIVE=${images.image-receiver}
      export DEPLOY_SPIN_SHIM=${lib.optionalString (spin-shim != null) "${spin-shim}/bin/containerd-shim-spin-v2"}
      exec ${lib.getExe pkgs.bash} ${./deploy.sh} "$@"
    '';
  };

  up = pkgs.writeShellApplication {
    name = "up";
    runtimeInputs = [
      pkgs.prometheus
      promtool
      pkgs.prometheus-alertmanager
      pkgs.grafana
      pkgs.jq
      pkgs.curl
      pkgs.coreutils
      pkgs.gnused
      python
    ];
    text = ''
      export UP_RENDERED=${manifests.rendered}
      export UP_APP_NATIVE=${lib.getExe app-native}
      export UP_GRAFANA_HOME=${pkgs.grafana}/share/grafana
      export UP_HELPER=${./local_stack.py}
      exec ${lib.getExe pkgs.bash} ${./up.sh} "$@"
    '';
  };

  app = program: {
    type = "app";
    program = lib.getExe program;
  };
in
{
  deploy = app deploy;
  up = app up;
  default = app up;
}
