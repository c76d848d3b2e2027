//! Paimon data types, their SQL spelling and their JSON form in schema files (spec §2.2–2.3).
//!
//! Atomic types are written as SQL strings (`"DECIMAL(10, 2) NOT NULL"`); ARRAY, MAP, MULTISET
//! and ROW are JSON objects whose `type` member carries the nullability. The parser accepts
//! every spelling Java and pypaimon write (`INTEGER`, `TIMESTAMP_LTZ(6)`, `DEC`, lower case, ...)
//! and the writer emits exactly Java's canonical spelling.
//!
//! Reference: `org.apache.paimon.types.DataTypeJsonParser` / `DataType#asSQLString` (Paimon 0.9+).

use std::fmt;

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};

/// Largest VARCHAR/VARBINARY length; at this length Java writes `STRING` / `BYTES`.
pub const MAX_VAR_LEN: u32 = i32::MAX as u32;

/// The kind of a data type, without nullability.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeKind {
    /// BOOLEAN
    Boolean,
    /// TINYINT (8-bit)
    TinyInt,
    /// SMALLINT (16-bit)
    SmallInt,
    /// INT (32-bit)
    Int,
    /// BIGINT (64-bit)
    BigInt,
    /// FLOAT (binary32)
    Float,
    /// DOUBLE (binary64)
    Double,
    /// DECIMAL(precision, scale)
    Decimal {
        /// 1..=38
        precision: u8,
        /// 0..=precision
        scale: u8,
    },
    /// CHAR(n)
    Char(u32),
    /// VARCHAR(n); `STRING` is VARCHAR(2147483647)
    VarChar(u32),
    /// BINARY(n)
    Binary(u32),
    /// VARBINARY(n); `BYTES` is VARBINARY(2147483647)
    VarBinary(u32),
    /// DATE (days since epoch)
    Date,
    /// TIME(p) (milliseconds of day)
    Time(u8),
    /// TIMESTAMP(p) without time zone
    Timestamp(u8),
    /// TIMESTAMP(p) WITH LOCAL TIME ZONE (an instant)
    LocalZonedTimestamp(u8),
    /// VARIANT (recognised, not supported for data)
    Variant,
    /// BLOB (recognised, not supported for data)
    Blob,
    /// ARRAY<element>
    Array(Box<DataType>),
    /// MAP<key, value>
    Map(Box<DataType>, Box<DataType>),
    /// MULTISET<element> (stored like MAP<element, INT NOT NULL>)
    Multiset(Box<DataType>),
    /// ROW<fields>
    Row(Vec<DataField>),
}

/// A data type with its nullability.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DataType {
    /// What values the type holds.
    pub kind: TypeKind,
    /// Whether null is allowed.
    pub nullable: bool,
}

/// A named, id-carrying field of a row type (a table column or a nested ROW field).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DataField {
    /// Field id, unique across all nesting levels of a table.
    pub id: i32,
    /// Field name (case-sensitive).
    pub name: String,
    /// Field type.
    pub data_type: DataType,
    /// Column comment.
    pub description: Option<String>,
    /// SQL literal default value (Paimon ≥1.2); kept for round trips.
    pub default_value: Option<String>,
}

impl DataField {
    /// A field without comment or default.
    pub fn new(id: i32, name: impl Into<String>, data_type: DataType) -> Self {
        DataField {
            id,
            name: name.into(),
            data_type,
            description: None,
            default_value: None,
        }
    }

    /// Sets the column comment.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

impl DataType {
    /// A nullable type of the given kind.
    pub fn nullable(kind: TypeKind) -> Self {
        DataType {
            kind,
            nullable: true,
        }
    }

    /// A NOT NULL type of the given kind.
    pub fn not_null(kind: TypeKind) -> Self {
        DataType {
            kind,
            nullable: false,
        }
    }

    /// The same type with the given nullability.
    pub fn with_nullable(&self, nullable: bool) -> Self {
        DataType {
            kind: self.kind.clone(),
            nullable,
        }
    }

    /// STRING (VARCHAR of maximal length).
    pub fn string() -> Self {
        Self::nullable(TypeKind::VarChar(MAX_VAR_LEN))
    }

    /// BIGINT.
    pub fn bigint() -> Self {
        Self::nullable(TypeKind::BigInt)
    }

    /// INT.
    pub fn int() -> Self {
        Self::nullable(TypeKind::Int)
    }

    /// Whether this is ARRAY, MAP, MULTISET or ROW.
    pub fn is_nested(&self) -> bool {
        matches!(
            self.kind,
            TypeKind::Array(_) | TypeKind::Map(..) | TypeKind::Multiset(_) | TypeKind::Row(_)
        )
    }

    /// Whether values are strings (CHAR, VARCHAR).
    pub fn is_string(&self) -> bool {
        matches!(self.kind, TypeKind::Char(_) | TypeKind::VarChar(_))
    }

    /// Parses a type in SQL syntax, atomic or nested (`ARRAY<INT>`, `ROW<a INT, b STRING>`).
    /// Nested ROW fields get id -1; [`crate::schema::assign_field_ids`] numbers them.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the offending token when the text is not a type.
    pub fn parse(text: &str) -> Result<DataType> {
        let tokens = tokenize(text)?;
        let mut parser = Parser {
            tokens,
            pos: 0,
            text,
        };
        let ty = parser.parse_type()?;
        if parser.pos != parser.tokens.len() {
            return Err(parser.error("unexpected text after the type"));
        }
        Ok(ty)
    }

    /// Parses the JSON form used in schema files: a string for atomic types, an object for
    /// nested ones.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when the JSON does not describe a type.
    pub fn from_json(value: &Value) -> Result<DataType> {
        match value {
            Value::String(s) => {
                DataType::parse(s).map_err(|e| Error::corrupt("schema", e.to_string()))
            }
            Value::Object(obj) => {
                let type_str = obj.get("type").and_then(Value::as_str).ok_or_else(|| {
                    Error::corrupt("schema", "nested type without a 'type' string")
                })?;
                let upper = type_str.trim().to_ascii_uppercase();
                let (name, nullable) = match upper.strip_suffix("NOT NULL") {
                    Some(head) => (head.trim().to_string(), false),
                    None => (upper.trim().to_string(), true),
                };
                let member = |key: &str| -> Result<DataType> {
                    let v = obj.get(key).ok_or_else(|| {
                        Error::corrupt("schema", format!("{name} type without '{key}'"))
                    })?;
                    DataType::from_json(v)
                };
                let kind = match name.as_str() {
                    "ARRAY" => TypeKind::Array(Box::new(member("element")?)),
                    "MULTISET" => TypeKind::Multiset(Box::new(member("element")?)),
                    "MAP" => TypeKind::Map(Box::new(member("key")?), Box::new(member("value")?)),
                    "ROW" => {
                        let fields =
                            obj.get("fields").and_then(Value::as_array).ok_or_else(|| {
                                Error::corrupt("schema", "ROW type without a 'fields' array")
                            })?;
                        TypeKind::Row(
                            fields
                                .iter()
                                .map(DataField::from_json)
                                .collect::<Result<Vec<_>>>()?,
                        )
                    }
                    "VECTOR" => return Err(Error::unsupported("VECTOR type")),
                    other => {
                        return Err(Error::corrupt(
                            "schema",
                            format!("unknown nested type '{other}'"),
                        ))
                    }
                };
                Ok(DataType { kind, nullable })
            }
            other => Err(Error::corrupt(
                "schema",
                format!("a data type must be a string or an object, found {other}"),
            )),
        }
    }

    /// The JSON form Java writes: a string for atomic types, an object for nested ones.
    pub fn to_json(&self) -> Value {
        let suffix = if self.nullable { "" } else { " NOT NULL" };
        match &self.kind {
            TypeKind::Array(e) => json!({"type": format!("ARRAY{suffix}"), "element": e.to_json()}),
            TypeKind::Multiset(e) => {
                json!({"type": format!("MULTISET{suffix}"), "element": e.to_json()})
            }
            TypeKind::Map(k, v) => {
                json!({"type": format!("MAP{suffix}"), "key": k.to_json(), "value": v.to_json()})
            }
            TypeKind::Row(fields) => json!({
                "type": format!("ROW{suffix}"),
                "fields": fields.iter().map(DataField::to_json).collect::<Vec<_>>()
            }),
            _ => Value::String(self.to_string()),
        }
    }
}

impl DataField {
    /// Parses one field object of a schema file.
    ///
    /// # Errors
    /// [`Error::Corrupt`] when a member is missing or malformed.
    pub fn from_json(value: &Value) -> Result<DataField> {
        let obj = value
            .as_object()
            .ok_or_else(|| Error::corrupt("schema", "a field must be a JSON object"))?;
        let id = obj
            .get("id")
            .and_then(Value::as_i64)
            .ok_or_else(|| Error::corrupt("schema", "field without an integer 'id'"))?;
        let name = obj
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::corrupt("schema", format!("field {id} without a 'name'")))?;
        let data_type = DataType::from_json(obj.get("type").ok_or_else(|| {
            Error::corrupt("schema", format!("field '{name}' without a 'type'"))
        })?)?;
        let id = i32::try_from(id)
            .map_err(|_| Error::corrupt("schema", format!("field id {id} out of range")))?;
        Ok(DataField {
            id,
            name: name.to_string(),
            data_type,
            description: obj
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
            default_value: obj
                .get("defaultValue")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }

    /// The JSON object Java writes for a field (no `description`/`defaultValue` when absent).
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("id".into(), json!(self.id));
        obj.insert("name".into(), json!(self.name));
        obj.insert("type".into(), self.data_type.to_json());
        if let Some(d) = &self.description {
            obj.insert("description".into(), json!(d));
        }
        if let Some(d) = &self.default_value {
            obj.insert("defaultValue".into(), json!(d));
        }
        Value::Object(obj)
    }
}

impl fmt::Display for DataType {
    /// Java's `asSQLString`: `DECIMAL(10, 2) NOT NULL`, `ARRAY<INT>`, ``ROW<`a` INT>``.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            TypeKind::Boolean => f.write_str("BOOLEAN")?,
            TypeKind::TinyInt => f.write_str("TINYINT")?,
            TypeKind::SmallInt => f.write_str("SMALLINT")?,
            TypeKind::Int => f.write_str("INT")?,
            TypeKind::BigInt => f.write_str("BIGINT")?,
            TypeKind::Float => f.write_str("FLOAT")?,
            TypeKind::Double => f.write_str("DOUBLE")?,
            TypeKind::Decimal { precision, scale } => write!(f, "DECIMAL({precision}, {scale})")?,
            TypeKind::Char(n) => write!(f, "CHAR({n})")?,
            TypeKind::VarChar(n) if *n == MAX_VAR_LEN => f.write_str("STRING")?,
            TypeKind::VarChar(n) => write!(f, "VARCHAR({n})")?,
            TypeKind::Binary(n) => write!(f, "BINARY({n})")?,
            TypeKind::VarBinary(n) if *n == MAX_VAR_LEN => f.write_str("BYTES")?,
            TypeKind::VarBinary(n) => write!(f, "VARBINARY({n})")?,
            TypeKind::Date => f.write_str("DATE")?,
            TypeKind::Time(p) => write!(f, "TIME({p})")?,
            TypeKind::Timestamp(p) => write!(f, "TIMESTAMP({p})")?,
            TypeKind::LocalZonedTimestamp(p) => write!(f, "TIMESTAMP({p}) WITH LOCAL TIME ZONE")?,
            TypeKind::Variant => f.write_str("VARIANT")?,
            TypeKind::Blob => f.write_str("BLOB")?,
            TypeKind::Array(e) => write!(f, "ARRAY<{e}>")?,
            TypeKind::Multiset(e) => write!(f, "MULTISET<{e}>")?,
            TypeKind::Map(k, v) => write!(f, "MAP<{k}, {v}>")?,
            TypeKind::Row(fields) => {
                f.write_str("ROW<")?;
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{}` {}", field.name.replace('`', "``"), field.data_type)?;
                    if let Some(d) = &field.description {
                        write!(f, " '{}'", d.replace('\'', "''"))?;
                    }
                }
                f.write_str(">")?;
            }
        }
        if !self.nullable {
            f.write_str(" NOT NULL")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Parser

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Number(u64),
    Str(String),
    Punct(char),
}

fn tokenize(text: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            let n = s.parse::<u64>().map_err(|_| {
                Error::invalid(
                    "data type",
                    format!("number '{s}' is too large in '{text}'"),
                )
            })?;
            out.push(Token::Number(n));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect()));
        } else if c == '`' || c == '"' {
            let quote = c;
            i += 1;
            let mut s = String::new();
            loop {
                match chars.get(i) {
                    None => {
                        return Err(Error::invalid(
                            "data type",
                            format!("unterminated quoted name in '{text}'"),
                        ))
                    }
                    Some(&ch) if ch == quote => {
                        if chars.get(i + 1) == Some(&quote) {
                            s.push(quote);
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            out.push(Token::Quoted(s));
        } else if c == '\'' {
            i += 1;
            let mut s = String::new();
            loop {
                match chars.get(i) {
                    None => {
                        return Err(Error::invalid(
                            "data type",
                            format!("unterminated string in '{text}'"),
                        ))
                    }
                    Some('\'') => {
                        if chars.get(i + 1) == Some(&'\'') {
                            s.push('\'');
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            out.push(Token::Str(s));
        } else if "()<>,:".contains(c) {
            out.push(Token::Punct(c));
            i += 1;
        } else {
            return Err(Error::invalid(
                "data type",
                format!("unexpected character '{c}' in '{text}'"),
            ));
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn error(&self, msg: &str) -> Error {
        let at = match self.tokens.get(self.pos) {
            Some(Token::Word(w)) | Some(Token::Quoted(w)) | Some(Token::Str(w)) => w.clone(),
            Some(Token::Number(n)) => n.to_string(),
            Some(Token::Punct(c)) => c.to_string(),
            None => "end of text".to_string(),
        };
        Error::invalid("data type", format!("{msg} at '{at}' in '{}'", self.text))
    }

    fn peek_word(&self) -> Option<String> {
        match self.tokens.get(self.pos) {
            Some(Token::Word(w)) => Some(w.to_ascii_uppercase()),
            _ => None,
        }
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if self.peek_word().as_deref() == Some(w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, w: &str) -> Result<()> {
        if self.eat_word(w) {
            Ok(())
        } else {
            Err(self.error(&format!("expected {w}")))
        }
    }

    fn eat_punct(&mut self, c: char) -> bool {
        if self.tokens.get(self.pos) == Some(&Token::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_punct(&mut self, c: char) -> Result<()> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            Err(self.error(&format!("expected '{c}'")))
        }
    }

    fn number(&mut self) -> Result<u64> {
        match self.tokens.get(self.pos) {
            Some(Token::Number(n)) => {
                let n = *n;
                self.pos += 1;
                Ok(n)
            }
            _ => Err(self.error("expected a number")),
        }
    }

    /// `(n)` if present.
    fn opt_len(&mut self) -> Result<Option<u64>> {
        if self.eat_punct('(') {
            let n = self.number()?;
            self.expect_punct(')')?;
            Ok(Some(n))
        } else {
            Ok(None)
        }
    }

    fn precision(&mut self, default: u8, max: u8, what: &str) -> Result<u8> {
        match self.opt_len()? {
            None => Ok(default),
            Some(p) if p <= max as u64 => Ok(p as u8),
            Some(p) => Err(Error::invalid(
                "data type",
                format!(
                    "{what} precision {p} is out of range 0..={max} in '{}'",
                    self.text
                ),
            )),
        }
    }

    fn length(&mut self, default: u32, what: &str) -> Result<u32> {
        match self.opt_len()? {
            None => Ok(default),
            Some(n) if n >= 1 && n <= MAX_VAR_LEN as u64 => Ok(n as u32),
            Some(n) => Err(Error::invalid(
                "data type",
                format!(
                    "{what} length {n} is out of range 1..=2147483647 in '{}'",
                    self.text
                ),
            )),
        }
    }

    fn parse_type(&mut self) -> Result<DataType> {
        let word = self
            .peek_word()
            .ok_or_else(|| self.error("expected a type name"))?;
        self.pos += 1;
        let kind = match word.as_str() {
            "BOOLEAN" | "BOOL" => TypeKind::Boolean,
            "TINYINT" => TypeKind::TinyInt,
            "SMALLINT" => TypeKind::SmallInt,
            "INT" | "INTEGER" => TypeKind::Int,
            "BIGINT" => TypeKind::BigInt,
            "FLOAT" => TypeKind::Float,
            "DOUBLE" => {
                self.eat_word("PRECISION");
                TypeKind::Double
            }
            "DECIMAL" | "DEC" | "NUMERIC" => {
                let (mut p, mut s) = (10u64, 0u64);
                if self.eat_punct('(') {
                    p = self.number()?;
                    if self.eat_punct(',') {
                        s = self.number()?;
                    }
                    self.expect_punct(')')?;
                }
                if !(1..=38).contains(&p) || s > p {
                    return Err(Error::invalid(
                        "data type",
                        format!(
                            "DECIMAL({p}, {s}) needs 1 <= precision <= 38 and 0 <= scale <= precision in '{}'",
                            self.text
                        ),
                    ));
                }
                TypeKind::Decimal {
                    precision: p as u8,
                    scale: s as u8,
                }
            }
            "CHAR" | "CHARACTER" => TypeKind::Char(self.length(1, "CHAR")?),
            "VARCHAR" => TypeKind::VarChar(self.length(1, "VARCHAR")?),
            "STRING" | "TEXT" => TypeKind::VarChar(MAX_VAR_LEN),
            "BINARY" => TypeKind::Binary(self.length(1, "BINARY")?),
            "VARBINARY" => TypeKind::VarBinary(self.length(1, "VARBINARY")?),
            "BYTES" | "BYTEA" => TypeKind::VarBinary(MAX_VAR_LEN),
            "DATE" => TypeKind::Date,
            "TIME" => {
                let p = self.precision(0, 9, "TIME")?;
                if self.eat_word("WITHOUT") {
                    self.expect_word("TIME")?;
                    self.expect_word("ZONE")?;
                }
                TypeKind::Time(p)
            }
            "TIMESTAMP" => {
                let p = self.precision(6, 9, "TIMESTAMP")?;
                if self.eat_word("WITHOUT") {
                    self.expect_word("TIME")?;
                    self.expect_word("ZONE")?;
                    TypeKind::Timestamp(p)
                } else if self.peek_word().as_deref() == Some("WITH") {
                    self.pos += 1;
                    if !self.eat_word("LOCAL") {
                        return Err(self.error(
                            "TIMESTAMP WITH TIME ZONE is not a Paimon type; use TIMESTAMP WITH LOCAL TIME ZONE",
                        ));
                    }
                    self.expect_word("TIME")?;
                    self.expect_word("ZONE")?;
                    TypeKind::LocalZonedTimestamp(p)
                } else {
                    TypeKind::Timestamp(p)
                }
            }
            "TIMESTAMP_LTZ" => {
                TypeKind::LocalZonedTimestamp(self.precision(6, 9, "TIMESTAMP_LTZ")?)
            }
            "VARIANT" => TypeKind::Variant,
            "BLOB" => TypeKind::Blob,
            "ARRAY" => {
                self.expect_punct('<')?;
                let e = self.parse_type()?;
                self.expect_punct('>')?;
                TypeKind::Array(Box::new(e))
            }
            "MULTISET" => {
                self.expect_punct('<')?;
                let e = self.parse_type()?;
                self.expect_punct('>')?;
                TypeKind::Multiset(Box::new(e))
            }
            "MAP" => {
                self.expect_punct('<')?;
                let k = self.parse_type()?;
                self.expect_punct(',')?;
                let v = self.parse_type()?;
                self.expect_punct('>')?;
                TypeKind::Map(Box::new(k), Box::new(v))
            }
            "ROW" | "STRUCT" => {
                let close = if self.eat_punct('<') {
                    '>'
                } else if self.eat_punct('(') {
                    ')'
                } else {
                    return Err(self.error("expected '<' after ROW"));
                };
                let mut fields = Vec::new();
                if !self.eat_punct(close) {
                    loop {
                        let name = match self.tokens.get(self.pos) {
                            Some(Token::Word(w)) | Some(Token::Quoted(w)) => w.clone(),
                            _ => return Err(self.error("expected a field name")),
                        };
                        self.pos += 1;
                        self.eat_punct(':');
                        let ty = self.parse_type()?;
                        let mut field = DataField::new(-1, name, ty);
                        if self.eat_word("COMMENT") {
                            match self.tokens.get(self.pos) {
                                Some(Token::Str(s)) => {
                                    field.description = Some(s.clone());
                                    self.pos += 1;
                                }
                                _ => return Err(self.error("expected a quoted comment")),
                            }
                        } else if let Some(Token::Str(s)) = self.tokens.get(self.pos) {
                            field.description = Some(s.clone());
                            self.pos += 1;
                        }
                        fields.push(field);
                        if self.eat_punct(close) {
                            break;
                        }
                        self.expect_punct(',')?;
                    }
                }
                TypeKind::Row(fields)
            }
            _ => {
                self.pos -= 1;
                return Err(self.error("unknown type"));
            }
        };
        let nullable = if self.eat_word("NOT") {
            self.expect_word("NULL")?;
            false
        } else {
            self.eat_word("NULL");
            true
        };
        Ok(DataType { kind, nullable })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt(s: &str) -> String {
        DataType::parse(s).unwrap().to_string()
    }

    #[test]
    fn canonical_spellings() {
        assert_eq!(rt("int"), "INT");
        assert_eq!(rt("INTEGER NOT NULL"), "INT NOT NULL");
        assert_eq!(rt("decimal(10,2)"), "DECIMAL(10, 2)");
        assert_eq!(rt("DECIMAL"), "DECIMAL(10, 0)");
        assert_eq!(rt("VARCHAR(2147483647)"), "STRING");
        assert_eq!(rt("TIMESTAMP"), "TIMESTAMP(6)");
        assert_eq!(rt("TIMESTAMP_LTZ(3)"), "TIMESTAMP(3) WITH LOCAL TIME ZONE");
        assert_eq!(
            rt("timestamp(9) with local time zone not null"),
            "TIMESTAMP(9) WITH LOCAL TIME ZONE NOT NULL"
        );
        assert_eq!(rt("TIME"), "TIME(0)");
        assert_eq!(rt("BYTES"), "BYTES");
        assert_eq!(rt("DOUBLE PRECISION"), "DOUBLE");
        assert_eq!(
            rt("ARRAY<MAP<STRING, INT NOT NULL>>"),
            "ARRAY<MAP<STRING, INT NOT NULL>>"
        );
        assert_eq!(
            rt("ROW<a INT, `b c` STRING COMMENT 'x'>"),
            "ROW<`a` INT, `b c` STRING 'x'>"
        );
    }

    #[test]
    fn rejects_bad_types() {
        assert!(DataType::parse("DECIMAL(40, 2)").is_err());
        assert!(DataType::parse("FOO").is_err());
        assert!(DataType::parse("INT INT").is_err());
        assert!(DataType::parse("TIMESTAMP WITH TIME ZONE").is_err());
        assert!(DataType::parse("ARRAY<INT").is_err());
    }

    #[test]
    fn json_round_trip_nested() {
        let j: Value = serde_json::from_str(
            r#"{"type":"ROW NOT NULL","fields":[{"id":21,"name":"x","type":"INT"},{"id":22,"name":"y","type":{"type":"ARRAY","element":"STRING NOT NULL","nullable":true}}]}"#,
        )
        .unwrap();
        let t = DataType::from_json(&j).unwrap();
        assert!(!t.nullable);
        let back = t.to_json();
        assert_eq!(
            back.to_string(),
            r#"{"type":"ROW NOT NULL","fields":[{"id":21,"name":"x","type":"INT"},{"id":22,"name":"y","type":{"type":"ARRAY","element":"STRING NOT NULL"}}]}"#
        );
    }
}
