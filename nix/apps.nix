# `nix run .#deploy` and `nix run .#up`: the real scripts beside this file,
# wrapped with exactly the tools they call and the store paths they use.
{ pkgs
, flake
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

  # One deploy program per variant, each referencing only its own image,
  # manifests and (for Spin) the shim: a native deploy builds and fetches
  # nothing of the Spin chain.
  deployVariant =
    variant:
    { image, manifests, extraEnv ? "" }:
    pkgs.writeShellApplication {
      name = "deploy-${variant}";
      # kind drives the user's own container engine (docker or podman), so
      # that one comes from the host, not from here.
      runtimeInputs = [
        pkgs.kind
        pkgs.kubectl
        pkgs.coreutils
        pkgs.gnugrep
      ];
      text = ''
        export DEPLOY_VARIANT=${variant}
        export DEPLOY_NAMESPACE=${lib.escapeShellArg config.namespace}
        export DEPLOY_ARCHIVE=${image}
        export DEPLOY_MANIFESTS=${manifests}
        export DEPLOY_RECEIVER_ARCHIVE=${images.image-receiver}
        ${extraEnv}
        exec ${lib.getExe pkgs.bash} ${./deploy.sh} "$@"
      '';
    };

  deploy-native = deployVariant "native" {
    image = images.image-native;
    manifests = manifests.manifests-native;
  };

  deploy-spin = deployVariant "spin" {
    image = images.image-spin;
    manifests = manifests.manifests-spin;
    extraEnv = "export DEPLOY_SPIN_SHIM=${spin-shim}/bin/containerd-shim-spin-v2";
  };

  # The Spin image as a SpinApp: the shim on the nodes as for `spin`; the
  # cluster must already run spin-operator (deploy.sh checks its CRDs).
  deploy-spinkube = deployVariant "spinkube" {
    image = images.image-spin;
    manifests = manifests.manifests-spinkube;
    extraEnv = "export DEPLOY_SPIN_SHIM=${spin-shim}/bin/containerd-shim-spin-v2";
  };

  # `nix run .#deploy -- native|spin|spinkube`: picks the variant, then runs that
  # variant's own program from this flake, so only its closure is built.
  deploy = pkgs.writeShellApplication {
    name = "deploy";
    text = ''
      variant=native
      for arg in "$@"; do
        case "$arg" in
          native | spin | spinkube) variant="$arg" ;;
        esac
      done
      command -v nix >/dev/null 2>&1 || {
        echo "deploy: error: nix is not on PATH; run nix run .#deploy-$variant instead" >&2
        exit 1
      }
      exec nix run ${lib.escapeShellArg "${flake}#deploy-"}"$variant" -- "$@"
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
  deploy-native = app deploy-native;
  deploy-spin = app deploy-spin;
  deploy-spinkube = app deploy-spinkube;
  up = app up;
  default = app up;
}
