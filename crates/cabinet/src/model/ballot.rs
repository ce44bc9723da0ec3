//! The canonical text of a ballot and of an opinion-form answer, and the checks anyone can make
//! on their evidence without the server:
//! - the **passkey assertion** (WebAuthn) made for the ballot: an ECDSA P-256 signature by the
//!   member's passkey over `authenticatorData ‖ SHA-256(clientDataJSON)`, whose client data
//!   names this site's origin and the challenge the server issued for this ballot. WebAuthn does
//!   not let the site choose what the passkey signs, so the ballot and its assertion are bound by
//!   being stored together, in one transaction, under one evidence hash that the audit chain
//!   seals;
//! - optionally the member's own **Ed25519** signature over the canonical text, verifiable by
//!   anyone holding the member's public key.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::kinds::{Answer, Choice};

/// First line of a ballot's canonical text.
pub const BALLOT_V1: &str = "egov-cabinet-ballot/1";
/// First line of an answer's canonical text.
pub const ANSWER_V1: &str = "egov-cabinet-answer/1";
/// Longest other opinion, in characters.
pub const MAX_OPINION: usize = 4000;

/// The client's id of a ballot (so that a repeated submission is recognised): 8 to 64 ASCII
/// letters, digits and `-`.
pub fn client_id_ok(s: &str) -> bool {
    (8..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// What a member says in a poll, in the form that is signed and hashed.
pub fn ballot_text(poll: i64, member: i64, choice: Choice, client_id: &str) -> String {
    format!(
        "{BALLOT_V1}\npoll: {poll}\nmember: {member}\nchoice: {}\nballot: {client_id}\n",
        choice.code()
    )
}

/// A ballot of a secret poll, as signed and hashed: it names no choice (the choice is kept apart).
pub fn ballot_text_secret(poll: i64, member: i64, client_id: &str) -> String {
    format!("{BALLOT_V1}\npoll: {poll}\nmember: {member}\nchoice: secret\nballot: {client_id}\n")
}

/// What a member answers to an opinion form (the `version`-th answer of theirs), in the form that
/// is signed and hashed. The opinion is JSON-quoted so that no text can forge a line.
pub fn answer_text(form: i64, member: i64, version: i64, answer: Answer, opinion: &str) -> String {
    format!(
        "{ANSWER_V1}\nform: {form}\nmember: {member}\nversion: {version}\nanswer: {}\nopinion: {}\n",
        answer.code(),
        serde_json::Value::String(opinion.to_owned())
    )
}

/// The evidence hash: SHA-256 over the canonical text and the stored assertion, hex.
pub fn evidence_hash(canonical: &str, assertion: &str, signature: &str) -> String {
    let mut h = Sha256::new();
    for part in [canonical, assertion, signature] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Why a piece of evidence does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    #[error("the assertion is not readable: {0}")]
    Unreadable(&'static str),
    #[error("the assertion was not made for signing in (type {0})")]
    WrongType(String),
    #[error("the assertion answers another challenge")]
    WrongChallenge,
    #[error("the assertion was made on another site ({0})")]
    WrongOrigin(String),
    #[error("the passkey's signature does not verify")]
    BadSignature,
    #[error("the member's Ed25519 signature does not verify")]
    BadMemberSignature,
    #[error("the member's public key is not an Ed25519 key")]
    BadMemberKey,
}

/// A stored passkey assertion: the three base64url fields of the browser's
/// `AuthenticatorAssertionResponse`.
pub struct Assertion {
    pub authenticator_data: Vec<u8>,
    pub client_data_json: Vec<u8>,
    pub signature: Vec<u8>,
}

impl Assertion {
    /// Reads the `PublicKeyCredential` JSON the browser sent.
    pub fn parse(json: &str) -> Result<Assertion, EvidenceError> {
        let v: serde_json::Value =
            serde_json::from_str(json).map_err(|_| EvidenceError::Unreadable("json"))?;
        let field = |name: &'static str| -> Result<Vec<u8>, EvidenceError> {
            let s = v["response"][name]
                .as_str()
                .ok_or(EvidenceError::Unreadable(name))?;
            URL_SAFE_NO_PAD
                .decode(s.trim_end_matches('='))
                .map_err(|_| EvidenceError::Unreadable(name))
        };
        Ok(Assertion {
            authenticator_data: field("authenticatorData")?,
            client_data_json: field("clientDataJSON")?,
            signature: field("signature")?,
        })
    }

    /// Checks the assertion answers `challenge` (base64url, as issued) on `origin` (when given)
    /// and is signed by the passkey whose public key is `public_key` as stored (see
    /// [`passkey_public_key`]).
    pub fn verify(
        &self,
        public_key: &str,
        challenge: &str,
        origin: Option<&str>,
    ) -> Result<(), EvidenceError> {
        let cd: serde_json::Value = serde_json::from_slice(&self.client_data_json)
            .map_err(|_| EvidenceError::Unreadable("clientDataJSON"))?;
        let ty = cd["type"].as_str().unwrap_or("");
        if ty != "webauthn.get" {
            return Err(EvidenceError::WrongType(ty.to_owned()));
        }
        if cd["challenge"].as_str().map(|c| c.trim_end_matches('=')) != Some(challenge) {
            return Err(EvidenceError::WrongChallenge);
        }
        let o = cd["origin"].as_str().unwrap_or("");
        if origin.is_some_and(|want| want != o) {
            return Err(EvidenceError::WrongOrigin(o.to_owned()));
        }
        let mut signed = self.authenticator_data.clone();
        signed.extend_from_slice(&Sha256::digest(&self.client_data_json));
        let bad = |_| EvidenceError::BadSignature;
        match public_key.split(':').collect::<Vec<_>>().as_slice() {
            ["p256", point] => {
                let point = hex::decode(point).map_err(|_| EvidenceError::BadSignature)?;
                ring::signature::UnparsedPublicKey::new(
                    &ring::signature::ECDSA_P256_SHA256_ASN1,
                    point,
                )
                .verify(&signed, &self.signature)
                .map_err(bad)
            }
            ["rsa", n, e] => {
                let n = hex::decode(n).map_err(|_| EvidenceError::BadSignature)?;
                let e = hex::decode(e).map_err(|_| EvidenceError::BadSignature)?;
                ring::signature::RsaPublicKeyComponents { n, e }
                    .verify(
                        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                        &signed,
                        &self.signature,
                    )
                    .map_err(bad)
            }
            _ => Err(EvidenceError::BadSignature),
        }
    }
}

/// A passkey's public key as stored: `p256:<uncompressed point, hex>` (ES256) or
/// `rsa:<modulus, hex>:<exponent, hex>` (RS256).
pub fn passkey_public_key_p256(x: &[u8], y: &[u8]) -> String {
    let mut point = vec![4u8];
    point.extend_from_slice(x);
    point.extend_from_slice(y);
    format!("p256:{}", hex::encode(point))
}

/// See [`passkey_public_key_p256`].
pub fn passkey_public_key_rsa(n: &[u8], e: &[u8]) -> String {
    format!("rsa:{}:{}", hex::encode(n), hex::encode(e))
}

/// Checks a member's Ed25519 signature (hex, 64 bytes) over `text` with their public key (hex,
/// 32 bytes).
pub fn verify_member_signature(
    public_key_hex: &str,
    text: &str,
    signature_hex: &str,
) -> Result<(), EvidenceError> {
    let key: [u8; 32] = hex::decode(public_key_hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(EvidenceError::BadMemberKey)?;
    let key =
        ed25519_dalek::VerifyingKey::from_bytes(&key).map_err(|_| EvidenceError::BadMemberKey)?;
    let sig: [u8; 64] = hex::decode(signature_hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(EvidenceError::BadMemberSignature)?;
    key.verify_strict(text.as_bytes(), &ed25519_dalek::Signature::from_bytes(&sig))
        .map_err(|_| EvidenceError::BadMemberSignature)
}

/// An Ed25519 public key as members register it: 64 hex digits of a valid point.
pub fn member_key_ok(public_key_hex: &str) -> bool {
    hex::decode(public_key_hex)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .is_some_and(|k| ed25519_dalek::VerifyingKey::from_bytes(&k).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Signer;
    use proptest::prelude::*;

    #[test]
    fn the_canonical_texts_are_fixed() {
        assert_eq!(
            ballot_text(12, 34, Choice::Yes, "b-0001-aaaa"),
            "egov-cabinet-ballot/1\npoll: 12\nmember: 34\nchoice: yes\nballot: b-0001-aaaa\n"
        );
        assert_eq!(
            answer_text(5, 7, 2, Answer::Other, "Đề nghị\nbổ sung \"điều 3\""),
            "egov-cabinet-answer/1\nform: 5\nmember: 7\nversion: 2\nanswer: other\nopinion: \"Đề nghị\\nbổ sung \\\"điều 3\\\"\"\n"
        );
    }

    #[test]
    fn client_ids_are_bounded() {
        assert!(client_id_ok("0123abcd-ef"));
        assert!(!client_id_ok("short"));
        assert!(!client_id_ok(&"a".repeat(65)));
        assert!(!client_id_ok("abcdefgh\n"));
    }

    #[test]
    fn a_member_signature_verifies_and_tampering_does_not() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let public = hex::encode(key.verifying_key().to_bytes());
        assert!(member_key_ok(&public));
        assert!(!member_key_ok("00"));
        let text = ballot_text(1, 2, Choice::No, "client-0001");
        let sig = hex::encode(key.sign(text.as_bytes()).to_bytes());
        assert_eq!(verify_member_signature(&public, &text, &sig), Ok(()));
        let forged = ballot_text(1, 2, Choice::Yes, "client-0001");
        assert_eq!(
            verify_member_signature(&public, &forged, &sig),
            Err(EvidenceError::BadMemberSignature)
        );
    }

    #[test]
    fn a_passkey_assertion_verifies_and_tampering_does_not() {
        use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let kp = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let cd = br#"{"type":"webauthn.get","challenge":"abc","origin":"http://localhost:8080"}"#;
        let ad = vec![1u8; 37];
        let mut signed = ad.clone();
        signed.extend_from_slice(&Sha256::digest(cd));
        let sig = kp.sign(&rng, &signed).unwrap();
        let json = serde_json::json!({"response": {
            "authenticatorData": URL_SAFE_NO_PAD.encode(&ad),
            "clientDataJSON": URL_SAFE_NO_PAD.encode(cd),
            "signature": URL_SAFE_NO_PAD.encode(sig.as_ref()),
        }})
        .to_string();
        let a = Assertion::parse(&json).unwrap();
        let point = kp.public_key().as_ref();
        let pk = &passkey_public_key_p256(&point[1..33], &point[33..]);
        let here = Some("http://localhost:8080");
        assert_eq!(a.verify(pk, "abc", here), Ok(()));
        assert_eq!(a.verify(pk, "abc", None), Ok(()));
        assert_eq!(
            a.verify(pk, "abd", here),
            Err(EvidenceError::WrongChallenge)
        );
        assert!(matches!(
            a.verify(pk, "abc", Some("http://evil.example")),
            Err(EvidenceError::WrongOrigin(_))
        ));
        assert_eq!(
            a.verify("p256:00", "abc", here),
            Err(EvidenceError::BadSignature)
        );
        let mut bad = Assertion::parse(&json).unwrap();
        bad.authenticator_data[36] ^= 1;
        assert_eq!(
            bad.verify(pk, "abc", here),
            Err(EvidenceError::BadSignature)
        );
        assert!(Assertion::parse("{}").is_err());
    }

    proptest! {
        /// No two different answers share a canonical text (the opinion cannot forge a line).
        #[test]
        fn answers_are_unambiguous(a in ".{0,40}", b in ".{0,40}") {
            prop_assume!(a != b);
            prop_assert_ne!(answer_text(1, 1, 1, Answer::Other, &a), answer_text(1, 1, 1, Answer::Other, &b));
        }

        /// The evidence hash changes with any part.
        #[test]
        fn evidence_hash_binds_its_parts(a in ".{0,20}", b in ".{0,20}", c in ".{0,20}") {
            let h = evidence_hash(&a, &b, &c);
            let shifted = format!("{a}{b}");
            prop_assume!(!b.is_empty());
            prop_assert_ne!(h, evidence_hash(&shifted, "", &c));
        }

        /// Reading any text as an assertion never panics.
        #[test]
        fn assertion_parsing_never_panics(s in ".{0,200}") {
            let _ = Assertion::parse(&s);
        }
    }
}
