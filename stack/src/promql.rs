//! PromQL helpers.
