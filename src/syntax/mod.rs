//! The `.rwf` parser: pest grammar → AST with spans. Never panics; reports every error it can.
