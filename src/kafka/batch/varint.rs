//! Zigzag varints as Kafka writes them (`ByteUtils.writeVarint`,
//! `writeVarlong`, `sizeOfVarint`). Reading is the records cursor's
//! (`records::Cursor`), whose errors name the field and position.

use bytes::{BufMut, BytesMut};

pub(super) fn varint_size(v: i32) -> usize {
    varlong_size(i64::from(v))
}

pub(super) fn varlong_size(v: i64) -> usize {
    let raw = ((v << 1) ^ (v >> 63)) as u64;
    let bits = 64 - (raw | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

pub(super) fn put_varlong(out: &mut BytesMut, v: i64) {
    let mut raw = ((v << 1) ^ (v >> 63)) as u64;
    while raw >= 0x80 {
        out.put_u8((raw as u8 & 0x7f) | 0x80);
        raw >>= 7;
    }
    out.put_u8(raw as u8);
}

pub(super) fn put_varint(out: &mut BytesMut, v: i32) {
    put_varlong(out, i64::from(v));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::batch::records::Cursor;
    use bytes::Bytes;
    use proptest::prelude::*;

    #[test]
    fn varints_match_java() {
        let cases: &[(i64, &[u8])] = &[
            (0, &[0x00]),
            (-1, &[0x01]),
            (1, &[0x02]),
            (63, &[0x7e]),
            (-64, &[0x7f]),
            (64, &[0x80, 0x01]),
            (300, &[0xd8, 0x04]),
            (i64::from(i32::MIN), &[0xff, 0xff, 0xff, 0xff, 0x0f]),
        ];
        for &(v, bytes) in cases {
            let mut out = BytesMut::new();
            put_varlong(&mut out, v);
            assert_eq!(&out[..], bytes, "{v}");
            assert_eq!(varlong_size(v), bytes.len());
            let mut c = Cursor::new(Bytes::copy_from_slice(bytes));
            assert_eq!(c.varlong("v").ok(), Some(v));
            if let Ok(v32) = i32::try_from(v) {
                let mut c = Cursor::new(Bytes::copy_from_slice(bytes));
                assert_eq!(c.varint("v").ok(), Some(v32));
            }
        }
        assert_eq!(varlong_size(i64::MIN), 10);
        assert!(Cursor::new(Bytes::from_static(&[0x80; 5]))
            .varint("v")
            .is_err());
        assert!(Cursor::new(Bytes::from_static(&[0x80; 10]))
            .varlong("v")
            .is_err());
        assert!(Cursor::new(Bytes::from_static(&[0x80]))
            .varint("v")
            .is_err());
    }

    proptest! {
        #[test]
        fn varint_round_trip(v in any::<i64>()) {
            let mut out = BytesMut::new();
            put_varlong(&mut out, v);
            prop_assert_eq!(out.len(), varlong_size(v));
            prop_assert_eq!(Cursor::new(out.freeze()).varlong("v").ok(), Some(v));
        }
    }
}
