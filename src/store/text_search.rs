//! Searching text a person typed: part of a value, whatever its case, with
//! the typed text always a bound parameter (`LIKE … ESCAPE '\'`).

use diesel::prelude::*;
use diesel::sql_types::Text;

#[declare_sql_function]
extern "SQL" {
    /// SQL `lower` (ASCII on SQLite, which is what emails and ids hold).
    fn lower(text: Text) -> Text;
}

/// A `LIKE` pattern (escaped with `\`) for lower-case text containing
/// `part`: the wildcards a person types match only themselves.
pub fn containing(part: &str) -> String {
    let mut pattern = String::from("%");
    for c in part.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_typed_by_a_person_match_only_themselves() {
        assert_eq!(containing(" A_b%c\\ "), "%a\\_b\\%c\\\\%");
    }
}
