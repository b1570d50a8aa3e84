//! Shared test helpers.

pub mod expect;
