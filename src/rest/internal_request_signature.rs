//! Signatures on requests between workers (Java's `InternalRequestSignature`):
//! with the sessioned protocol, a worker that forwards task configs to the
//! leader signs the body with the session key the leader published in the
//! config topic; the leader checks it before writing anything. The HMAC of
//! the body goes base64-encoded in `X-Connect-Authorization`, its algorithm
//! in `X-Connect-Request-Signature-Algorithm`, exactly as Java does, so Java
//! and kconnect workers accept each other's requests.

use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384, Sha512};

use crate::api::data::base64;

/// The header carrying the base64 signature.
pub const SIGNATURE_HEADER: &str = "X-Connect-Authorization";
/// The header naming the signature's `javax.crypto.Mac` algorithm.
pub const SIGNATURE_ALGORITHM_HEADER: &str = "X-Connect-Request-Signature-Algorithm";

/// A request's signature as received (Java's `InternalRequestSignature`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalRequestSignature {
    pub algorithm: String,
    pub signature: Vec<u8>,
    pub body: Vec<u8>,
}

/// The HMAC of `body` under `key` with the Java algorithm name `algorithm`
/// (`HmacSHA256`, `HmacSHA384`, `HmacSHA512`); `None` for others.
pub fn sign(algorithm: &str, key: &[u8], body: &[u8]) -> Option<Vec<u8>> {
    fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], body: &[u8]) -> Option<Vec<u8>> {
        let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key).ok()?;
        mac.update(body);
        Some(mac.finalize().into_bytes().to_vec())
    }
    match algorithm {
        "HmacSHA256" => mac::<Hmac<Sha256>>(key, body),
        "HmacSHA384" => mac::<Hmac<Sha384>>(key, body),
        "HmacSHA512" => mac::<Hmac<Sha512>>(key, body),
        _ => None,
    }
}

/// Whether `algorithm` is one this build can sign and verify with.
pub fn is_supported(algorithm: &str) -> bool {
    sign(algorithm, b"k", b"").is_some()
}

/// The two headers for a request carrying `body` (Java's `addToRequest`).
pub fn headers(algorithm: &str, key: &[u8], body: &[u8]) -> Option<[(&'static str, String); 2]> {
    let signature = sign(algorithm, key, body)?;
    Some([
        (SIGNATURE_HEADER, base64::encode(&signature)),
        (SIGNATURE_ALGORITHM_HEADER, algorithm.to_string()),
    ])
}

impl InternalRequestSignature {
    /// Reads the signature headers (Java's `fromHeaders`): `Ok(None)` when
    /// either is missing; a 400 message for a bad algorithm or encoding.
    pub fn from_headers(
        algorithm: Option<&str>,
        encoded: Option<&str>,
        body: &[u8],
    ) -> Result<Option<InternalRequestSignature>, String> {
        let (Some(algorithm), Some(encoded)) = (algorithm, encoded) else {
            return Ok(None);
        };
        if !is_supported(algorithm) {
            return Err(format!("{algorithm} Mac not available"));
        }
        let signature = base64::decode(encoded)?;
        Ok(Some(InternalRequestSignature {
            algorithm: algorithm.to_string(),
            signature,
            body: body.to_vec(),
        }))
    }

    /// Whether the signature is the body's HMAC under `key`, compared in
    /// constant time (Java's `isValid`, `MessageDigest.isEqual`).
    pub fn is_valid(&self, key: &[u8]) -> bool {
        let Some(expected) = sign(&self.algorithm, key, &self.body) else {
            return false;
        };
        expected.len() == self.signature.len()
            && expected
                .iter()
                .zip(&self.signature)
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // RFC 4231 test case 2.
        let key = b"Jefe";
        let data = b"what do ya want for nothing?";
        assert_eq!(
            hex(&sign("HmacSHA256", key, data).unwrap_or_default()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&sign("HmacSHA512", key, data).unwrap_or_default()),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
        assert_eq!(sign("HmacMD5", key, data), None);
    }

    #[test]
    fn headers_round_trip_and_tampering_is_caught() {
        let key = b"0123456789abcdef0123456789abcdef";
        let body = br#"[{"task.class":"x"}]"#;
        let [(sig_name, sig), (alg_name, alg)] =
            headers("HmacSHA256", key, body).unwrap_or_else(|| panic!("supported"));
        assert_eq!(sig_name, "X-Connect-Authorization");
        assert_eq!(alg_name, "X-Connect-Request-Signature-Algorithm");
        let parsed = InternalRequestSignature::from_headers(Some(&alg), Some(&sig), body)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("both headers given"));
        assert!(parsed.is_valid(key));
        assert!(!parsed.is_valid(b"another key entirely, 32 bytes!"));
        let tampered = InternalRequestSignature::from_headers(Some(&alg), Some(&sig), b"[]")
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("both headers given"));
        assert!(!tampered.is_valid(key));
        assert_eq!(
            InternalRequestSignature::from_headers(None, Some(&sig), body),
            Ok(None)
        );
        assert!(InternalRequestSignature::from_headers(Some("HmacFoo"), Some(&sig), body).is_err());
        assert!(InternalRequestSignature::from_headers(Some(&alg), Some("***"), body).is_err());
    }
}
