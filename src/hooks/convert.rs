//! JSON ↔ rhai `Dynamic`: the context goes in as nested maps, a result comes back as JSON.

use rhai::{Array, Dynamic, ImmutableString, Map};
use serde_json::{Number, Value};

/// JSON → rhai. `null` is `()`, integers that fit are `INT`, other numbers `FLOAT`.
pub fn to_dynamic(value: &Value) -> Dynamic {
    match value {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Dynamic::from_int(i),
            None => Dynamic::from_float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Dynamic::from(ImmutableString::from(s.as_str())),
        Value::Array(items) => Dynamic::from_array(items.iter().map(to_dynamic).collect::<Array>()),
        Value::Object(fields) => Dynamic::from_map(
            fields
                .iter()
                .map(|(k, v)| (k.as_str().into(), to_dynamic(v)))
                .collect::<Map>(),
        ),
    }
}

/// rhai → JSON. Fails (naming the path inside the value) on anything JSON cannot hold: a function
/// pointer, a range, a non-finite float.
pub fn to_json(value: &Dynamic) -> Result<Value, String> {
    to_json_at(value, "", &Sizes::UNLIMITED)
}

/// Size limits a converted value must respect (rhai does not check a value a function returns).
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub string: usize,
    pub array: usize,
    pub map: usize,
}

impl Sizes {
    pub const UNLIMITED: Sizes = Sizes {
        string: usize::MAX,
        array: usize::MAX,
        map: usize::MAX,
    };
}

/// `to_json`, refusing any string, array or map larger than `sizes`.
pub fn to_json_within(value: &Dynamic, sizes: &Sizes) -> Result<Value, String> {
    to_json_at(value, "", sizes)
}

fn to_json_at(value: &Dynamic, path: &str, sizes: &Sizes) -> Result<Value, String> {
    let here = || {
        if path.is_empty() {
            "the result".to_string()
        } else {
            format!("`{path}`")
        }
    };
    if value.is_unit() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Ok(i) = value.as_int() {
        return Ok(Value::Number(i.into()));
    }
    if let Ok(f) = value.as_float() {
        return Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| format!("{} is {f}, which JSON cannot hold", here()));
    }
    if let Ok(c) = value.as_char() {
        return Ok(Value::String(c.to_string()));
    }
    if value.is_string() {
        let s = value.clone().into_immutable_string().unwrap_or_default();
        if s.len() > sizes.string {
            return Err(format!(
                "{} is over the limit: length of string (at most {} bytes)",
                here(),
                sizes.string
            ));
        }
        return Ok(Value::String(s.to_string()));
    }
    if value.is_array() {
        let items = value
            .read_lock::<Array>()
            .map(|a| a.clone())
            .unwrap_or_default();
        if items.len() > sizes.array {
            return Err(format!(
                "{} is over the limit: size of array (at most {} items)",
                here(),
                sizes.array
            ));
        }
        return items
            .iter()
            .enumerate()
            .map(|(i, item)| to_json_at(item, &format!("{path}[{i}]"), sizes))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    if value.is_map() {
        let fields = value
            .read_lock::<Map>()
            .map(|m| m.clone())
            .unwrap_or_default();
        if fields.len() > sizes.map {
            return Err(format!(
                "{} is over the limit: size of object map (at most {} entries)",
                here(),
                sizes.map
            ));
        }
        let mut out = serde_json::Map::new();
        for (k, v) in &fields {
            let child = if path.is_empty() {
                k.to_string()
            } else {
                format!("{path}.{k}")
            };
            out.insert(k.to_string(), to_json_at(v, &child, sizes)?);
        }
        return Ok(Value::Object(out));
    }
    Err(format!(
        "{} is a {}, which JSON cannot hold (use a string, number, bool, array or map)",
        here(),
        value.type_name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_json() {
        let v =
            json!({"a": [1, 2.5, "x", null, true], "b": {"c": -7}, "big": 18446744073709551615u64});
        let back = to_json(&to_dynamic(&v)).unwrap();
        assert_eq!(back["a"], json!([1, 2.5, "x", null, true]));
        assert_eq!(back["b"], json!({"c": -7}));
        assert_eq!(back["big"].as_f64(), Some(18446744073709551615u64 as f64));
    }

    #[test]
    fn refuses_what_json_cannot_hold() {
        let err = to_json(&Dynamic::from_float(f64::INFINITY)).unwrap_err();
        assert!(err.contains("JSON cannot hold"), "{err}");
        let big = to_dynamic(&serde_json::json!({"a": {"b": [1, 2, 3]}}));
        let sizes = Sizes {
            string: 10,
            array: 2,
            map: 10,
        };
        let err = to_json_within(&big, &sizes).unwrap_err();
        assert_eq!(
            err,
            "`a.b` is over the limit: size of array (at most 2 items)"
        );
    }
}
