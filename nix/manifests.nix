# Kubernetes manifests for what this flake built: `stack render` is given the
# name and tag of the image derivations themselves, so the Deployments run
# exactly the archives `deploy` loads into kind, never look-alikes.
{ pkgs
, python
, stack
, stackToml
, images
,
}:
let
  inherit (pkgs) lib;

  reference = image: "${image.imageName}:${image.imageTag}";

  # The image's store hash, as text only: the manifests change when the image
  # does without having to build the image first.
  buildId = image: builtins.substring 0 32 (builtins.unsafeDiscardStringContext (baseNameOf image.outPath));

  rendered = pkgs.runCommand "stack-rendered" { nativeBuildInputs = [ stack ]; } ''
    stack render --config ${stackToml} --out $out \
      --image-native ${lib.escapeShellArg (reference images.image-native)} \
      --image-spin ${lib.escapeShellArg (reference images.image-spin)} \
      --image-receiver ${lib.escapeShellArg (reference images.image-receiver)}
  '';

  # One overlay, built into the single file `deploy` applies, beside the
  # rendered tree it came from (the local stack reads monitoring/ there).
  forVariant =
    variant: image:
    pkgs.runCommand "manifests-${variant}"
      {
        nativeBuildInputs = [
          pkgs.kubectl
          python
        ];
      }
      ''
        mkdir -p $out
        cp -r ${rendered}/. $out/
        kubectl kustomize $out/k8s/overlays/${variant} > overlay.yaml
        # Both fail unless a container of the overlay runs exactly the app
        # image; the receiver's is stamped and named where it is deployed
        # (when Alertmanager's webhook names it).
        python3 ${./stamp_image.py} overlay.yaml ${lib.escapeShellArg (reference image)} \
          ${lib.escapeShellArg (buildId image)} \
          ${lib.escapeShellArg (reference images.image-receiver)} \
          ${lib.escapeShellArg (buildId images.image-receiver)} > $out/manifests.yaml
        python3 ${./manifest_facts.py} $out/manifests.yaml ${lib.escapeShellArg (reference image)} \
          ${lib.escapeShellArg (reference images.image-receiver)} > $out/deploy.env
      '';
in
{
  inherit rendered;
  manifests-native = forVariant "native" images.image-native;
  manifests-spin = forVariant "spin" images.image-spin;
  # The same Spin image, as a SpinApp for spin-operator.
  manifests-spinkube = forVariant "spinkube" images.image-spin;
}
