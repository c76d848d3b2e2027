//! Calendar arithmetic and the text forms of DATE, TIME and TIMESTAMP values.
//!
//! Pure functions on epoch days / milliseconds (proleptic Gregorian, UTC), so the format layer
//! needs no time-zone database. Used for partition directory names (Java's
//! `LocalDateTime.toString()`, spec §1.3), for the JSON/CSV output of the CLI and for parsing
//! user input.

/// Days since 1970-01-01 → (year, month 1..=12, day 1..=31).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Howard Hinnant's algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) → days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

/// `YYYY-MM-DD` of an epoch day.
pub fn format_date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days as i64);
    if (0..=9999).contains(&y) {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y:+05}-{m:02}-{d:02}")
    }
}

/// `HH:MM:SS` plus `precision` fraction digits (at most 3 are meaningful: TIME keeps millis).
pub fn format_time_millis(millis_of_day: i32, precision: u8) -> String {
    let ms = millis_of_day.rem_euclid(86_400_000);
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (mi, rest) = (rest / 60_000, rest % 60_000);
    let (s, frac) = (rest / 1000, rest % 1000);
    let mut out = format!("{h:02}:{mi:02}:{s:02}");
    if precision > 0 {
        let nanos = format!("{:09}", frac as i64 * 1_000_000);
        out.push('.');
        out.push_str(&nanos[..precision.min(9) as usize]);
    }
    out
}

/// `YYYY-MM-DD HH:MM:SS` plus exactly `precision` fraction digits (`T` instead of the space when
/// `space` is false).
pub fn format_timestamp(millis: i64, nanos_of_milli: i32, precision: u8, space: bool) -> String {
    let days = millis.div_euclid(86_400_000);
    let ms_of_day = millis.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let secs = ms_of_day / 1000;
    let frac_nanos = (ms_of_day % 1000) * 1_000_000 + nanos_of_milli as i64;
    let sep = if space { ' ' } else { 'T' };
    let mut out = if (0..=9999).contains(&y) {
        format!(
            "{y:04}-{m:02}-{d:02}{sep}{:02}:{:02}:{:02}",
            secs / 3600,
            (secs / 60) % 60,
            secs % 60
        )
    } else {
        format!(
            "{y:+05}-{m:02}-{d:02}{sep}{:02}:{:02}:{:02}",
            secs / 3600,
            (secs / 60) % 60,
            secs % 60
        )
    };
    if precision > 0 {
        let digits = format!("{frac_nanos:09}");
        out.push('.');
        out.push_str(&digits[..precision.min(9) as usize]);
    }
    out
}

/// Java's `LocalDateTime.toString()`: `2024-01-02T03:04`, `...T03:04:05`, `...T03:04:05.678`,
/// `...05.678901`, `...05.678901234` (seconds omitted when zero with no fraction; the
/// fraction printed in groups of three digits).
pub fn java_local_date_time(millis: i64, nanos_of_milli: i32) -> String {
    let days = millis.div_euclid(86_400_000);
    let ms_of_day = millis.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let secs = ms_of_day / 1000;
    let nanos = (ms_of_day % 1000) * 1_000_000 + nanos_of_milli as i64;
    let (h, mi, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let date = if (0..=9999).contains(&y) {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y:+05}-{m:02}-{d:02}")
    };
    let mut out = format!("{date}T{h:02}:{mi:02}");
    if s > 0 || nanos > 0 {
        out.push_str(&format!(":{s:02}"));
        if nanos > 0 {
            if nanos % 1_000_000 == 0 {
                out.push_str(&format!(".{:03}", nanos / 1_000_000));
            } else if nanos % 1000 == 0 {
                out.push_str(&format!(".{:06}", nanos / 1000));
            } else {
                out.push_str(&format!(".{nanos:09}"));
            }
        }
    }
    out
}

/// Java's `LocalTime.toString()` of a millisecond of day: `03:04`, `03:04:05`, `03:04:05.120`.
pub fn java_local_time(millis_of_day: i32) -> String {
    let ms = millis_of_day.rem_euclid(86_400_000);
    let (h, mi, s, f) = (
        ms / 3_600_000,
        (ms / 60_000) % 60,
        (ms / 1000) % 60,
        ms % 1000,
    );
    let mut out = format!("{h:02}:{mi:02}");
    if s > 0 || f > 0 {
        out.push_str(&format!(":{s:02}"));
        if f > 0 {
            out.push_str(&format!(".{f:03}"));
        }
    }
    out
}

fn parse_num(s: &str, what: &str, text: &str) -> Result<i64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad {what} in '{text}'"));
    }
    s.parse::<i64>()
        .map_err(|_| format!("bad {what} in '{text}'"))
}

/// Parses `YYYY-MM-DD` into an epoch day.
///
/// # Errors
/// A message naming the text when it is not a valid date.
pub fn parse_date(text: &str) -> Result<i32, String> {
    let t = text.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let mut parts = body.splitn(3, '-');
    let (ys, ms, ds) = match (parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d)) => (y, m, d),
        _ => return Err(format!("'{text}' is not a date (expected YYYY-MM-DD)")),
    };
    let mut y = parse_num(ys, "year", text)?;
    if neg {
        y = -y;
    }
    let m = parse_num(ms, "month", text)?;
    let d = parse_num(ds, "day", text)?;
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m as u32) as i64 {
        return Err(format!("'{text}' is not a valid calendar date"));
    }
    let days = days_from_civil(y, m as u32, d as u32);
    i32::try_from(days).map_err(|_| format!("date '{text}' is out of range"))
}

/// Parses `HH:MM[:SS[.fffffffff]]` into (milliseconds of day, nanoseconds within the milli).
///
/// # Errors
/// A message naming the text when it is not a valid time.
pub fn parse_time(text: &str) -> Result<(i32, i32), String> {
    let t = text.trim();
    let (hms, frac) = match t.split_once('.') {
        Some((a, b)) => (a, b),
        None => (t, ""),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return Err(format!("'{text}' is not a time (expected HH:MM:SS[.fff])"));
    }
    let h = parse_num(parts[0], "hour", text)?;
    let mi = parse_num(parts[1], "minute", text)?;
    let s = if parts.len() == 3 {
        parse_num(parts[2], "second", text)?
    } else {
        0
    };
    if h > 23 || mi > 59 || s > 59 {
        return Err(format!("'{text}' is not a valid time of day"));
    }
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad fraction of a second in '{text}'"));
    }
    let nanos: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}")
            .parse::<i64>()
            .map_err(|_| format!("bad fraction in '{text}'"))?
    };
    let millis = ((h * 3600 + mi * 60 + s) * 1000 + nanos / 1_000_000) as i32;
    Ok((millis, (nanos % 1_000_000) as i32))
}

/// Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.f…]]][Z|±HH:MM]` into (epoch millis, nanos of milli).
/// A zone suffix converts the wall clock to UTC.
///
/// # Errors
/// A message naming the text when it is not a valid timestamp.
pub fn parse_timestamp(text: &str) -> Result<(i64, i32), String> {
    let t = text.trim();
    let (date_part, rest) = match t.find(['T', ' ']) {
        Some(i) => (&t[..i], Some(t[i + 1..].trim())),
        None => (t, None),
    };
    let days = parse_date(date_part)? as i64;
    let (mut millis, nanos) = match rest {
        None | Some("") => (0i64, 0i32),
        Some(r) => {
            // zone suffix
            let (clock, offset_min) = split_zone(r, text)?;
            let (ms, ns) = parse_time(clock)?;
            (ms as i64 - offset_min * 60_000, ns)
        }
    };
    millis += days * 86_400_000;
    Ok((millis, nanos))
}

fn split_zone<'a>(r: &'a str, text: &str) -> Result<(&'a str, i64), String> {
    if let Some(c) = r.strip_suffix('Z').or_else(|| r.strip_suffix('z')) {
        return Ok((c, 0));
    }
    if let Some(c) = r.strip_suffix(" UTC") {
        return Ok((c, 0));
    }
    // ±HH:MM or ±HHMM after the clock (which itself contains ':' but never '+' / '-')
    if let Some(pos) = r.rfind(['+', '-']) {
        let (clock, zone) = r.split_at(pos);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let z = zone[1..].replace(':', "");
        if z.len() == 4 && z.bytes().all(|b| b.is_ascii_digit()) {
            let h: i64 = z[..2]
                .parse()
                .map_err(|_| format!("bad zone in '{text}'"))?;
            let m: i64 = z[2..]
                .parse()
                .map_err(|_| format!("bad zone in '{text}'"))?;
            return Ok((clock, sign * (h * 60 + m)));
        }
        return Err(format!("bad time zone offset in '{text}'"));
    }
    Ok((r, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(days_from_civil(2024, 1, 2), 19724);
        assert_eq!(format_date(19724), "2024-01-02");
        assert_eq!(parse_date("2024-01-02").unwrap(), 19724);
        assert_eq!(format_date(-1), "1969-12-31");
        assert!(parse_date("2024-02-30").is_err());
        for d in [-800_000, -1, 0, 59, 60, 11_016, 2_932_896] {
            assert_eq!(parse_date(&format_date(d)).unwrap(), d);
        }
    }

    #[test]
    fn java_renderings() {
        let ms = 1_704_164_645_678; // 2024-01-02T03:04:05.678
        assert_eq!(java_local_date_time(ms, 0), "2024-01-02T03:04:05.678");
        assert_eq!(
            java_local_date_time(ms, 901_000),
            "2024-01-02T03:04:05.678901"
        );
        assert_eq!(
            java_local_date_time(1_704_164_640_000, 0),
            "2024-01-02T03:04"
        );
        assert_eq!(
            java_local_date_time(1_704_164_645_000, 0),
            "2024-01-02T03:04:05"
        );
        assert_eq!(
            format_timestamp(ms, 901_000, 6, true),
            "2024-01-02 03:04:05.678901"
        );
        assert_eq!(format_timestamp(-1, 0, 3, true), "1969-12-31 23:59:59.999");
        assert_eq!(format_time_millis(11_045_123, 3), "03:04:05.123");
    }

    #[test]
    fn parse_timestamps() {
        assert_eq!(
            parse_timestamp("2024-01-02 03:04:05.678901").unwrap(),
            (1_704_164_645_678, 901_000)
        );
        assert_eq!(
            parse_timestamp("2024-01-02T04:04:05.678+01:00").unwrap(),
            (1_704_164_645_678, 0)
        );
        assert_eq!(
            parse_timestamp("2024-01-02").unwrap(),
            (1_704_153_600_000, 0)
        );
        assert!(parse_timestamp("2024-01-02 25:00").is_err());
    }
}
