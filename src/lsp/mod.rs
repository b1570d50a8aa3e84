//! `rwf lsp`: a language server over stdio with the same checker as `rwf check`.
//!
//! Diagnostics come from `check::check_source` on every open, change and save (positions in UTF-16).
//! Navigation, symbols, hover and completion read a forgiving token index (`index`), so they keep
//! working while the file is half-typed. Every message is handled in isolation: a panic in one
//! handler becomes an error response (or a log line for notifications) and the server stays up.

mod completion;
mod condition;
mod diagnostics;
mod document;
mod format;
mod hover;
mod include;
mod index;
pub mod keywords;
mod lex;
mod navigate;
mod position;
mod server;
mod symbols;
mod word_doc;

pub use server::{serve, serve_stdio};
