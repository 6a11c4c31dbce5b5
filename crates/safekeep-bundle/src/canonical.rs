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
    write(value, &mut out, None)?;
    Ok(out)
}

/// A member given already in canonical form: the path of object keys that leads to it,
/// and its bytes. Why: a list of 50,000 small objects (an export's exhibits) costs
/// ≈ 600 bytes an object as a `Value`, ≈ 60 as canonical text built a piece at a time
/// with [`push_str`].
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a> {
    /// Keys from the top object down to the member, which must exist (its value in the
    /// `Value` is ignored).
    pub path: &'a [&'a str],
    /// The member's canonical bytes; the caller vouches that they are canonical.
    pub bytes: &'a [u8],
}

/// Returns the canonical bytes of `value` with one member replaced by `raw`.
pub fn to_bytes_with(value: &Value, raw: Raw<'_>) -> Result<Vec<u8>, NotCanonical> {
    let mut out = Vec::with_capacity(256 + raw.bytes.len());
    write(value, &mut out, Some(raw))?;
    Ok(out)
}

/// Appends a string in canonical form (quoted and escaped).
pub fn push_str(s: &str, out: &mut Vec<u8>) {
    write_str(s, out);
}

fn write(value: &Value, out: &mut Vec<u8>, raw: Option<Raw<'_>>) -> Result<(), NotCanonical> {
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
                write(item, out, None)?;
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
                match raw {
                    Some(Raw { path: [first], bytes }) if *first == k.as_str() => {
                        out.extend_from_slice(bytes)
                    }
                    Some(Raw {
                        path: [first, rest @ ..],
                        bytes,
                    }) if *first == k.as_str() => {
                        write(v, out, Some(Raw { path: rest, bytes }))?;
                    }
                    _ => write(v, out, None)?,
                }
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
    fn a_raw_member_takes_the_place_of_its_value() {
        let v = json!({"b": 1, "data": {"list": null, "a": "x"}});
        let mut list = b"[".to_vec();
        push_str("é\"", &mut list);
        list.push(b']');
        let raw = Raw {
            path: &["data", "list"],
            bytes: &list,
        };
        let s = String::from_utf8(to_bytes_with(&v, raw).expect("canonical")).expect("utf8");
        assert_eq!(s, r#"{"b":1,"data":{"a":"x","list":["é\""]}}"#);
        let same = json!({"b": 1, "data": {"list": ["é\""], "a": "x"}});
        assert_eq!(s.as_bytes(), to_bytes(&same).expect("canonical"));
    }

    #[test]
    fn refuses_floats() {
        assert!(to_bytes(&json!({"a": 1.5})).is_err());
    }
}
