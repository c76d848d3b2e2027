//! Reading Avro `Value`s by field name, as Java and pypaimon do (spec §4.1): fields are looked
//! up by name in the writer's record, unions are unwrapped, missing fields read as absent.

use apache_avro::types::Value;

use crate::error::{Error, Result};

/// A decoded record: its fields by name.
pub(crate) struct Rec<'a> {
    fields: &'a [(String, Value)],
    what: &'static str,
}

/// Unwraps unions (any depth) to the inner value.
pub(crate) fn unwrap(v: &Value) -> &Value {
    match v {
        Value::Union(_, inner) => unwrap(inner),
        other => other,
    }
}

impl<'a> Rec<'a> {
    pub(crate) fn new(v: &'a Value, what: &'static str) -> Result<Self> {
        match unwrap(v) {
            Value::Record(fields) => Ok(Rec { fields, what }),
            other => Err(Error::corrupt(
                what,
                format!("expected a record, found {}", kind(other)),
            )),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&'a Value> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| unwrap(v))
            .filter(|v| !matches!(v, Value::Null))
    }

    fn missing(&self, name: &str) -> Error {
        Error::corrupt(
            self.what,
            format!("required field {name} is missing or null"),
        )
    }

    pub(crate) fn record(&self, name: &str) -> Result<Rec<'a>> {
        let v = self.get(name).ok_or_else(|| self.missing(name))?;
        Rec::new(v, self.what)
    }

    pub(crate) fn opt_i64(&self, name: &str) -> Result<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Long(v))
            | Some(Value::TimestampMillis(v))
            | Some(Value::TimestampMicros(v)) => Ok(Some(*v)),
            Some(Value::Int(v)) => Ok(Some(*v as i64)),
            Some(other) => Err(Error::corrupt(
                self.what,
                format!("field {name}: expected a long, found {}", kind(other)),
            )),
        }
    }

    pub(crate) fn i64(&self, name: &str) -> Result<i64> {
        self.opt_i64(name)?.ok_or_else(|| self.missing(name))
    }

    pub(crate) fn opt_i32(&self, name: &str) -> Result<Option<i32>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Int(v)) => Ok(Some(*v)),
            Some(Value::Long(v)) => i32::try_from(*v).map(Some).map_err(|_| {
                Error::corrupt(self.what, format!("field {name}: {v} does not fit an int"))
            }),
            Some(other) => Err(Error::corrupt(
                self.what,
                format!("field {name}: expected an int, found {}", kind(other)),
            )),
        }
    }

    pub(crate) fn i32(&self, name: &str) -> Result<i32> {
        self.opt_i32(name)?.ok_or_else(|| self.missing(name))
    }

    pub(crate) fn opt_string(&self, name: &str) -> Result<Option<String>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) | Some(Value::Enum(_, s)) => Ok(Some(s.clone())),
            Some(Value::Bytes(b)) => String::from_utf8(b.clone())
                .map(Some)
                .map_err(|_| Error::corrupt(self.what, format!("field {name} is not UTF-8"))),
            Some(other) => Err(Error::corrupt(
                self.what,
                format!("field {name}: expected a string, found {}", kind(other)),
            )),
        }
    }

    pub(crate) fn string(&self, name: &str) -> Result<String> {
        self.opt_string(name)?.ok_or_else(|| self.missing(name))
    }

    pub(crate) fn opt_bytes(&self, name: &str) -> Result<Option<Vec<u8>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bytes(b)) | Some(Value::Fixed(_, b)) => Ok(Some(b.clone())),
            Some(other) => Err(Error::corrupt(
                self.what,
                format!("field {name}: expected bytes, found {}", kind(other)),
            )),
        }
    }

    pub(crate) fn bytes(&self, name: &str) -> Result<Vec<u8>> {
        self.opt_bytes(name)?.ok_or_else(|| self.missing(name))
    }

    pub(crate) fn opt_array(&self, name: &str) -> Result<Option<&'a [Value]>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(other) => Err(Error::corrupt(
                self.what,
                format!("field {name}: expected an array, found {}", kind(other)),
            )),
        }
    }

    pub(crate) fn opt_string_array(&self, name: &str) -> Result<Option<Vec<String>>> {
        match self.opt_array(name)? {
            None => Ok(None),
            Some(items) => items
                .iter()
                .map(|v| match unwrap(v) {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(Error::corrupt(
                        self.what,
                        format!("field {name}: expected strings, found {}", kind(other)),
                    )),
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
        }
    }
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Boolean(_) => "boolean",
        Value::Int(_) => "int",
        Value::Long(_) => "long",
        Value::Float(_) => "float",
        Value::Double(_) => "double",
        Value::Bytes(_) => "bytes",
        Value::String(_) => "string",
        Value::Fixed(..) => "fixed",
        Value::Enum(..) => "enum",
        Value::Union(..) => "union",
        Value::Array(_) => "array",
        Value::Map(_) => "map",
        Value::Record(_) => "record",
        _ => "logical value",
    }
}

/// `["null", T]` union with a value.
pub(crate) fn some(v: Value) -> Value {
    Value::Union(1, Box::new(v))
}

/// `["null", T]` union holding null.
pub(crate) fn none() -> Value {
    Value::Union(0, Box::new(Value::Null))
}

pub(crate) fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
    match v {
        Some(x) => some(f(x)),
        None => none(),
    }
}
