//! `Amount`: a duration written literally (`2 weeks`) or as a `duration` param (`lead`), with its sign.
//!
//! Serialised as a string: a `Span` (`14d`, `-3bd`) or a param reference (`${lead}`, `-${lead}`). The
//! reference stays in a bound spec, like an anchor param: its value is read from the spec's bindings
//! (else the param's default) where it is used, so `rwf retarget --set lead=3w` moves every use at once.

use super::{ParamType, Span, WorkflowSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Longest value a `duration` param may take: ten years (nominally, a month being 30 days).
pub const MAX_PARAM_DAYS: i64 = 3660;

#[derive(Debug, Clone, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(with = "String")]
pub enum Amount {
    Span(Span),
    /// A `duration` param's value, negated when `negate` (`release - lead`).
    Param {
        param: String,
        negate: bool,
    },
}

/// Why an amount's param has no usable value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountError {
    Unbound(String),
    /// The param and its value as text.
    Invalid(String, String),
}

impl From<Span> for Amount {
    fn from(s: Span) -> Amount {
        Amount::Span(s)
    }
}

impl Amount {
    pub fn param(name: impl Into<String>) -> Amount {
        Amount::Param {
            param: name.into(),
            negate: false,
        }
    }
    pub fn negate(self) -> Amount {
        match self {
            Amount::Span(s) => Amount::Span(s.negate()),
            Amount::Param { param, negate } => Amount::Param {
                param,
                negate: !negate,
            },
        }
    }
    /// The param it reads, if any.
    pub fn param_name(&self) -> Option<&str> {
        match self {
            Amount::Param { param, .. } => Some(param),
            Amount::Span(_) => None,
        }
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Amount::Span(s) => write!(f, "{s}"),
            Amount::Param { param, negate } => {
                write!(f, "{}${{{param}}}", if *negate { "-" } else { "" })
            }
        }
    }
}

impl std::str::FromStr for Amount {
    type Err = super::SpanParseError;
    fn from_str(s: &str) -> Result<Amount, Self::Err> {
        let (negate, rest) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s),
        };
        match rest.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
            Some(name) if !name.is_empty() => Ok(Amount::Param {
                param: name.to_string(),
                negate,
            }),
            _ => s.parse().map(Amount::Span),
        }
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A `duration` param value that is usable as an amount: not negative, at most `MAX_PARAM_DAYS`.
pub fn check_param_span(span: Span) -> Result<Span, String> {
    if span.amount < 0 {
        Err(format!(
            "`{span}` is negative; a duration param is an amount, and the template's `+` / `-` (or `before` / `after`) gives the direction"
        ))
    } else if span.nominal_seconds() > MAX_PARAM_DAYS * 86_400 {
        Err(format!(
            "`{}` is longer than ten years; a schedule offset that far is a typo",
            span.human()
        ))
    } else {
        Ok(span)
    }
}

impl WorkflowSpec {
    /// The value of a `duration` param: its binding, else its default.
    pub fn duration_param(&self, name: &str) -> Result<Span, AmountError> {
        let value = match self.bindings.get(name) {
            Some(v) if !v.is_null() => Some(v),
            _ => self
                .params
                .iter()
                .find(|p| p.name == name && p.ty == ParamType::Duration)
                .and_then(|p| p.default.as_ref()),
        };
        let text = value
            .ok_or_else(|| AmountError::Unbound(name.to_string()))?
            .as_str()
            .unwrap_or_default();
        text.parse::<Span>()
            .ok()
            .and_then(|s| check_param_span(s).ok())
            .ok_or_else(|| AmountError::Invalid(name.to_string(), text.to_string()))
    }

    /// The span an amount stands for in this spec.
    pub fn span_of(&self, amount: &Amount) -> Result<Span, AmountError> {
        match amount {
            Amount::Span(s) => Ok(*s),
            Amount::Param { param, negate } => {
                let s = self.duration_param(param)?;
                Ok(if *negate { s.negate() } else { s })
            }
        }
    }
}

impl AmountError {
    /// A sentence for a diagnostic about `owner` (a task key).
    pub fn message(&self, owner: &str) -> String {
        match self {
            AmountError::Unbound(p) => {
                format!("task `{owner}` uses duration param `{p}`, which is not bound")
            }
            AmountError::Invalid(p, v) => format!(
                "task `{owner}`: duration param `{p}` = `{v}` is not a duration of zero to ten years"
            ),
        }
    }
    /// How to fix it.
    pub fn help(&self) -> String {
        let p = match self {
            AmountError::Unbound(p) | AmountError::Invalid(p, _) => p,
        };
        format!("give it a value: `--set {p}=2w` (or `3bd`, `2 weeks`, `3 business days`)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ParamSpec, Unit};

    #[test]
    fn round_trips_as_text() {
        for text in ["14d", "-3bd", "${lead}", "-${lead}"] {
            let a: Amount = text.parse().unwrap();
            assert_eq!(a.to_string(), text);
        }
        assert_eq!(Amount::param("lead").negate().to_string(), "-${lead}");
        assert!("${}".parse::<Amount>().is_err());
    }

    #[test]
    fn reads_the_binding_else_the_default() {
        let mut spec = WorkflowSpec::new("t");
        spec.params.push(ParamSpec {
            name: "lead".into(),
            ty: ParamType::Duration,
            default: Some("3bd".into()),
            description: None,
        });
        let lead = Amount::param("lead").negate();
        assert_eq!(spec.span_of(&lead), Ok(Span::new(-3, Unit::BusinessDays)));
        spec.bindings.insert("lead".into(), "2w".into());
        assert_eq!(spec.span_of(&lead), Ok(Span::new(-14, Unit::Days)));
        spec.bindings.insert("lead".into(), "-2d".into());
        assert!(matches!(spec.span_of(&lead), Err(AmountError::Invalid(..))));
        assert_eq!(
            spec.span_of(&Amount::param("other")),
            Err(AmountError::Unbound("other".into()))
        );
        assert!(check_param_span(Span::new(11, Unit::Months)).is_ok());
        assert!(check_param_span(Span::new(999_999, Unit::Weeks)).is_err());
    }
}
