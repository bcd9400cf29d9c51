# What the Nix code needs to know about a deployment, read from `stack.toml`,
# the same file `stack render` reads. Nothing here has a second default of its
# own: a missing key is an error naming the key, so the two readers cannot
# drift apart silently (scripts/checks/50-nix.sh compares them as well).
{ root ? ../.
,
}:
let
  file = root + "/stack.toml";
  settings =
    if builtins.pathExists file then
      builtins.fromTOML (builtins.readFile file)
    else
      throw "nix/config.nix: ${toString file} is missing; the flake and `stack render` both read it";

  require =
    path:
    let
      step =
        value: key:
        if builtins.isAttrs value && value ? ${key} then
          value.${key}
        else
          throw "stack.toml: `${builtins.concatStringsSep "." path}` must be set (the Nix flake reads it)";
    in
    builtins.foldl' step settings path;

  image =
    variant:
    let
      repository = require [
        "images"
        variant
        "repository"
      ];
      tag = require [
        "images"
        variant
        "tag"
      ];
    in
    {
      inherit repository tag;
      reference = "${repository}:${tag}";
    };
in
{
  namespace = require [ "namespace" ];
  appPort = require [
    "app"
    "port"
  ];
  images = {
    native = image "native";
    spin = image "spin";
    receiver = image "receiver";
  };
  version = (builtins.fromTOML (builtins.readFile (root + "/Cargo.toml"))).workspace.package.version;
}
