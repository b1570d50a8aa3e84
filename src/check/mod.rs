//! Lints over a compiled template: one lint per file, stable codes, documented.
