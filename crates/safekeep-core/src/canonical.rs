//! Canonical JSON: the exact bytes that audit events are hashed over.
//!
//! Specified in `docs/vault.md` § "Canonical event encoding": UTF-8 JSON with no
//! insignificant whitespace, object members sorted by the bytes of their keys, strings
//! escaped as serde_json (and Python's `json.dumps(..., ensure_ascii=False)`) escape them,
//! integers only. Sorting is done here rather than trusting `serde_json::Map`'s order,
//! which changes if any crate in the build enables serde_json's `preserve_order`.

use serde_json::Value;

/// Returned when a value cannot be put in canonical form.
#[derive(Debug, thiserror::Error)]
#[error("a number in the event is not an integer ({0}); events hold integers only")]
pub struct NotCanonical(pub String);

/// Returns the canonical bytes of a JSON value.
pub fn to_bytes(value: &Value) -> Result<Vec<u8>, NotCanonical> {
    let mut out = Vec::with_capacity(256);
    write(value, &mut out)?;
    Ok(out)
}

fn write(value: &Value, out: &mut Vec<u8>) -> Result<(), NotCanonical> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if n.is_f64() {
                return Err(NotCanonical(n.to_string()));
            }
            out.extend_from_slice(n.to_string().as_bytes());
        }
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(k, out);
                out.push(b':');
                write(v, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_str(s: &str, out: &mut Vec<u8>) {
    // serde_json's string escaping is the specified one; serialising a &str cannot fail.
    let escaped = serde_json::to_string(s).unwrap_or_default();
    out.extend_from_slice(escaped.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_and_strips_whitespace() {
        let v = json!({"b": 1, "a": {"z": [1, "x\"\n\u{7}é"], "y": null}, "A": true});
        let s = String::from_utf8(to_bytes(&v).expect("canonical")).expect("utf8");
        assert_eq!(s, r#"{"A":true,"a":{"y":null,"z":[1,"x\"\n\u0007é"]},"b":1}"#);
    }

    #[test]
    fn refuses_floats() {
        assert!(to_bytes(&json!({"a": 1.5})).is_err());
    }
}
