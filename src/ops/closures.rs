//! Extra closed days given to one workflow when it is created (`rwf new --closed 2027-03-04:reason`):
//! parsed, merged into the spec (sorted, one per date), and so persisted with it.

use crate::spec::{Holiday, WorkflowSpec};
use chrono::NaiveDate;

/// The reason recorded when `--closed` gives none.
pub const DEFAULT_REASON: &str = "closed";

/// `DATE[:reason]` → a closure. The error names the value and the expected form.
pub fn parse(given: &str) -> Result<Holiday, String> {
    let (date, reason) = match given.split_once(':') {
        Some((d, r)) => (d.trim(), r.trim()),
        None => (given.trim(), ""),
    };
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
        format!("`--closed {given}`: `{date}` is not a date (write YYYY-MM-DD[:reason], e.g. `--closed 2027-03-04:office move`)")
    })?;
    if reason.chars().any(char::is_control) {
        return Err(format!(
            "`--closed {given}`: the reason has a control character"
        ));
    }
    Ok(Holiday {
        date,
        name: if reason.is_empty() {
            DEFAULT_REASON.to_string()
        } else {
            reason.to_string()
        },
    })
}

/// Parses every `--closed` value.
pub fn parse_all(given: &[String]) -> Result<Vec<Holiday>, String> {
    given.iter().map(|g| parse(g)).collect()
}

/// Adds `closures` to the spec's own: sorted by date; on the same date the later one's reason wins.
pub fn apply(spec: &mut WorkflowSpec, closures: &[Holiday]) {
    for c in closures {
        match spec.closures.binary_search_by(|h| h.date.cmp(&c.date)) {
            Ok(i) => spec.closures[i].name = c.name.clone(),
            Err(i) => spec.closures.insert(i, c.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_with_and_without_a_reason() {
        let c = parse("2027-03-04:Office move").unwrap();
        assert_eq!(c.date.to_string(), "2027-03-04");
        assert_eq!(c.name, "Office move");
        assert_eq!(parse("2027-03-05").unwrap().name, "closed");
        let e = parse("2027-02-30:x").unwrap_err();
        assert!(e.contains("`2027-02-30` is not a date"), "{e}");
        let mut spec = WorkflowSpec::new("t");
        apply(
            &mut spec,
            &parse_all(&[
                "2027-03-05".into(),
                "2027-03-04:a".into(),
                "2027-03-05:b".into(),
            ])
            .unwrap(),
        );
        let got: Vec<String> = spec
            .closures
            .iter()
            .map(|h| format!("{} {}", h.date, h.name))
            .collect();
        assert_eq!(got, ["2027-03-04 a", "2027-03-05 b"]);
    }
}
