# Kubernetes manifests for what this flake built: `stack render` is given the
# name and tag of the image derivations themselves, so the Deployments run
# exactly the archives `deploy` loads into kind, never look-alikes.
{ pkgs
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

  # The one writer of manifests: references and builds go in, and render
  # fails unless each overlay runs exactly its image; it writes each
  # overlay's deploy.env (the facts deploy.sh sources) beside it.
  rendered = pkgs.runCommand "stack-rendered" { nativeBuildInputs = [ stack ]; } ''
    stack render --config ${stackToml} --out $out \
      --image-native ${lib.escapeShellArg (reference images.image-native)} \
      --image-native-build-id ${lib.escapeShellArg (buildId images.image-native)} \
      --image-spin ${lib.escapeShellArg (reference images.image-spin)} \
      --image-spin-build-id ${lib.escapeShellArg (buildId images.image-spin)} \
      --image-receiver ${lib.escapeShellArg (reference images.image-receiver)} \
      --image-receiver-build-id ${lib.escapeShellArg (buildId images.image-receiver)}
  '';

  # One overlay, built into the single file `deploy` applies, beside the
  # rendered tree it came from.
  forVariant =
    variant:
    pkgs.runCommand "manifests-${variant}" { nativeBuildInputs = [ pkgs.kubectl ]; } ''
      mkdir -p $out
      cp -r ${rendered}/. $out/
      kubectl kustomize $out/k8s/overlays/${variant} > $out/manifests.yaml
      cp $out/k8s/overlays/${variant}/deploy.env $out/deploy.env
    '';
in
{
  inherit rendered;
  manifests-native = forVariant "native";
  manifests-spin = forVariant "spin";
  # The same Spin image, as a SpinApp for spin-operator.
  manifests-spinkube = forVariant "spinkube";
}
