//! Filters on table columns: a small predicate tree that can be
//! * evaluated on partition values (partition pruning),
//! * tested against min/max/null-count statistics (`may_match`: file and manifest pruning),
//! * applied to Arrow batches (exact filtering after the merge),
//! * parsed from text such as `dt = '2026-01-01' AND v > 3` (the CLI's `--filter`).
//!
//! Three-valued logic: a comparison with NULL is unknown, and only rows where the predicate is
//! true pass. Literals are bound to the column's type when parsed, so every comparison is
//! between values of one type.

use std::collections::BTreeSet;

use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, Scalar};
use strata_spec::datum::parse_literal;
use strata_spec::{DataField, DataType, Datum};

use crate::error::{arrow_err, Error, Result};

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
}

impl CmpOp {
    fn flip(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::LtEq => CmpOp::GtEq,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::GtEq => CmpOp::LtEq,
            other => other,
        }
    }

    fn test(self, o: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => o == Equal,
            CmpOp::NotEq => o != Equal,
            CmpOp::Lt => o == Less,
            CmpOp::LtEq => o != Greater,
            CmpOp::Gt => o == Greater,
            CmpOp::GtEq => o != Less,
        }
    }
}

/// A filter over named columns.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    /// Always true.
    True,
    /// Always false.
    False,
    /// All hold.
    And(Vec<Predicate>),
    /// One holds.
    Or(Vec<Predicate>),
    /// Negation.
    Not(Box<Predicate>),
    /// `column op value`
    Cmp {
        /// Column name.
        column: String,
        /// Operator.
        op: CmpOp,
        /// Literal of the column's type (never null).
        value: Datum,
    },
    /// `column IS NULL`
    IsNull(String),
    /// `column IS NOT NULL`
    IsNotNull(String),
    /// `column IN (values)`
    In {
        /// Column name.
        column: String,
        /// Literals of the column's type.
        values: Vec<Datum>,
    },
    /// `column LIKE 'prefix%'`
    StartsWith {
        /// Column name.
        column: String,
        /// The prefix.
        prefix: String,
    },
}

/// Statistics of one column as seen by [`Predicate::may_match`].
#[derive(Debug, Clone)]
pub struct ColStats {
    /// Minimum (Null = unknown).
    pub min: Datum,
    /// Maximum (Null = unknown).
    pub max: Datum,
    /// Null count if known.
    pub null_count: Option<i64>,
    /// Rows covered.
    pub row_count: i64,
}

impl Predicate {
    /// `a AND b`, simplified.
    pub fn and(preds: Vec<Predicate>) -> Predicate {
        let mut out = Vec::new();
        for p in preds {
            match p {
                Predicate::True => {}
                Predicate::False => return Predicate::False,
                Predicate::And(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        match out.len() {
            0 => Predicate::True,
            1 => out.pop().unwrap_or(Predicate::True),
            _ => Predicate::And(out),
        }
    }

    /// Columns the predicate reads.
    pub fn columns(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        self.collect_columns(&mut out);
        out
    }

    fn collect_columns(&self, out: &mut BTreeSet<String>) {
        match self {
            Predicate::True | Predicate::False => {}
            Predicate::And(v) | Predicate::Or(v) => v.iter().for_each(|p| p.collect_columns(out)),
            Predicate::Not(p) => p.collect_columns(out),
            Predicate::Cmp { column, .. }
            | Predicate::IsNull(column)
            | Predicate::IsNotNull(column)
            | Predicate::In { column, .. }
            | Predicate::StartsWith { column, .. } => {
                out.insert(column.clone());
            }
        }
    }

    /// The weakest predicate implied by `self` that reads only `allowed` columns (for pruning
    /// by partition or key columns). `None` = nothing can be said (treat as true).
    pub fn restrict_to(&self, allowed: &[String]) -> Option<Predicate> {
        match self {
            Predicate::And(v) => {
                let parts: Vec<Predicate> =
                    v.iter().filter_map(|p| p.restrict_to(allowed)).collect();
                if parts.is_empty() {
                    None
                } else {
                    Some(Predicate::and(parts))
                }
            }
            Predicate::Or(v) => {
                let parts: Option<Vec<Predicate>> =
                    v.iter().map(|p| p.restrict_to(allowed)).collect();
                parts.map(Predicate::Or)
            }
            other => {
                if other.columns().iter().all(|c| allowed.contains(c)) {
                    Some(other.clone())
                } else {
                    None
                }
            }
        }
    }

    /// Evaluates on single values; `None` = unknown (SQL NULL).
    pub fn eval(&self, get: &dyn Fn(&str) -> Option<Datum>) -> Option<bool> {
        match self {
            Predicate::True => Some(true),
            Predicate::False => Some(false),
            Predicate::And(v) => {
                let mut unknown = false;
                for p in v {
                    match p.eval(get) {
                        Some(false) => return Some(false),
                        None => unknown = true,
                        Some(true) => {}
                    }
                }
                if unknown {
                    None
                } else {
                    Some(true)
                }
            }
            Predicate::Or(v) => {
                let mut unknown = false;
                for p in v {
                    match p.eval(get) {
                        Some(true) => return Some(true),
                        None => unknown = true,
                        Some(false) => {}
                    }
                }
                if unknown {
                    None
                } else {
                    Some(false)
                }
            }
            Predicate::Not(p) => p.eval(get).map(|b| !b),
            Predicate::Cmp { column, op, value } => {
                let v = get(column)?;
                if v.is_null() {
                    return None;
                }
                Some(op.test(v.paimon_cmp(value)))
            }
            Predicate::IsNull(c) => Some(get(c).is_none_or(|v| v.is_null())),
            Predicate::IsNotNull(c) => Some(get(c).is_some_and(|v| !v.is_null())),
            Predicate::In { column, values } => {
                let v = get(column)?;
                if v.is_null() {
                    return None;
                }
                Some(values.iter().any(|x| v.paimon_cmp(x).is_eq()))
            }
            Predicate::StartsWith { column, prefix } => match get(column)? {
                Datum::String(s) => Some(s.starts_with(prefix.as_str())),
                Datum::Null => None,
                _ => Some(false),
            },
        }
    }

    /// Whether some row described by the statistics may satisfy the predicate. Unknown
    /// statistics never exclude anything.
    pub fn may_match(&self, stats: &dyn Fn(&str) -> Option<ColStats>) -> bool {
        match self {
            Predicate::True => true,
            Predicate::False => false,
            Predicate::And(v) => v.iter().all(|p| p.may_match(stats)),
            Predicate::Or(v) => v.iter().any(|p| p.may_match(stats)),
            // Negation of ranges is not tracked; NOT over stats is unknown.
            Predicate::Not(_) => true,
            Predicate::Cmp { column, op, value } => {
                let Some(s) = stats(column) else { return true };
                if s.null_count == Some(s.row_count) && s.row_count > 0 {
                    return false; // all null: no comparison is true
                }
                if s.min.is_null() || s.max.is_null() || is_nan(&s.max) || is_nan(&s.min) {
                    return true;
                }
                let lo = value.paimon_cmp(&s.min);
                let hi = value.paimon_cmp(&s.max);
                match op {
                    CmpOp::Eq => lo.is_ge() && hi.is_le(),
                    CmpOp::NotEq => !(lo.is_eq() && hi.is_eq()),
                    CmpOp::Lt => s.min.paimon_cmp(value).is_lt(),
                    CmpOp::LtEq => s.min.paimon_cmp(value).is_le(),
                    CmpOp::Gt => s.max.paimon_cmp(value).is_gt(),
                    CmpOp::GtEq => s.max.paimon_cmp(value).is_ge(),
                }
            }
            Predicate::IsNull(c) => !matches!(
                stats(c),
                Some(ColStats {
                    null_count: Some(0),
                    ..
                })
            ),
            Predicate::IsNotNull(c) => match stats(c) {
                Some(s) => !(s.null_count == Some(s.row_count) && s.row_count > 0),
                None => true,
            },
            Predicate::In { column, values } => values.iter().any(|v| {
                Predicate::Cmp {
                    column: column.clone(),
                    op: CmpOp::Eq,
                    value: v.clone(),
                }
                .may_match(stats)
            }),
            Predicate::StartsWith { column, prefix } => {
                let Some(s) = stats(column) else { return true };
                match (&s.min, &s.max) {
                    (Datum::String(min), Datum::String(max)) => {
                        // Some string with the prefix lies in [min, max] iff
                        // prefix <= max and min's prefix-length head <= prefix.
                        let p = prefix.as_bytes();
                        let max_head = &max.as_bytes()[..max.len().min(p.len())];
                        let min_head = &min.as_bytes()[..min.len().min(p.len())];
                        max_head >= p && min_head <= p
                    }
                    _ => true,
                }
            }
        }
    }

    /// Evaluates on a batch: true only where the predicate is true (nulls → false).
    /// Columns are found by name in the batch.
    ///
    /// # Errors
    /// Unknown columns, or literals that cannot be compared with the column.
    pub fn filter(&self, batch: &RecordBatch) -> Result<BooleanArray> {
        let arr = self.eval_batch(batch)?;
        // Null → false.
        Ok(match arr.nulls() {
            None => arr,
            Some(_) => arrow::compute::prep_null_mask_filter(&arr),
        })
    }

    fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef> {
        batch
            .column_by_name(name)
            .ok_or_else(|| Error::Invalid(format!("filter column '{name}' is not read")))
    }

    fn literal(array: &ArrayRef, value: &Datum) -> Result<Scalar<ArrayRef>> {
        // Build the literal in the column's own Arrow type.
        let lit = literal_array(array.data_type(), value)?;
        Ok(Scalar::new(lit))
    }

    fn eval_batch(&self, batch: &RecordBatch) -> Result<BooleanArray> {
        use arrow_ord::cmp;
        let n = batch.num_rows();
        Ok(match self {
            Predicate::True => BooleanArray::from(vec![true; n]),
            Predicate::False => BooleanArray::from(vec![false; n]),
            Predicate::And(v) => {
                let mut acc = BooleanArray::from(vec![true; n]);
                for p in v {
                    acc = arrow::compute::and_kleene(&acc, &p.eval_batch(batch)?)
                        .map_err(arrow_err("evaluating AND"))?;
                }
                acc
            }
            Predicate::Or(v) => {
                let mut acc = BooleanArray::from(vec![false; n]);
                for p in v {
                    acc = arrow::compute::or_kleene(&acc, &p.eval_batch(batch)?)
                        .map_err(arrow_err("evaluating OR"))?;
                }
                acc
            }
            Predicate::Not(p) => {
                arrow::compute::not(&p.eval_batch(batch)?).map_err(arrow_err("evaluating NOT"))?
            }
            Predicate::Cmp { column, op, value } => {
                let col = Self::column(batch, column)?;
                let lit = Self::literal(col, value)?;
                let r = match op {
                    CmpOp::Eq => cmp::eq(col, &lit),
                    CmpOp::NotEq => cmp::neq(col, &lit),
                    CmpOp::Lt => cmp::lt(col, &lit),
                    CmpOp::LtEq => cmp::lt_eq(col, &lit),
                    CmpOp::Gt => cmp::gt(col, &lit),
                    CmpOp::GtEq => cmp::gt_eq(col, &lit),
                };
                r.map_err(arrow_err(format!("comparing column '{column}'")))?
            }
            Predicate::IsNull(c) => {
                arrow::compute::is_null(Self::column(batch, c)?).map_err(arrow_err("IS NULL"))?
            }
            Predicate::IsNotNull(c) => arrow::compute::is_not_null(Self::column(batch, c)?)
                .map_err(arrow_err("IS NOT NULL"))?,
            Predicate::In { column, values } => {
                let col = Self::column(batch, column)?;
                let mut acc = BooleanArray::from(vec![false; n]);
                for v in values {
                    let eq = cmp::eq(col, &Self::literal(col, v)?)
                        .map_err(arrow_err(format!("comparing column '{column}'")))?;
                    acc =
                        arrow::compute::or_kleene(&acc, &eq).map_err(arrow_err("evaluating IN"))?;
                }
                acc
            }
            Predicate::StartsWith { column, prefix } => {
                let col = Self::column(batch, column)?;
                let lit = Self::literal(col, &Datum::String(prefix.clone()))?;
                arrow_string::like::starts_with(col, &lit)
                    .map_err(arrow_err(format!("LIKE on '{column}'")))?
            }
        })
    }
}

fn is_nan(d: &Datum) -> bool {
    matches!(d, Datum::Double(v) if v.is_nan()) || matches!(d, Datum::Float(v) if v.is_nan())
}

/// A one-element array of `ty` holding `value` (the literal side of a comparison).
fn literal_array(ty: &arrow_schema::DataType, value: &Datum) -> Result<ArrayRef> {
    let paimon = strata_format::arrow_convert::paimon_type(ty, true)?;
    Ok(strata_format::arrow_convert::datums_to_array(
        &paimon,
        std::slice::from_ref(value),
    )?)
}

// ---------------------------------------------------------------------------------------------
// parsing

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    Op(String),
    LParen,
    RParen,
    Comma,
}

fn tokenize(text: &str) -> Result<Vec<Tok>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |m: String| Error::Invalid(format!("cannot parse filter '{text}': {m}"));
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Tok::LParen);
            i += 1;
        } else if c == ')' {
            out.push(Tok::RParen);
            i += 1;
        } else if c == ',' {
            out.push(Tok::Comma);
            i += 1;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(err("unterminated string".into())),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Str(s));
        } else if c == '`' || c == '"' {
            let q = c;
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(err("unterminated quoted name".into())),
                    Some(&ch) if ch == q => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Ident(s));
        } else if c.is_ascii_digit()
            || ((c == '-' || c == '.') && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric()
                    || chars[i] == '.'
                    || ((chars[i] == '-' || chars[i] == '+') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            out.push(Tok::Num(chars[start..i].iter().collect()));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if ["<=", ">=", "<>", "!=", "=="].contains(&two.as_str()) {
                out.push(Tok::Op(two));
                i += 2;
            } else if "=<>".contains(c) {
                out.push(Tok::Op(c.to_string()));
                i += 1;
            } else {
                return Err(err(format!("unexpected character '{c}'")));
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    fields: &'a [DataField],
    text: &'a str,
}

impl Parser<'_> {
    fn err(&self, m: impl Into<String>) -> Error {
        Error::Invalid(format!("cannot parse filter '{}': {}", self.text, m.into()))
    }

    fn peek_kw(&self, kw: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.peek_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: Tok) -> Result<()> {
        if self.toks.get(self.pos) == Some(&t) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(format!("expected {t:?}")))
        }
    }

    fn or(&mut self) -> Result<Predicate> {
        let mut parts = vec![self.and()?];
        while self.eat_kw("OR") {
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Predicate::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Predicate> {
        let mut parts = vec![self.not()?];
        while self.eat_kw("AND") {
            parts.push(self.not()?);
        }
        Ok(Predicate::and(parts))
    }

    fn not(&mut self) -> Result<Predicate> {
        if self.eat_kw("NOT") {
            return Ok(Predicate::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn field(&self, name: &str) -> Result<&DataField> {
        self.fields.iter().find(|f| f.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
            self.err(format!(
                "unknown column '{name}' (columns: {})",
                names.join(", ")
            ))
        })
    }

    fn literal_text(&mut self) -> Result<Option<String>> {
        // Optional type keyword before a string: DATE '…', TIMESTAMP '…', TIME '…'.
        if let Some(Tok::Ident(w)) = self.toks.get(self.pos) {
            let up = w.to_ascii_uppercase();
            if ["DATE", "TIMESTAMP", "TIME"].contains(&up.as_str())
                && matches!(self.toks.get(self.pos + 1), Some(Tok::Str(_)))
            {
                self.pos += 1;
            }
        }
        match self.toks.get(self.pos).cloned() {
            Some(Tok::Str(s)) | Some(Tok::Num(s)) => {
                self.pos += 1;
                Ok(Some(s))
            }
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("NULL") => {
                self.pos += 1;
                Ok(None)
            }
            Some(Tok::Ident(w))
                if w.eq_ignore_ascii_case("TRUE") || w.eq_ignore_ascii_case("FALSE") =>
            {
                self.pos += 1;
                Ok(Some(w.to_ascii_lowercase()))
            }
            _ => Err(self.err("expected a literal")),
        }
    }

    fn bind(&self, field: &DataField, text: &str) -> Result<Datum> {
        if field.data_type.is_nested() {
            return Err(self.err(format!(
                "column '{}' of type {} cannot be compared",
                field.name, field.data_type
            )));
        }
        parse_literal(&field.data_type, text)
            .map_err(|m| self.err(format!("for column '{}': {m}", field.name)))
    }

    fn primary(&mut self) -> Result<Predicate> {
        if self.toks.get(self.pos) == Some(&Tok::LParen) {
            self.pos += 1;
            let p = self.or()?;
            self.expect(Tok::RParen)?;
            return Ok(p);
        }
        if self.eat_kw("TRUE") {
            return Ok(Predicate::True);
        }
        if self.eat_kw("FALSE") {
            return Ok(Predicate::False);
        }
        // literal op column
        if matches!(
            self.toks.get(self.pos),
            Some(Tok::Str(_)) | Some(Tok::Num(_))
        ) {
            let lit = self.literal_text()?.unwrap_or_default();
            let op = self.op()?;
            let name = self.ident()?;
            let field = self.field(&name)?.clone();
            let value = self.bind(&field, &lit)?;
            return Ok(Predicate::Cmp {
                column: name,
                op: op.flip(),
                value,
            });
        }
        let name = self.ident()?;
        let field = self.field(&name)?.clone();
        if self.eat_kw("IS") {
            let negated = self.eat_kw("NOT");
            if !self.eat_kw("NULL") {
                return Err(self.err("expected NULL after IS"));
            }
            return Ok(if negated {
                Predicate::IsNotNull(name)
            } else {
                Predicate::IsNull(name)
            });
        }
        let negated = self.eat_kw("NOT");
        if self.eat_kw("IN") {
            self.expect(Tok::LParen)?;
            let mut values = Vec::new();
            loop {
                if let Some(t) = self.literal_text()? {
                    values.push(self.bind(&field, &t)?);
                }
                if self.toks.get(self.pos) == Some(&Tok::Comma) {
                    self.pos += 1;
                    continue;
                }
                self.expect(Tok::RParen)?;
                break;
            }
            let p = Predicate::In {
                column: name,
                values,
            };
            return Ok(if negated {
                Predicate::Not(Box::new(p))
            } else {
                p
            });
        }
        if self.eat_kw("BETWEEN") {
            let lo = self
                .literal_text()?
                .ok_or_else(|| self.err("BETWEEN needs values"))?;
            if !self.eat_kw("AND") {
                return Err(self.err("expected AND in BETWEEN"));
            }
            let hi = self
                .literal_text()?
                .ok_or_else(|| self.err("BETWEEN needs values"))?;
            let p = Predicate::And(vec![
                Predicate::Cmp {
                    column: name.clone(),
                    op: CmpOp::GtEq,
                    value: self.bind(&field, &lo)?,
                },
                Predicate::Cmp {
                    column: name,
                    op: CmpOp::LtEq,
                    value: self.bind(&field, &hi)?,
                },
            ]);
            return Ok(if negated {
                Predicate::Not(Box::new(p))
            } else {
                p
            });
        }
        if self.eat_kw("LIKE") {
            let pat = match self.toks.get(self.pos).cloned() {
                Some(Tok::Str(s)) => {
                    self.pos += 1;
                    s
                }
                _ => return Err(self.err("LIKE needs a quoted pattern")),
            };
            let p = match pat.strip_suffix('%') {
                Some(prefix) if !prefix.contains(['%', '_']) => Predicate::StartsWith {
                    column: name,
                    prefix: prefix.to_string(),
                },
                None if !pat.contains(['%', '_']) => Predicate::Cmp {
                    column: name,
                    op: CmpOp::Eq,
                    value: Datum::String(pat),
                },
                _ => return Err(self.err("only LIKE 'prefix%' patterns are supported")),
            };
            return Ok(if negated {
                Predicate::Not(Box::new(p))
            } else {
                p
            });
        }
        if negated {
            return Err(self.err("expected IN, BETWEEN or LIKE after NOT"));
        }
        let op = self.op()?;
        match self.literal_text()? {
            None => Ok(Predicate::False), // comparison with NULL is never true
            Some(t) => Ok(Predicate::Cmp {
                column: name,
                op,
                value: self.bind(&field, &t)?,
            }),
        }
    }

    fn ident(&mut self) -> Result<String> {
        match self.toks.get(self.pos).cloned() {
            Some(Tok::Ident(w)) => {
                self.pos += 1;
                Ok(w)
            }
            _ => Err(self.err("expected a column name")),
        }
    }

    fn op(&mut self) -> Result<CmpOp> {
        let op = match self.toks.get(self.pos) {
            Some(Tok::Op(o)) => match o.as_str() {
                "=" | "==" => CmpOp::Eq,
                "<>" | "!=" => CmpOp::NotEq,
                "<" => CmpOp::Lt,
                "<=" => CmpOp::LtEq,
                ">" => CmpOp::Gt,
                ">=" => CmpOp::GtEq,
                _ => return Err(self.err(format!("unknown operator {o}"))),
            },
            _ => return Err(self.err("expected a comparison operator")),
        };
        self.pos += 1;
        Ok(op)
    }
}

/// Parses a filter expression over the given columns, binding literals to column types.
///
/// # Errors
/// [`Error::Invalid`] naming the problem (unknown column, bad literal, syntax).
pub fn parse_filter(text: &str, fields: &[DataField]) -> Result<Predicate> {
    let toks = tokenize(text)?;
    let mut p = Parser {
        toks,
        pos: 0,
        fields,
        text,
    };
    let pred = p.or()?;
    if p.pos != p.toks.len() {
        return Err(p.err("unexpected text at the end"));
    }
    Ok(pred)
}

/// A literal for a column type (used by callers that build predicates programmatically).
///
/// # Errors
/// When the text does not fit the type.
pub fn literal(ty: &DataType, text: &str) -> Result<Datum> {
    parse_literal(ty, text).map_err(Error::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<DataField> {
        vec![
            DataField::new(0, "id", DataType::parse("BIGINT").unwrap()),
            DataField::new(1, "dt", DataType::string()),
            DataField::new(2, "v", DataType::parse("DOUBLE").unwrap()),
        ]
    }

    #[test]
    fn parses_and_evaluates() {
        let p = parse_filter(
            "dt = '2026-01-01' AND (v > 3 OR id IN (1, 2)) AND dt IS NOT NULL",
            &fields(),
        )
        .unwrap();
        let row = |id: i64, dt: &'static str, v: f64| {
            move |c: &str| -> Option<Datum> {
                match c {
                    "id" => Some(Datum::BigInt(id)),
                    "dt" => Some(Datum::String(dt.into())),
                    "v" => Some(Datum::Double(v)),
                    _ => None,
                }
            }
        };
        assert_eq!(p.eval(&row(5, "2026-01-01", 4.0)), Some(true));
        assert_eq!(p.eval(&row(1, "2026-01-01", 0.0)), Some(true));
        assert_eq!(p.eval(&row(5, "2026-01-01", 0.0)), Some(false));
        assert_eq!(p.eval(&row(5, "2026-01-02", 9.0)), Some(false));
        assert_eq!(
            p.restrict_to(&["dt".to_string()]),
            Some(Predicate::And(vec![
                Predicate::Cmp {
                    column: "dt".into(),
                    op: CmpOp::Eq,
                    value: Datum::String("2026-01-01".into())
                },
                Predicate::IsNotNull("dt".into())
            ]))
        );
    }

    #[test]
    fn rejects_bad_filters() {
        assert!(parse_filter("nope = 1", &fields()).is_err());
        assert!(parse_filter("id = 'x'", &fields()).is_err());
        assert!(parse_filter("id = ", &fields()).is_err());
        assert!(parse_filter("id = 1 1", &fields()).is_err());
    }

    #[test]
    fn stats_pruning() {
        let p = parse_filter("id >= 10 AND id < 20", &fields()).unwrap();
        let st = |min: i64, max: i64| {
            move |_: &str| {
                Some(ColStats {
                    min: Datum::BigInt(min),
                    max: Datum::BigInt(max),
                    null_count: Some(0),
                    row_count: 5,
                })
            }
        };
        assert!(p.may_match(&st(0, 10)));
        assert!(!p.may_match(&st(0, 9)));
        assert!(!p.may_match(&st(20, 30)));
        assert!(p.may_match(&|_| None));
        let q = parse_filter("dt LIKE 'ab%'", &fields()).unwrap();
        let s = |a: &str, b: &str| {
            let (a, b) = (a.to_string(), b.to_string());
            move |_: &str| {
                Some(ColStats {
                    min: Datum::String(a.clone()),
                    max: Datum::String(b.clone()),
                    null_count: Some(0),
                    row_count: 1,
                })
            }
        };
        assert!(q.may_match(&s("aa", "ac")));
        assert!(q.may_match(&s("abz", "b")));
        assert!(!q.may_match(&s("ac", "b")));
        assert!(!q.may_match(&s("a", "aaz")));
    }
}
