# Parts of the repository as store paths. A filter rather than lib.fileset:
# Nix before 2.14 cannot apply lib.fileset to a flake's root, and Debian's
# Nix 2.8 should still evaluate this flake.
{ lib, root }:
{
  # `paths` (relative, with a leading slash) and everything below them, plus
  # whatever `also` accepts; directories on the way to a wanted path are kept
  # so the filter can descend into them.
  only =
    { name
    , paths
    , also ? _path: _type: false
    ,
    }:
    lib.cleanSourceWith {
      src = root;
      inherit name;
      filter =
        path: type:
        also path type
        || lib.any
          (
            wanted:
            let
              full = toString root + wanted;
            in
            path == full || lib.hasPrefix (full + "/") path || (type == "directory" && lib.hasPrefix (path + "/") full)
          )
          paths;
    };
}
