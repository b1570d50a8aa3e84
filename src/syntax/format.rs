//! Formatter placeholder.
use super::ast;
pub fn format(_: &str, _: &ast::File) -> String {
    String::new()
}
