//! JSON text in the shape Java Paimon writes it (Jackson's default pretty printer:
//! two-space indent, `" : "` separators, `[ a, b ]` arrays, `{ }` for empty objects).
//!
//! Any valid JSON is accepted on read; writing Java's shape keeps files diff-friendly next to
//! Java-written ones.

use serde_json::Value;

/// Serializes a JSON value the way Jackson's `DefaultPrettyPrinter` does.
pub fn to_pretty_string(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, 0);
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn write_value(out: &mut String, v: &Value, level: usize) {
    match v {
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{ }");
                return;
            }
            out.push_str("{\n");
            for (i, (k, val)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                indent(out, level + 1);
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(" : ");
                write_value(out, val, level + 1);
            }
            out.push('\n');
            indent(out, level);
            out.push('}');
        }
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[ ]");
                return;
            }
            out.push_str("[ ");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item, level);
            }
            out.push_str(" ]");
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jackson_shape() {
        let v: Value =
            serde_json::from_str(r#"{"a":1,"b":[{"x":"y"},{"z":[]}],"c":{},"d":[1,2]}"#).unwrap();
        assert_eq!(
            to_pretty_string(&v),
            "{\n  \"a\" : 1,\n  \"b\" : [ {\n    \"x\" : \"y\"\n  }, {\n    \"z\" : [ ]\n  } ],\n  \"c\" : { },\n  \"d\" : [ 1, 2 ]\n}"
        );
    }
}
