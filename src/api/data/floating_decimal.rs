//! `Double.toString` and `Float.toString` as JDK 8 to 18 compute them
//! (`jdk.internal.math.FloatingDecimal.BinaryToASCIIBuffer.dtoa`). Unlike the
//! shortest-decimal algorithm of JDK 19+, it sometimes prints more digits
//! than needed (`1.13132703E18` for the float `1.131327E18`), or a last
//! digit off by one; Java Connect on JDK 17 writes those bytes, so kconnect
//! can reproduce them (see [`super::java_format::set_float_format`]).
//!
//! The digit loop follows Java's: the same decimal-exponent estimate, the
//! same stopping tests (including Java's overflow behaviour in its int and
//! long fast paths, and its non-strict test in the big-number path) and the
//! same rounding. Big numbers are exact here where Java normalizes them;
//! quotients and comparisons are the same.

use std::cmp::Ordering;

const EXP_SHIFT: i32 = 52;
const FRACT_HOB: u64 = 1 << EXP_SHIFT;
const SIGNIF_MASK: u64 = FRACT_HOB - 1;
const EXP_ONE: u64 = 1023 << EXP_SHIFT;
const MAX_SMALL_BIN_EXP: i32 = 62;
const MIN_SMALL_BIN_EXP: i32 = -(63 / 3);

/// Approximately `ceil(log2(5^i))`.
const N_5_BITS: [i32; 27] = [
    0, 3, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28, 31, 33, 35, 38, 40, 42, 45, 47, 49, 52, 54, 56,
    59, 61,
];

/// Decimal digits to drop from an integer of `2^i`.
const INSIGNIFICANT_DIGITS: [i32; 64] = [
    0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9,
    9, 9, 10, 10, 10, 11, 11, 11, 12, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15, 15, 16, 16,
    16, 17, 17, 17, 18, 18, 18, 19,
];

fn pow5_i64(n: i32) -> i64 {
    5i64.wrapping_pow(n as u32)
}

/// `Double.toString(d)` of JDK 8 to 18.
pub fn double_to_string(d: f64) -> String {
    let bits = d.to_bits();
    let negative = bits >> 63 != 0;
    let mut fract = bits & SIGNIF_MASK;
    let mut bin_exp = ((bits >> EXP_SHIFT) & 0x7ff) as i32;
    if bin_exp == 0x7ff {
        return if fract != 0 {
            "NaN".into()
        } else if negative {
            "-Infinity".into()
        } else {
            "Infinity".into()
        };
    }
    let significant_bits;
    if bin_exp == 0 {
        if fract == 0 {
            return if negative { "-0.0" } else { "0.0" }.into();
        }
        let leading = fract.leading_zeros() as i32;
        let shift = leading - (63 - EXP_SHIFT);
        fract <<= shift;
        bin_exp = 1 - shift;
        significant_bits = 64 - leading;
    } else {
        fract |= FRACT_HOB;
        significant_bits = EXP_SHIFT + 1;
    }
    bin_exp -= 1023;
    Digits::dtoa(bin_exp, fract, significant_bits).layout(negative)
}

/// `Float.toString(f)` of JDK 8 to 18.
pub fn float_to_string(f: f32) -> String {
    let bits = f.to_bits();
    let negative = bits >> 31 != 0;
    let mut fract = bits & 0x7f_ffff;
    let mut bin_exp = ((bits >> 23) & 0xff) as i32;
    if bin_exp == 0xff {
        return if fract != 0 {
            "NaN".into()
        } else if negative {
            "-Infinity".into()
        } else {
            "Infinity".into()
        };
    }
    let significant_bits;
    if bin_exp == 0 {
        if fract == 0 {
            return if negative { "-0.0" } else { "0.0" }.into();
        }
        let leading = fract.leading_zeros() as i32;
        let shift = leading - (31 - 23);
        fract <<= shift;
        bin_exp = 1 - shift;
        significant_bits = 32 - leading;
    } else {
        fract |= 1 << 23;
        significant_bits = 24;
    }
    bin_exp -= 127;
    Digits::dtoa(
        bin_exp,
        (fract as u64) << (EXP_SHIFT - 23),
        significant_bits,
    )
    .layout(negative)
}

/// Decimal digits `0.d1d2...dn × 10^dec_exponent`.
struct Digits {
    digits: Vec<u8>,
    dec_exponent: i32,
}

impl Digits {
    fn dtoa(bin_exp: i32, mut fract: u64, significant_bits: i32) -> Digits {
        let tail_zeros = fract.trailing_zeros() as i32;
        let fract_bits = EXP_SHIFT + 1 - tail_zeros;
        let tiny_bits = (fract_bits - bin_exp - 1).max(0);
        if (MIN_SMALL_BIN_EXP..=MAX_SMALL_BIN_EXP).contains(&bin_exp)
            && tiny_bits == 0
            && fract_bits < 64
        {
            // An integer: its digits, less the insignificant ones.
            let insignificant = if bin_exp > significant_bits {
                let p2 = bin_exp - significant_bits - 1;
                if p2 > 1 && (p2 as usize) < INSIGNIFICANT_DIGITS.len() {
                    INSIGNIFICANT_DIGITS[p2 as usize]
                } else {
                    0
                }
            } else {
                0
            };
            let value = if bin_exp >= EXP_SHIFT {
                fract << (bin_exp - EXP_SHIFT)
            } else {
                fract >> (EXP_SHIFT - bin_exp)
            };
            return Digits::long_digits(value as i64, insignificant);
        }

        let mut dec_exp = estimate_dec_exp(fract, bin_exp);
        let b5 = (-dec_exp).max(0);
        let mut b2 = b5 + tiny_bits + bin_exp;
        let s5 = dec_exp.max(0);
        let mut s2 = s5 + tiny_bits;
        let m5 = b5;
        let mut m2 = b2 - significant_bits;

        fract >>= tail_zeros;
        b2 -= fract_bits - 1;
        let common2 = b2.min(s2);
        b2 -= common2;
        s2 -= common2;
        m2 -= common2;
        if fract_bits == 1 {
            m2 -= 1;
        }
        if m2 < 0 {
            b2 -= m2;
            s2 -= m2;
            m2 = 0;
        }

        let n5 = |i: i32| {
            if (i as usize) < N_5_BITS.len() {
                N_5_BITS[i as usize]
            } else {
                i * 3
            }
        };
        let b_bits = fract_bits + b2 + n5(b5);
        let ten_s_bits = s2 + 1 + n5(s5 + 1);

        let mut digits: Vec<u8> = Vec::with_capacity(20);
        let (low, high, low_digit_difference): (bool, bool, Ordering);
        if b_bits < 64 && ten_s_bits < 64 {
            if b_bits < 32 && ten_s_bits < 32 {
                // Java's int arithmetic, overflow included.
                let mut b = (fract as i32)
                    .wrapping_mul(pow5_i64(b5) as i32)
                    .wrapping_shl(b2 as u32);
                let s = (pow5_i64(s5) as i32).wrapping_shl(s2 as u32);
                let mut m = (pow5_i64(m5) as i32).wrapping_shl(m2 as u32);
                let tens = s.wrapping_mul(10);
                let mut q = b / s;
                b = 10i32.wrapping_mul(b % s);
                m = m.wrapping_mul(10);
                let mut lo = b < m;
                let mut hi = b.wrapping_add(m) > tens;
                if q == 0 && !hi {
                    dec_exp -= 1;
                } else {
                    digits.push(b'0'.wrapping_add(q as u8));
                }
                if !(-3..8).contains(&dec_exp) {
                    lo = false;
                    hi = false;
                }
                while !lo && !hi {
                    q = b / s;
                    b = 10i32.wrapping_mul(b % s);
                    m = m.wrapping_mul(10);
                    if m > 0 {
                        lo = b < m;
                        hi = b.wrapping_add(m) > tens;
                    } else {
                        lo = true;
                        hi = true;
                    }
                    digits.push(b'0'.wrapping_add(q as u8));
                }
                low = lo;
                high = hi;
                low_digit_difference = (b.wrapping_shl(1).wrapping_sub(tens)).cmp(&0);
            } else {
                // Java's long arithmetic, overflow included.
                let mut b = (fract as i64)
                    .wrapping_mul(pow5_i64(b5))
                    .wrapping_shl(b2 as u32);
                let s = pow5_i64(s5).wrapping_shl(s2 as u32);
                let mut m = pow5_i64(m5).wrapping_shl(m2 as u32);
                let tens = s.wrapping_mul(10);
                let mut q = b / s;
                b = 10i64.wrapping_mul(b % s);
                m = m.wrapping_mul(10);
                let mut lo = b < m;
                let mut hi = b.wrapping_add(m) > tens;
                if q == 0 && !hi {
                    dec_exp -= 1;
                } else {
                    digits.push(b'0'.wrapping_add(q as u8));
                }
                if !(-3..8).contains(&dec_exp) {
                    lo = false;
                    hi = false;
                }
                while !lo && !hi {
                    q = b / s;
                    b = 10i64.wrapping_mul(b % s);
                    m = m.wrapping_mul(10);
                    if m > 0 {
                        lo = b < m;
                        hi = b.wrapping_add(m) > tens;
                    } else {
                        lo = true;
                        hi = true;
                    }
                    digits.push(b'0'.wrapping_add(q as u8));
                }
                low = lo;
                high = hi;
                low_digit_difference = (b.wrapping_shl(1).wrapping_sub(tens)).cmp(&0);
            }
        } else {
            let s = BigUint::pow52(s5, s2);
            let mut b = BigUint::from_u64(fract).mul_pow52(b5, b2);
            let mut m = BigUint::pow52(m5 + 1, m2 + 1);
            let ten_s = BigUint::pow52(s5 + 1, s2 + 1);
            let mut q = b.quo_rem_iteration(&s);
            let mut lo = b.cmp(&m) == Ordering::Less;
            let mut hi = ten_s.cmp(&b.add(&m)) != Ordering::Greater;
            if q == 0 && !hi {
                dec_exp -= 1;
            } else {
                digits.push(b'0'.wrapping_add(q));
            }
            if !(-3..8).contains(&dec_exp) {
                lo = false;
                hi = false;
            }
            while !lo && !hi {
                q = b.quo_rem_iteration(&s);
                m.mul_small(10);
                lo = b.cmp(&m) == Ordering::Less;
                hi = ten_s.cmp(&b.add(&m)) != Ordering::Greater;
                digits.push(b'0'.wrapping_add(q));
            }
            low = lo;
            high = hi;
            low_digit_difference = if hi && lo {
                let mut twice = b.clone();
                twice.shl(1);
                twice.cmp(&ten_s)
            } else {
                Ordering::Equal
            };
        }
        let mut out = Digits {
            digits,
            dec_exponent: dec_exp + 1,
        };
        if high {
            if low {
                match low_digit_difference {
                    Ordering::Equal => {
                        if out.digits.last().is_some_and(|d| d & 1 != 0) {
                            out.round_up();
                        }
                    }
                    Ordering::Greater => out.round_up(),
                    Ordering::Less => {}
                }
            } else {
                out.round_up();
            }
        }
        out
    }

    /// `developLongDigits(0, value, insignificant)`.
    fn long_digits(mut value: i64, insignificant: i32) -> Digits {
        let mut dec_exponent = 0;
        if insignificant != 0 {
            let pow10 = pow5_i64(insignificant).wrapping_shl(insignificant as u32);
            let residue = value % pow10;
            value /= pow10;
            dec_exponent += insignificant;
            if residue >= pow10 >> 1 {
                value += 1;
            }
        }
        let mut reversed: Vec<u8> = Vec::with_capacity(20);
        let mut c = value % 10;
        value /= 10;
        while c == 0 && value != 0 {
            dec_exponent += 1;
            c = value % 10;
            value /= 10;
        }
        while value != 0 {
            reversed.push(b'0'.wrapping_add(c as u8));
            dec_exponent += 1;
            c = value % 10;
            value /= 10;
        }
        reversed.push(b'0'.wrapping_add(c as u8));
        reversed.reverse();
        Digits {
            digits: reversed,
            dec_exponent: dec_exponent + 1,
        }
    }

    fn round_up(&mut self) {
        let Some(mut i) = self.digits.len().checked_sub(1) else {
            return;
        };
        let mut q = self.digits[i];
        if q == b'9' {
            while q == b'9' && i > 0 {
                self.digits[i] = b'0';
                i -= 1;
                q = self.digits[i];
            }
            if q == b'9' {
                self.dec_exponent += 1;
                self.digits[0] = b'1';
                return;
            }
        }
        self.digits[i] = q.wrapping_add(1);
    }

    /// `getChars`: plain for 10^-3 <= |x| < 10^7, else `d.dddE±n`.
    fn layout(&self, negative: bool) -> String {
        let d = &self.digits;
        let n = d.len();
        let e = self.dec_exponent;
        let mut out = String::with_capacity(n + 8);
        if negative {
            out.push('-');
        }
        let text = |s: &[u8]| String::from_utf8_lossy(s).into_owned();
        if e > 0 && e < 8 {
            let int_len = (e as usize).min(n);
            out.push_str(&text(&d[..int_len]));
            if int_len < e as usize {
                for _ in int_len..e as usize {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push('.');
                if int_len < n {
                    out.push_str(&text(&d[int_len..]));
                } else {
                    out.push('0');
                }
            }
        } else if e <= 0 && e > -3 {
            out.push_str("0.");
            for _ in 0..(-e) {
                out.push('0');
            }
            out.push_str(&text(d));
        } else {
            out.push(d.first().map_or('0', |c| *c as char));
            out.push('.');
            if n > 1 {
                out.push_str(&text(&d[1..]));
            } else {
                out.push('0');
            }
            out.push('E');
            out.push_str(&(e - 1).to_string());
        }
        out
    }
}

/// Java's `estimateDecExp`: floor of an approximation of log10 of the value.
/// Java's constants are kept as written (not `LOG10_2`): the estimate, and
/// so the digits, must be Java's.
#[allow(clippy::approx_constant)]
fn estimate_dec_exp(fract: u64, bin_exp: i32) -> i32 {
    let d2 = f64::from_bits(EXP_ONE | (fract & SIGNIF_MASK));
    let d = (d2 - 1.5) * 0.289529654 + 0.176091259 + bin_exp as f64 * 0.301029995663981;
    let bits = d.to_bits();
    let exponent = ((bits >> EXP_SHIFT) & 0x7ff) as i32 - 1023;
    let negative = bits >> 63 != 0;
    if (0..52).contains(&exponent) {
        let mask = SIGNIF_MASK >> exponent;
        let r = (((bits & SIGNIF_MASK) | FRACT_HOB) >> (EXP_SHIFT - exponent)) as i32;
        if negative {
            if mask & bits == 0 {
                -r
            } else {
                -r - 1
            }
        } else {
            r
        }
    } else if exponent < 0 {
        if bits & !(1 << 63) == 0 {
            0
        } else if negative {
            -1
        } else {
            0
        }
    } else {
        d as i32
    }
}

/// A non-negative big integer, little-endian base 2^32.
#[derive(Clone, Debug)]
struct BigUint(Vec<u32>);

impl BigUint {
    fn from_u64(v: u64) -> BigUint {
        let mut b = BigUint(vec![v as u32, (v >> 32) as u32]);
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    /// `5^p5 * 2^p2`.
    fn pow52(p5: i32, p2: i32) -> BigUint {
        BigUint::from_u64(1).mul_pow52(p5, p2)
    }

    fn mul_pow52(mut self, p5: i32, p2: i32) -> BigUint {
        let mut left = p5.max(0);
        while left > 0 {
            let step = left.min(13);
            self.mul_small(5u32.pow(step as u32));
            left -= step;
        }
        self.shl(p2.max(0) as u32);
        self
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for limb in self.0.iter_mut() {
            let v = *limb as u64 * m as u64 + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn shl(&mut self, bits: u32) {
        if self.0.is_empty() {
            return;
        }
        let words = (bits / 32) as usize;
        let bits = bits % 32;
        if bits > 0 {
            let mut carry = 0u32;
            for limb in self.0.iter_mut() {
                let v = *limb;
                *limb = (v << bits) | carry;
                carry = v >> (32 - bits);
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        if words > 0 {
            let mut shifted = vec![0u32; words];
            shifted.extend_from_slice(&self.0);
            self.0 = shifted;
        }
    }

    fn add(&self, other: &BigUint) -> BigUint {
        let n = self.0.len().max(other.0.len());
        let mut out = Vec::with_capacity(n + 1);
        let mut carry = 0u64;
        for i in 0..n {
            let v =
                *self.0.get(i).unwrap_or(&0) as u64 + *other.0.get(i).unwrap_or(&0) as u64 + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        if carry > 0 {
            out.push(carry as u32);
        }
        let mut b = BigUint(out);
        b.trim();
        b
    }

    /// `self -= other`, for `self >= other`.
    fn sub_assign(&mut self, other: &BigUint) {
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let v = self.0[i] as i64 - *other.0.get(i).unwrap_or(&0) as i64 - borrow;
            if v < 0 {
                self.0[i] = (v + (1 << 32)) as u32;
                borrow = 1;
            } else {
                self.0[i] = v as u32;
                borrow = 0;
            }
        }
        self.trim();
    }

    fn cmp(&self, other: &BigUint) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    /// `q = self / s; self = 10 * (self % s)`: FDBigInteger's
    /// `quoRemIteration`. The quotient is a decimal digit.
    fn quo_rem_iteration(&mut self, s: &BigUint) -> u8 {
        let mut q = 0u8;
        while self.cmp(s) != Ordering::Less && q < 255 {
            self.sub_assign(s);
            q += 1;
        }
        self.mul_small(10);
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_like_jdk17() {
        for (d, want) in [
            (1.0, "1.0"),
            (100.0, "100.0"),
            (0.001, "0.001"),
            (1.0e-4, "1.0E-4"),
            (1.0e10, "1.0E10"),
            (0.1, "0.1"),
            // JDK 17 prints 1e23 with 16 digits.
            (1.0e23, "9.999999999999999E22"),
            (2.0e-3, "0.002"),
            (4.9e-324, "4.9E-324"),
            (f64::MAX, "1.7976931348623157E308"),
            (-8.339840063750243e14, "-8.339840063750242E14"),
            (123456789.125, "1.23456789125E8"),
        ] {
            assert_eq!(double_to_string(d), want, "{d:e}");
        }
    }

    #[test]
    fn floats_like_jdk17() {
        for (f, want) in [
            (1.0f32, "1.0"),
            (0.1, "0.1"),
            (1.131327e18, "1.13132703E18"),
            (-7.68498e12, "-7.6849799E12"),
            (3376200.3, "3376200.2"),
            (1.4e-45, "1.4E-45"),
            (3.4028235e38, "3.4028235E38"),
            (16777216.0, "1.6777216E7"),
        ] {
            assert_eq!(float_to_string(f), want, "{f:e}");
        }
    }
}
