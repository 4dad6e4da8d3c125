//! Numbers rounded for people: three significant digits, thousands separated, no trailing zeros.

/// `v` with three significant digits (whole numbers from 1,000 up, with separators):
/// `14.23 -> "14.2"`, `0.01234 -> "0.0123"`, `123456.7 -> "123,457"`, `-2.0 -> "-2"`,
/// NaN -> `"n/a"`.
pub fn number(v: f64) -> String {
    if v.is_nan() {
        return "n/a".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "∞".into() } else { "-∞".into() };
    }
    let a = v.abs();
    if a >= 999.5 {
        return grouped(v.round());
    }
    if a == 0.0 {
        return "0".into();
    }
    let digits = (2 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.digits$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if s == "-0" { "0".into() } else { s }
}

/// A whole number with `,` between thousands.
fn grouped(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

/// `v` followed by its unit, e.g. `"14.2 units"`, `"8%"` (no space before `%`), `"1 unit"` (a
/// plural unit word loses its `s` when the rounded number is exactly one).
pub fn with_unit(v: f64, unit: &str) -> String {
    let n = number(v);
    match unit {
        "" => n,
        "%" => format!("{n}%"),
        _ if (n == "1" || n == "-1") && unit.len() > 1 && unit.ends_with('s') && !unit.ends_with("ss") => {
            format!("{n} {}", &unit[..unit.len() - 1])
        }
        _ => format!("{n} {unit}"),
    }
}

/// An amount of money: whole amounts from 100 up, cents below (`money(1234.5, "$") -> "$1,235"`,
/// `money(-2.5, "$") -> "-$2.50"`); a currency that is a word goes after the number (`"12.50 EUR"`).
pub fn money(v: f64, currency: &str) -> String {
    let a = v.abs();
    let n = if a.is_finite() && a < 99.995 { format!("{a:.2}") } else { number(a) };
    if currency.chars().all(char::is_alphabetic) {
        return if v < 0.0 { format!("-{n} {currency}") } else { format!("{n} {currency}") };
    }
    if v < 0.0 && n != "0.00" { format!("-{currency}{n}") } else { format!("{currency}{n}") }
}

/// `v` with an explicit sign, e.g. `"+14.2"`, `"-5"`.
pub fn signed(v: f64) -> String {
    let s = number(v);
    if v > 0.0 && !s.starts_with('-') && s != "0" { format!("+{s}") } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_for_people() {
        for (v, want) in [
            (14.23, "14.2"),
            (0.01234, "0.0123"),
            (123456.7, "123,457"),
            (-2.0, "-2"),
            (999.4, "999"),
            (999.6, "1,000"),
            (-1234.0, "-1,234"),
            (0.0, "0"),
            (-0.0001, "-0.0001"),
            (5.0, "5"),
            (f64::NAN, "n/a"),
        ] {
            assert_eq!(number(v), want, "{v}");
        }
        assert_eq!(with_unit(8.04, "%"), "8.04%");
        assert_eq!(with_unit(3.0, "units"), "3 units");
        assert_eq!(with_unit(1.0, "units"), "1 unit");
        assert_eq!(with_unit(1.04, "days"), "1.04 days");
        assert_eq!(signed(14.0), "+14");
        assert_eq!(signed(-5.0), "-5");
        assert_eq!(money(1234.5, "$"), "$1,235");
        assert_eq!(money(-2.5, "$"), "-$2.50");
        assert_eq!(money(3.3, "$"), "$3.30");
        assert_eq!(money(635.4, "$"), "$635");
        assert_eq!(money(12.5, "EUR"), "12.50 EUR");
    }
}
