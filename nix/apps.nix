# `nix run .#deploy`: the real script beside this file, and `nix run .#up`:
# `stack up`, each wrapped with exactly the tools it calls and the store
# paths it uses.
{ pkgs
, flake
, config
, images
, manifests
, stack
, stackToml
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

  # The local stack of scripts/up.sh, which is `stack up` too: the app's
  # instances, Prometheus, Alertmanager and Grafana from nixpkgs, the
  # receiver and traffic. The edge instance needs this repository's built
  # component and edge-host, which the flake does not build (nix/rust.nix),
  # so `stack up` says in one line that it is left out.
  up = pkgs.writeShellApplication {
    name = "up";
    runtimeInputs = [
      pkgs.prometheus
      pkgs.prometheus-alertmanager
      pkgs.grafana
    ];
    text = ''
      export STACK_APP_NATIVE=${lib.getExe app-native}
      export GRAFANA_HOME=${pkgs.grafana}/share/grafana
      # The flake's stack.toml, unless the command line names one.
      case " $* " in
        *" --config "* | *" --config="*) ;;
        *) set -- --config ${stackToml} "$@" ;;
      esac
      exec ${lib.getExe stack} up --no-install "$@"
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
