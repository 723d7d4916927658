//! Arbitrary-precision decimals (Java's `java.math.BigDecimal`), the value
//! of the Connect `Decimal` logical type.
//!
//! A value is an unscaled integer and a scale: `unscaled × 10^-scale`. The
//! unscaled integer is kept as Java's `BigInteger.toByteArray()` form
//! (minimal big-endian two's complement), which is exactly what the
//! `Decimal` logical type stores in its bytes, so the common path (bytes in,
//! bytes out) copies nothing and converts nothing. Like Java, `1.5` (scale 1)
//! and `1.50` (scale 2) are different values.

use std::fmt;
use std::str::FromStr;

use crate::api::error::{ConnectError, ConnectResult};

/// An arbitrary-precision decimal: unscaled integer and scale.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BigDecimal {
    /// Minimal big-endian two's complement, never empty (zero is `[0]`).
    unscaled: Vec<u8>,
    scale: i32,
}

impl BigDecimal {
    /// From the unscaled value's big-endian two's-complement bytes (any
    /// length; redundant sign bytes are dropped), as `new BigDecimal(new
    /// BigInteger(bytes), scale)`. Empty bytes are an error, as in Java.
    pub fn new(unscaled: &[u8], scale: i32) -> ConnectResult<BigDecimal> {
        if unscaled.is_empty() {
            return Err(ConnectError::data("Zero length BigInteger"));
        }
        Ok(BigDecimal {
            unscaled: minimal_twos(unscaled),
            scale,
        })
    }

    pub fn from_i128(unscaled: i128, scale: i32) -> BigDecimal {
        BigDecimal {
            unscaled: minimal_twos(&unscaled.to_be_bytes()),
            scale,
        }
    }

    pub fn from_i64(unscaled: i64, scale: i32) -> BigDecimal {
        BigDecimal::from_i128(unscaled as i128, scale)
    }

    /// The unscaled value as `BigInteger.toByteArray()` gives it.
    pub fn unscaled_bytes(&self) -> &[u8] {
        &self.unscaled
    }

    pub fn scale(&self) -> i32 {
        self.scale
    }

    /// -1, 0 or 1.
    pub fn signum(&self) -> i32 {
        if self.unscaled[0] & 0x80 != 0 {
            -1
        } else if self.unscaled.iter().all(|b| *b == 0) {
            0
        } else {
            1
        }
    }

    /// The unscaled value, if it fits in an `i128`.
    pub fn unscaled_i128(&self) -> Option<i128> {
        if self.unscaled.len() > 16 {
            return None;
        }
        let fill = if self.unscaled[0] & 0x80 != 0 {
            0xff
        } else {
            0
        };
        let mut buf = [fill; 16];
        buf[16 - self.unscaled.len()..].copy_from_slice(&self.unscaled);
        Some(i128::from_be_bytes(buf))
    }

    /// Number of decimal digits of the unscaled value (`precision()`).
    pub fn precision(&self) -> usize {
        let (_, digits) = self.sign_and_digits();
        digits.len()
    }

    /// The sign and the decimal digits of the unscaled magnitude (`"0"` for 0).
    fn sign_and_digits(&self) -> (bool, String) {
        let (negative, mag) = magnitude_from_twos(&self.unscaled);
        (negative, magnitude_to_decimal(&mag))
    }

    /// Builds a value from a sign, decimal digits of the unscaled magnitude
    /// and a scale.
    fn from_digits(negative: bool, digits: &str, scale: i32) -> BigDecimal {
        let mag = magnitude_from_decimal(digits);
        BigDecimal {
            unscaled: twos_from_magnitude(negative, &mag),
            scale,
        }
    }

    /// Whether the value has no fractional part.
    pub fn is_integral(&self) -> bool {
        if self.scale <= 0 {
            return true;
        }
        let (_, digits) = self.sign_and_digits();
        if digits == "0" {
            return true;
        }
        let scale = self.scale as usize;
        digits.len() > scale && digits[digits.len() - scale..].bytes().all(|b| b == b'0')
    }

    /// The value as an `i64` if it is integral and in range.
    pub fn to_i64_exact(&self) -> Option<i64> {
        if !self.is_integral() {
            return None;
        }
        let (negative, digits) = self.sign_and_digits();
        if digits == "0" {
            return Some(0);
        }
        let int_digits: String = if self.scale >= 0 {
            digits[..digits.len() - self.scale as usize].to_string()
        } else {
            let zeros = (-(self.scale as i64)) as usize;
            if digits.len() + zeros > 20 {
                return None;
            }
            let mut s = digits.clone();
            s.extend(std::iter::repeat_n('0', zeros));
            s
        };
        let magnitude = int_digits.parse::<i128>().ok()?;
        let value = if negative { -magnitude } else { magnitude };
        i64::try_from(value).ok()
    }

    /// Java's `longValue()`: the integer part (truncated toward zero),
    /// reduced to its low 64 bits.
    pub fn low_i64(&self) -> i64 {
        let (negative, digits) = self.sign_and_digits();
        let mut acc: u64 = 0;
        let int_part: &str = if self.scale > 0 {
            let scale = self.scale as usize;
            if scale >= digits.len() {
                ""
            } else {
                &digits[..digits.len() - scale]
            }
        } else {
            &digits
        };
        for b in int_part.bytes() {
            acc = acc.wrapping_mul(10).wrapping_add((b - b'0') as u64);
        }
        if self.scale < 0 {
            // 10^64 is a multiple of 2^64: further zeros change nothing.
            let zeros = (-(self.scale as i64)).min(64);
            for _ in 0..zeros {
                acc = acc.wrapping_mul(10);
            }
        }
        let v = acc as i64;
        if negative {
            v.wrapping_neg()
        } else {
            v
        }
    }

    /// Java's `doubleValue()` (correctly rounded).
    pub fn to_f64(&self) -> f64 {
        self.to_string().parse::<f64>().unwrap_or(f64::NAN)
    }

    /// Java's `floatValue()` (correctly rounded).
    pub fn to_f32(&self) -> f32 {
        self.to_string().parse::<f32>().unwrap_or(f32::NAN)
    }

    /// `BigDecimal.valueOf(double)`: the value of `Double.toString(d)`.
    /// `None` for NaN and infinities.
    pub fn from_f64(d: f64) -> Option<BigDecimal> {
        if !d.is_finite() {
            return None;
        }
        super::java_format::double_to_string(d).parse().ok()
    }
}

impl fmt::Display for BigDecimal {
    /// Java's `BigDecimal.toString()`: plain notation when the scale is not
    /// negative and the adjusted exponent is at least -6, otherwise
    /// scientific (`1E+3`, `1.5E-7`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (negative, digits) = self.sign_and_digits();
        let mut out = String::with_capacity(digits.len() + 8);
        if negative {
            out.push('-');
        }
        let scale = self.scale as i64;
        let adjusted = -scale + (digits.len() as i64 - 1);
        if scale == 0 {
            out.push_str(&digits);
        } else if scale > 0 && adjusted >= -6 {
            let scale = scale as usize;
            if digits.len() > scale {
                out.push_str(&digits[..digits.len() - scale]);
                out.push('.');
                out.push_str(&digits[digits.len() - scale..]);
            } else {
                out.push_str("0.");
                for _ in digits.len()..scale {
                    out.push('0');
                }
                out.push_str(&digits);
            }
        } else {
            out.push_str(&digits[..1]);
            if digits.len() > 1 {
                out.push('.');
                out.push_str(&digits[1..]);
            }
            out.push('E');
            if adjusted > 0 {
                out.push('+');
            }
            out.push_str(&adjusted.to_string());
        }
        f.write_str(&out)
    }
}

/// Error of [`BigDecimal::from_str`]: the text is not a Java decimal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseBigDecimalError;

impl fmt::Display for ParseBigDecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a decimal number")
    }
}

impl std::error::Error for ParseBigDecimalError {}

impl FromStr for BigDecimal {
    type Err = ParseBigDecimalError;

    /// Java's `new BigDecimal(String)`: `[+-]digits[.digits][(e|E)[+-]digits]`,
    /// with digits allowed on either side of the point (`1.`, `.5`).
    fn from_str(s: &str) -> Result<BigDecimal, ParseBigDecimalError> {
        let b = s.as_bytes();
        let mut i = 0;
        let mut negative = false;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            negative = b[i] == b'-';
            i += 1;
        }
        let mut digits = String::new();
        let mut frac_digits: i64 = 0;
        let mut seen_point = false;
        let mut any_digit = false;
        while i < b.len() {
            match b[i] {
                c @ b'0'..=b'9' => {
                    any_digit = true;
                    if !(digits.is_empty() && c == b'0') {
                        digits.push(c as char);
                    }
                    if seen_point {
                        frac_digits += 1;
                    }
                }
                b'.' if !seen_point => seen_point = true,
                b'e' | b'E' => break,
                _ => return Err(ParseBigDecimalError),
            }
            i += 1;
        }
        if !any_digit {
            return Err(ParseBigDecimalError);
        }
        let mut exponent: i64 = 0;
        if i < b.len() {
            // at an 'e' / 'E'
            i += 1;
            let mut exp_negative = false;
            if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                exp_negative = b[i] == b'-';
                i += 1;
            }
            if i >= b.len() {
                return Err(ParseBigDecimalError);
            }
            while i < b.len() {
                match b[i] {
                    c @ b'0'..=b'9' => {
                        exponent = exponent * 10 + (c - b'0') as i64;
                        if exponent > i32::MAX as i64 + 1 {
                            return Err(ParseBigDecimalError);
                        }
                    }
                    _ => return Err(ParseBigDecimalError),
                }
                i += 1;
            }
            if exp_negative {
                exponent = -exponent;
            }
            if exponent > i32::MAX as i64 || exponent < i32::MIN as i64 {
                return Err(ParseBigDecimalError);
            }
        }
        let scale = frac_digits - exponent;
        let scale = i32::try_from(scale).map_err(|_| ParseBigDecimalError)?;
        if digits.is_empty() {
            digits.push('0');
        }
        Ok(BigDecimal::from_digits(
            negative && digits != "0",
            &digits,
            scale,
        ))
    }
}

// --- magnitude arithmetic (little-endian base 2^32 limbs) -------------------

/// Drops redundant leading sign bytes; never returns an empty vector.
fn minimal_twos(bytes: &[u8]) -> Vec<u8> {
    let mut start = 0;
    while start + 1 < bytes.len() {
        let (b, next) = (bytes[start], bytes[start + 1]);
        if (b == 0x00 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    bytes[start..].to_vec()
}

fn magnitude_from_twos(bytes: &[u8]) -> (bool, Vec<u32>) {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut be: Vec<u8> = bytes.to_vec();
    if negative {
        // magnitude = !x + 1
        for b in be.iter_mut() {
            *b = !*b;
        }
        for b in be.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }
    let mut limbs = Vec::with_capacity(be.len() / 4 + 1);
    for chunk in be.rchunks(4) {
        let mut limb = 0u32;
        for b in chunk {
            limb = (limb << 8) | *b as u32;
        }
        limbs.push(limb);
    }
    trim(&mut limbs);
    (negative, limbs)
}

fn twos_from_magnitude(negative: bool, mag: &[u32]) -> Vec<u8> {
    let mut be: Vec<u8> = Vec::with_capacity(mag.len() * 4 + 1);
    be.push(0);
    for limb in mag.iter().rev() {
        be.extend_from_slice(&limb.to_be_bytes());
    }
    if negative {
        for b in be.iter_mut() {
            *b = !*b;
        }
        for b in be.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }
    minimal_twos(&be)
}

fn trim(limbs: &mut Vec<u32>) {
    while limbs.last() == Some(&0) {
        limbs.pop();
    }
}

fn magnitude_from_decimal(digits: &str) -> Vec<u32> {
    let mut limbs: Vec<u32> = Vec::new();
    let bytes = digits.as_bytes();
    let first = bytes.len() % 9;
    let mut chunks: Vec<&[u8]> = Vec::new();
    if first > 0 {
        chunks.push(&bytes[..first]);
    }
    chunks.extend(bytes[first..].chunks(9));
    for chunk in chunks {
        let mut value = 0u64;
        let mut mul = 1u64;
        for b in chunk {
            value = value * 10 + (b.wrapping_sub(b'0') as u64 % 10);
            mul *= 10;
        }
        // limbs = limbs * mul + value
        let mut carry = value;
        for limb in limbs.iter_mut() {
            let v = *limb as u64 * mul + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            limbs.push(carry as u32);
        }
    }
    trim(&mut limbs);
    limbs
}

fn magnitude_to_decimal(mag: &[u32]) -> String {
    if mag.is_empty() {
        return "0".to_string();
    }
    let mut limbs = mag.to_vec();
    let mut chunks: Vec<u32> = Vec::new();
    while !limbs.is_empty() {
        let mut rem = 0u64;
        for limb in limbs.iter_mut().rev() {
            let v = (rem << 32) | *limb as u64;
            *limb = (v / 1_000_000_000) as u32;
            rem = v % 1_000_000_000;
        }
        chunks.push(rem as u32);
        trim(&mut limbs);
    }
    let mut out = String::with_capacity(chunks.len() * 9);
    if let Some(last) = chunks.last() {
        out.push_str(&last.to_string());
    }
    for chunk in chunks.iter().rev().skip(1) {
        out.push_str(&format!("{chunk:09}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> BigDecimal {
        s.parse().unwrap()
    }

    #[test]
    fn unscaled_bytes_are_java_to_byte_array() {
        assert_eq!(BigDecimal::from_i64(0, 0).unscaled_bytes(), &[0]);
        assert_eq!(BigDecimal::from_i64(127, 0).unscaled_bytes(), &[0x7f]);
        assert_eq!(BigDecimal::from_i64(128, 0).unscaled_bytes(), &[0x00, 0x80]);
        assert_eq!(BigDecimal::from_i64(-128, 0).unscaled_bytes(), &[0x80]);
        assert_eq!(
            BigDecimal::from_i64(-129, 0).unscaled_bytes(),
            &[0xff, 0x7f]
        );
        assert_eq!(BigDecimal::from_i64(156, 2).unscaled_bytes(), &[0x00, 0x9c]);
        assert_eq!(
            BigDecimal::new(&[0, 0, 0, 1], 0).unwrap(),
            BigDecimal::from_i64(1, 0)
        );
        assert_eq!(
            BigDecimal::new(&[0xff, 0xff, 0x80], 0).unwrap(),
            BigDecimal::from_i64(-128, 0)
        );
        assert!(BigDecimal::new(&[], 0).is_err());
    }

    #[test]
    fn parses_and_prints_like_java() {
        let cases = [
            ("1.56", "1.56", 2),
            ("0", "0", 0),
            ("-0.0", "0.0", 1),
            ("1e5", "1E+5", -5),
            ("1.50E+3", "1.50E+3", -1),
            ("123.456e-2", "1.23456", 5),
            ("0.0000001", "1E-7", 7),
            ("0.000001", "0.000001", 6),
            (
                "-12345678901234567890123456789.5",
                "-12345678901234567890123456789.5",
                1,
            ),
            (".5", "0.5", 1),
            ("5.", "5", 0),
            ("+7", "7", 0),
            ("0E+2", "0E+2", -2),
            ("0.00000000", "0E-8", 8),
        ];
        for (input, printed, scale) in cases {
            let d = dec(input);
            assert_eq!(d.to_string(), printed, "{input}");
            assert_eq!(d.scale(), scale, "{input}");
        }
        for bad in ["", "-", "1e", "1.2.3", "abc", "1e99999999999", "e5", "."] {
            assert!(bad.parse::<BigDecimal>().is_err(), "{bad}");
        }
    }

    #[test]
    fn big_values_round_trip_through_bytes() {
        let d = dec("-98765432109876543210987654321098765432.123");
        let again = BigDecimal::new(d.unscaled_bytes(), d.scale()).unwrap();
        assert_eq!(
            again.to_string(),
            "-98765432109876543210987654321098765432.123"
        );
        assert_eq!(d.signum(), -1);
        assert_eq!(dec("0.00").signum(), 0);
        assert_eq!(dec("12.5").unscaled_i128(), Some(125));
    }

    #[test]
    fn integral_checks_and_long_value() {
        assert_eq!(dec("1.0").to_i64_exact(), Some(1));
        assert_eq!(dec("1.5").to_i64_exact(), None);
        assert_eq!(dec("1e2").to_i64_exact(), Some(100));
        assert_eq!(dec("9223372036854775808").to_i64_exact(), None);
        assert_eq!(dec("-9223372036854775808").to_i64_exact(), Some(i64::MIN));
        assert_eq!(dec("1.9").low_i64(), 1);
        assert_eq!(dec("-1.9").low_i64(), -1);
        assert_eq!(dec("18446744073709551617").low_i64(), 1);
        assert_eq!(dec("1e400").low_i64(), 0);
        assert_eq!(dec("0.001").low_i64(), 0);
        assert_eq!(dec("1.56").to_f64(), 1.56);
        assert_eq!(BigDecimal::from_f64(0.1).unwrap().to_string(), "0.1");
    }
}
