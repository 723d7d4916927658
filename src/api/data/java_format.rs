//! Java's text forms of floating-point numbers (`Double.toString`,
//! `Float.toString`), which Jackson, `Values.convertToString` and every
//! `toString()` in Connect print. Converters must produce the same bytes.
//!
//! Two algorithms, as Java has had two: by default the shortest decimal
//! that reads back as the same number (`Double.toString` since JDK 19), or,
//! with [`FloatFormat::Jdk8To18`], the digits older JDKs print (often one
//! more, see [`super::floating_decimal`]). Both read back to the same value.
//! The process-wide choice comes from `KCONNECT_JAVA_FLOAT_FORMAT`
//! (`jdk17` / `legacy`, or `jdk21` / `shortest`) unless set in code.

use std::sync::atomic::{AtomicU8, Ordering};

/// Which JDK's `Double.toString` / `Float.toString` digits to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloatFormat {
    /// JDK 19 and later: the shortest decimal that reads back.
    Shortest,
    /// JDK 8 to 18 (`FloatingDecimal`).
    Jdk8To18,
}

/// 0: not chosen yet (read the environment), 1: shortest, 2: JDK 8-18.
static FORMAT: AtomicU8 = AtomicU8::new(0);

/// The float format in use.
pub fn float_format() -> FloatFormat {
    match FORMAT.load(Ordering::Relaxed) {
        1 => FloatFormat::Shortest,
        2 => FloatFormat::Jdk8To18,
        _ => {
            let chosen = match std::env::var("KCONNECT_JAVA_FLOAT_FORMAT")
                .unwrap_or_default()
                .to_ascii_lowercase()
                .as_str()
            {
                "jdk8" | "jdk11" | "jdk17" | "legacy" | "jdk8to18" => FloatFormat::Jdk8To18,
                _ => FloatFormat::Shortest,
            };
            set_float_format(chosen);
            chosen
        }
    }
}

/// Chooses the float format for the whole process (Java prints floats as
/// the JDK that runs it does; pick the one of the deployment replaced).
pub fn set_float_format(format: FloatFormat) {
    let v = match format {
        FloatFormat::Shortest => 1,
        FloatFormat::Jdk8To18 => 2,
    };
    FORMAT.store(v, Ordering::Relaxed);
}

/// `Double.toString(d)`: `1.0`, `100.0`, `0.001`, `1.0E-4`, `1.0E10`,
/// `NaN`, `Infinity`, `-0.0`.
pub fn double_to_string(d: f64) -> String {
    if float_format() == FloatFormat::Jdk8To18 {
        return super::floating_decimal::double_to_string(d);
    }
    shortest_double_to_string(d)
}

/// `Double.toString(d)` of JDK 19 and later.
pub fn shortest_double_to_string(d: f64) -> String {
    if d.is_nan() {
        return "NaN".to_string();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    let negative = d.is_sign_negative();
    if d == 0.0 {
        return if negative { "-0.0" } else { "0.0" }.to_string();
    }
    let abs = d.abs();
    let (digits, exp) = shortest_digits(&format!("{abs:e}"));
    let (digits, exp) = if digits.len() == 1 {
        // Java picks the closest decimal of length 2 when the shortest has
        // one digit and a two-digit one also reads back (e.g. 4.9E-324).
        let two = format!("{abs:.1e}");
        match two.parse::<f64>() {
            Ok(v) if v == abs => {
                let (d2, e2) = shortest_digits(&two);
                if d2.len() == 2 && !d2.ends_with('0') {
                    (d2, e2)
                } else {
                    (digits, exp)
                }
            }
            _ => (digits, exp),
        }
    } else {
        (digits, exp)
    };
    layout(negative, &digits, exp)
}

/// `Float.toString(f)`: like [`double_to_string`] with the digits of the
/// shortest decimal that reads back as the same `float`.
pub fn float_to_string(f: f32) -> String {
    if float_format() == FloatFormat::Jdk8To18 {
        return super::floating_decimal::float_to_string(f);
    }
    shortest_float_to_string(f)
}

/// `Float.toString(f)` of JDK 19 and later.
pub fn shortest_float_to_string(f: f32) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    let negative = f.is_sign_negative();
    if f == 0.0 {
        return if negative { "-0.0" } else { "0.0" }.to_string();
    }
    let abs = f.abs();
    let (digits, exp) = shortest_digits(&format!("{abs:e}"));
    let (digits, exp) = if digits.len() == 1 {
        let two = format!("{abs:.1e}");
        match two.parse::<f32>() {
            Ok(v) if v == abs => {
                let (d2, e2) = shortest_digits(&two);
                if d2.len() == 2 && !d2.ends_with('0') {
                    (d2, e2)
                } else {
                    (digits, exp)
                }
            }
            _ => (digits, exp),
        }
    } else {
        (digits, exp)
    };
    layout(negative, &digits, exp)
}

/// Splits Rust's `{:e}` form (`1.2345e-5`) into its significant digits
/// (`12345`, no trailing zeros) and the decimal exponent of the first digit.
fn shortest_digits(sci: &str) -> (String, i32) {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp = exp.parse::<i32>().unwrap_or(0);
    let mut digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    (digits, exp)
}

/// Java's layout: plain notation for 10^-3 <= |x| < 10^7, otherwise
/// computerized scientific notation; always a digit after the point.
fn layout(negative: bool, digits: &str, exp: i32) -> String {
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    if (-3..7).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(digits);
                for _ in digits.len()..int_len {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(digits);
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        if digits.len() > 1 {
            out.push_str(&digits[1..]);
        } else {
            out.push('0');
        }
        out.push('E');
        out.push_str(&exp.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_like_java() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (100.0, "100.0"),
            (0.001, "0.001"),
            (1.0e-4, "1.0E-4"),
            (1.0e10, "1.0E10"),
            (1.0e7, "1.0E7"),
            (9999999.0, "9999999.0"),
            (1234567.5, "1234567.5"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (f64::MAX, "1.7976931348623157E308"),
            (f64::MIN_POSITIVE, "2.2250738585072014E-308"),
            (4.9e-324, "4.9E-324"),
            (123456789.0, "1.23456789E8"),
            (0.00123, "0.00123"),
            (1.0e-3, "0.001"),
            (std::f64::consts::PI, "3.141592653589793"),
            (1.0e21, "1.0E21"),
            (1.0e23, "1.0E23"),
        ];
        for (d, want) in cases {
            assert_eq!(shortest_double_to_string(*d), *want, "{d:e}");
        }
    }

    #[test]
    fn floats_print_like_java() {
        let cases: &[(f32, &str)] = &[
            (1.0, "1.0"),
            (0.1, "0.1"),
            (3.4028235e38, "3.4028235E38"),
            (1.4e-45, "1.4E-45"),
            (1.0e10, "1.0E10"),
            (-1.5e-5, "-1.5E-5"),
            (16777216.0, "1.6777216E7"),
            (1234.5677, "1234.5677"),
        ];
        for (f, want) in cases {
            assert_eq!(shortest_float_to_string(*f), *want, "{f:e}");
        }
    }

    #[test]
    fn printed_doubles_read_back() {
        for bits in [
            1u64,
            0x3ff0_0000_0000_0001,
            0x7fef_ffff_ffff_ffff,
            0x0010_0000_0000_0000,
        ] {
            let d = f64::from_bits(bits);
            assert_eq!(shortest_double_to_string(d).parse::<f64>().ok(), Some(d));
            assert_eq!(
                super::super::floating_decimal::double_to_string(d)
                    .parse::<f64>()
                    .ok(),
                Some(d)
            );
        }
    }
}
