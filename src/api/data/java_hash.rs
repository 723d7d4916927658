//! Java's `hashCode()` of Connect values, and the iteration order of a
//! `java.util.HashMap` built from map entries.
//!
//! Java's JsonConverter reads every JSON map into a `HashMap`, so when Java
//! writes that map out again its entries come in hash order, not in the
//! order they were read. Readers that must reproduce Java's bytes order map
//! entries the same way with [`hash_map_order`].

use super::big_decimal::BigDecimal;
use super::logical::epoch_millis;
use super::value::Value;

/// `String.hashCode()`: over UTF-16 code units.
pub fn string_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, unit| h.wrapping_mul(31).wrapping_add(unit as i32))
}

fn long_hash(v: i64) -> i32 {
    (v ^ ((v as u64) >> 32) as i64) as i32
}

/// `BigDecimal.hashCode()`: `31 * unscaledValue().hashCode() + scale`.
fn decimal_hash(d: &BigDecimal) -> i32 {
    let bytes = d.unscaled_bytes();
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    // Magnitude as big-endian bytes.
    let mut mag: Vec<u8> = bytes.to_vec();
    if negative {
        for b in mag.iter_mut() {
            *b = !*b;
        }
        for b in mag.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }
    let first = mag.iter().position(|b| *b != 0).unwrap_or(mag.len());
    let mag = &mag[first..];
    // BigInteger.hashCode: over the magnitude's big-endian 32-bit words.
    let mut h: i32 = 0;
    let pad = (4 - mag.len() % 4) % 4;
    let mut padded = vec![0u8; pad];
    padded.extend_from_slice(mag);
    for word in padded.chunks(4) {
        let w = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        h = h.wrapping_mul(31).wrapping_add(w as i32);
    }
    let signum = if mag.is_empty() {
        0
    } else if negative {
        -1
    } else {
        1
    };
    h.wrapping_mul(signum)
        .wrapping_mul(31)
        .wrapping_add(d.scale())
}

/// The value's Java `hashCode()`, when Java's is deterministic: `None` for
/// bytes (identity hash) and structs (their schema hashes an enum's
/// identity), or collections holding them.
pub fn java_hash_code(value: &Value) -> Option<i32> {
    Some(match value {
        Value::Null => 0,
        Value::Int8(v) => *v as i32,
        Value::Int16(v) => *v as i32,
        Value::Int32(v) => *v,
        Value::Int64(v) => long_hash(*v),
        Value::Float32(v) => {
            let bits = if v.is_nan() { 0x7fc0_0000 } else { v.to_bits() };
            bits as i32
        }
        Value::Float64(v) => {
            let bits = if v.is_nan() {
                0x7ff8_0000_0000_0000
            } else {
                v.to_bits()
            };
            long_hash(bits as i64)
        }
        Value::Boolean(b) => {
            if *b {
                1231
            } else {
                1237
            }
        }
        Value::String(s) => string_hash(s),
        Value::Bytes(_) | Value::Struct(_) => return None,
        Value::Array(items) => {
            let mut h: i32 = 1;
            for item in items {
                h = h.wrapping_mul(31).wrapping_add(java_hash_code(item)?);
            }
            h
        }
        Value::Map(entries) => {
            let mut h: i32 = 0;
            for (k, v) in entries {
                h = h.wrapping_add(java_hash_code(k)? ^ java_hash_code(v)?);
            }
            h
        }
        Value::Decimal(d) => decimal_hash(d),
        // java.util.Date.hashCode: (int) ht ^ (int) (ht >> 32)
        Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => {
            let ms = epoch_millis(value).unwrap_or(0);
            (ms as i32) ^ ((ms >> 32) as i32)
        }
    })
}

/// Reorders distinct-keyed map entries into the order a `java.util.HashMap`
/// filled with them in this order iterates them (default capacity 16, load
/// factor 0.75, early resizes for crowded buckets). Entries whose keys have
/// no deterministic Java hash stay as they are.
pub fn hash_map_order(entries: Vec<(Value, Value)>) -> Vec<(Value, Value)> {
    if entries.len() < 2 {
        return entries;
    }
    let mut hashes = Vec::with_capacity(entries.len());
    for (k, _) in &entries {
        match java_hash_code(k) {
            Some(h) => hashes.push(spread(h)),
            None => return entries,
        }
    }
    let capacity = table_capacity(&hashes);
    let mut order: Vec<usize> = (0..entries.len()).collect();
    // Stable: within a bucket, insertion order.
    order.sort_by_key(|&i| hashes[i] & (capacity - 1));
    let mut slots: Vec<Option<(Value, Value)>> = entries.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// `HashMap.hash`: the hash with its high half folded into the low half.
fn spread(h: i32) -> usize {
    let h = h as u32;
    (h ^ (h >> 16)) as usize
}

/// The table size after inserting keys with these spread hashes one by one.
fn table_capacity(hashes: &[usize]) -> usize {
    let mut capacity: usize = 16;
    let mut counts: Vec<usize> = vec![0; capacity];
    for (n, &h) in hashes.iter().enumerate() {
        let bucket = h & (capacity - 1);
        counts[bucket] += 1;
        let size = n + 1;
        // A ninth entry in one bucket of a small table resizes it instead
        // of making the bucket a tree.
        let crowded = counts[bucket] > 8 && capacity < 64;
        if size > capacity * 3 / 4 || crowded {
            capacity *= 2;
            counts = vec![0; capacity];
            for &h2 in &hashes[..size] {
                counts[h2 & (capacity - 1)] += 1;
            }
        }
    }
    capacity
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_match_java() {
        assert_eq!(string_hash("hello"), 99_162_322);
        assert_eq!(string_hash(""), 0);
        assert_eq!(string_hash("😀"), 1_772_899);
        assert_eq!(java_hash_code(&Value::Int64(-1)), Some(0));
        assert_eq!(java_hash_code(&Value::Int64(1 << 32)), Some(1));
        assert_eq!(java_hash_code(&Value::Boolean(true)), Some(1231));
        assert_eq!(java_hash_code(&Value::Float64(1.0)), Some(1_072_693_248));
        assert_eq!(
            java_hash_code(&Value::Array(vec![Value::Int32(1), Value::Int32(2)])),
            Some(994)
        );
        // new BigDecimal("1.56").hashCode() == 31 * 156 + 2
        assert_eq!(
            java_hash_code(&Value::Decimal(BigDecimal::from_i64(156, 2))),
            Some(4838)
        );
        assert_eq!(
            java_hash_code(&Value::Decimal(BigDecimal::from_i64(-156, 2))),
            Some(-4834)
        );
        assert_eq!(java_hash_code(&Value::Bytes(bytes::Bytes::new())), None);
    }

    #[test]
    fn hash_map_order_sorts_by_bucket() {
        let e = |k: &str| (Value::from(k), Value::Null);
        // "b" (98) and "a" (97) land in buckets 2 and 1 of 16; "" in 0.
        let ordered = hash_map_order(vec![e("b"), e("a"), e("")]);
        assert_eq!(ordered, vec![e(""), e("a"), e("b")]);
        let many: Vec<_> = (0..13)
            .map(|i| (Value::Int32(i * 16), Value::Null))
            .collect();
        // 13 entries: the table grew to 32; multiples of 16 share buckets 0 and 16.
        let ordered = hash_map_order(many);
        let keys: Vec<i32> = ordered
            .iter()
            .map(|(k, _)| match k {
                Value::Int32(v) => *v,
                _ => -1,
            })
            .collect();
        assert_eq!(
            keys,
            vec![0, 32, 64, 96, 128, 160, 192, 16, 48, 80, 112, 144, 176]
        );
    }
}
