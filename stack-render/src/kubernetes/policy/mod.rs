//! This project's rules for its manifests, beyond what Pod Security
//! admission enforces. The restricted Pod Security Standard itself
//! (privileged, capabilities, runAsNonRoot, seccomp, privilege escalation,
//! host namespaces and paths, volume types) is not re-implemented here: the
//! namespace enforces it, and `scripts/checks/36-control-plane.sh` has the
//! real API server admit every pod and refuse one breach of each class.
//!
//! - `pods`: per pod, what admission does not ask for (read-only root
//!   filesystem, probes, requests and limits, pinned images, token mounts);
//! - `manifests`: for a built object set, as `kubectl kustomize` outputs
//!   it (`stack policy`, run by `scripts/checks/35-kubernetes.sh`).

pub mod manifests;
pub mod pods;
