//! rhai hooks: custom policy at fixed points, sandboxed and deterministic (`now` is passed in).
