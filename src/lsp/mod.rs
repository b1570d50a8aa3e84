//! `rwf lsp`: a language server over stdio with the same checker as `rwf check`.
