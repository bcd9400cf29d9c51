# `nix flake check`: the repository's own tests, run on Nix-built tools. The
# Rust checks come from nix/rust.nix; these are the ones about rendered
# output, which always use the `stack` binary this flake builds.
{ pkgs
, root
, stack
, rendered
,
}:
let
  inherit (pkgs) lib;

  promtool = lib.getOutput "cli" pkgs.prometheus;

  # Committed rendered output plus the config it came from: what the drift
  # check compares and the hand-written promtool tests live beside.
  committed = lib.cleanSourceWith {
    src = root;
    name = "committed-rendered-output";
    filter =
      path: _type:
      lib.any (prefix: lib.hasPrefix (toString root + prefix) path) [
        "/stack.toml"
        "/k8s"
        "/dashboards"
        "/monitoring"
      ];
  };

  kubernetes-validate = pkgs.python3Packages.buildPythonApplication rec {
    pname = "kubernetes-validate";
    version = "1.37.0";
    format = "wheel";
    src = pkgs.fetchurl {
      url = "https://files.pythonhosted.org/packages/b0/50/104f3b5a41aba6737c5f2ffe76270398f3a7320dc4a4f3f88dfd5bc9af63/kubernetes_validate-${version}-py3-none-any.whl";
      hash = "sha256-hRNtAYontQ7H/ASdkCv6UZP1l2gH5sD0COOrb+B4ytk=";
    };
    dependencies = with pkgs.python3Packages; [
      pyyaml
      jsonschema
      typing-extensions
      importlib-resources
      packaging
      referencing
    ];
  };
in
{
  # The committed k8s/, dashboards/ and monitoring/ are what `stack render`
  # makes of the committed stack.toml.
  rendered-drift = pkgs.runCommand "check-rendered-drift" { nativeBuildInputs = [ stack ]; } ''
    stack render --config ${committed}/stack.toml --out ${committed} --check
    touch $out
  '';

  # The promtool unit tests, run against the rules this flake rendered.
  promtool-rules =
    pkgs.runCommand "check-promtool-rules" { nativeBuildInputs = [ promtool ]; }
      ''
        cp -r ${committed}/monitoring monitoring
        chmod -R u+w monitoring
        cp -r ${rendered}/monitoring/. monitoring/
        find monitoring -name '*.rules.yml' -print0 | xargs -0 -r promtool check rules
        mapfile -t tests < <(find monitoring -path '*/tests/*.yml' | sort)
        if [ ''${#tests[@]} -eq 0 ]; then
          echo "no promtool tests under monitoring/**/tests/" >&2
          exit 1
        fi
        promtool test rules "''${tests[@]}"
        touch $out
      '';

  # Every resource of every overlay, strictly, against the Kubernetes schemas.
  kubernetes-validate =
    pkgs.runCommand "check-kubernetes-validate"
      {
        nativeBuildInputs = [
          pkgs.kubectl
          kubernetes-validate
        ];
      }
      ''
        for overlay in ${rendered}/k8s/overlays/*/; do
          name=$(basename "$overlay")
          kubectl kustomize "$overlay" > "$name.yaml"
          kubernetes-validate --strict "$name.yaml"
        done
        touch $out
      '';

  shellcheck = pkgs.runCommand "check-shellcheck" { nativeBuildInputs = [ pkgs.shellcheck ]; } ''
    shellcheck ${./deploy.sh} ${./up.sh}
    touch $out
  '';
}
