# `nix flake check`: the repository's own tests, run on Nix-built tools. The
# Rust checks come from nix/rust.nix; these are the ones about rendered
# output, which always use the `stack` binary this flake builds.
{ pkgs
, source
, promtool
, stack
, rendered
,
}:
let
  # Committed rendered output plus the config it came from: what the drift
  # check compares and the hand-written promtool tests live beside.
  committed = source.only {
    name = "committed-rendered-output";
    paths = [
      "/stack.toml"
      "/k8s"
      "/dashboards"
      "/monitoring"
      "/stack-render/tests/promtool"
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

  # The hand-written promtool unit tests, against the rules this flake
  # rendered, laid out as in the repository (tests refer to the rules file
  # by a relative path).
  promtool-rules =
    pkgs.runCommand "check-promtool-rules" { nativeBuildInputs = [ promtool ]; }
      ''
        mkdir -p stack-render/tests
        cp -r ${committed}/stack-render/tests/promtool stack-render/tests/
        mkdir -p k8s/base
        cp -r ${rendered}/k8s/base/files k8s/base/files
        promtool check rules k8s/base/files/*.yml
        promtool test rules stack-render/tests/promtool/*.test.yml
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
