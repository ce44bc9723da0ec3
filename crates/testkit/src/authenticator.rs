//! A software passkey (WebAuthn authenticator) for tests and benchmarks: an ECDSA P-256 key
//! (ES256) made with `ring`, attestation "none", user presence and verification flagged. It
//! answers the options the server sends exactly as a browser would pass them on, so the server's
//! real `webauthn-rs` ceremonies run unchanged. (The browser story uses Chromium's own virtual
//! authenticator instead.)

use anyhow::{Context, anyhow};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub struct SoftAuthenticator {
    origin: String,
    key: EcdsaKeyPair,
    credential_id: Vec<u8>,
    user_handle: Option<Vec<u8>>,
    counter: u32,
    rng: SystemRandom,
}

/// CBOR head of `major` with `len` (< 2^16).
fn head(out: &mut Vec<u8>, major: u8, len: usize) {
    let m = major << 5;
    if len < 24 {
        out.push(m | len as u8);
    } else if len < 256 {
        out.extend_from_slice(&[m | 24, len as u8]);
    } else {
        out.push(m | 25);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    }
}

fn cbor_text(out: &mut Vec<u8>, s: &str) {
    head(out, 3, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn cbor_bytes(out: &mut Vec<u8>, b: &[u8]) {
    head(out, 2, b.len());
    out.extend_from_slice(b);
}

fn b64(v: &Value, what: &str) -> anyhow::Result<Vec<u8>> {
    let s = v
        .as_str()
        .with_context(|| format!("{what}: not a string"))?;
    B64.decode(s.trim_end_matches('='))
        .with_context(|| format!("{what}: not base64url"))
}

impl SoftAuthenticator {
    /// A new authenticator for pages served at `origin` (`http://localhost:8080`).
    pub fn new(origin: &str) -> SoftAuthenticator {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .expect("a P-256 key");
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .expect("the key just made");
        let id: [u8; 16] = rand_bytes(&rng);
        SoftAuthenticator {
            origin: origin.trim_end_matches('/').to_owned(),
            key,
            credential_id: id.to_vec(),
            user_handle: None,
            counter: 0,
            rng,
        }
    }

    fn client_data(&self, ty: &str, challenge: &str) -> Vec<u8> {
        json!({"type": ty, "challenge": challenge, "origin": self.origin, "crossOrigin": false})
            .to_string()
            .into_bytes()
    }

    fn auth_data(&mut self, rp_id: &str, attested: bool) -> Vec<u8> {
        self.counter += 1;
        let mut d = Sha256::digest(rp_id.as_bytes()).to_vec();
        // UP | UV, and AT when a credential is attached.
        d.push(if attested { 0x45 } else { 0x05 });
        d.extend_from_slice(&self.counter.to_be_bytes());
        if attested {
            d.extend_from_slice(&[0u8; 16]);
            d.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
            d.extend_from_slice(&self.credential_id);
            let point = self.key.public_key().as_ref();
            let mut cose = vec![0xA5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21];
            cbor_bytes(&mut cose, &point[1..33]);
            cose.push(0x22);
            cbor_bytes(&mut cose, &point[33..65]);
            d.extend_from_slice(&cose);
        }
        d
    }

    /// Answers `navigator.credentials.create` for the server's options (`{"publicKey": …}`).
    pub fn register(&mut self, options: &Value) -> anyhow::Result<Value> {
        let pk = &options["publicKey"];
        let challenge = pk["challenge"]
            .as_str()
            .ok_or_else(|| anyhow!("no challenge"))?;
        let rp_id = pk["rp"]["id"]
            .as_str()
            .ok_or_else(|| anyhow!("no rp.id"))?
            .to_owned();
        self.user_handle = Some(b64(&pk["user"]["id"], "user.id")?);
        let client_data = self.client_data("webauthn.create", challenge);
        let auth_data = self.auth_data(&rp_id, true);
        let mut att = vec![0xA3];
        cbor_text(&mut att, "fmt");
        cbor_text(&mut att, "none");
        cbor_text(&mut att, "attStmt");
        att.push(0xA0);
        cbor_text(&mut att, "authData");
        cbor_bytes(&mut att, &auth_data);
        let id = B64.encode(&self.credential_id);
        Ok(json!({
            "id": id, "rawId": id, "type": "public-key", "extensions": {},
            "response": {
                "attestationObject": B64.encode(&att),
                "clientDataJSON": B64.encode(&client_data),
                "transports": ["internal"],
            }
        }))
    }

    /// Answers `navigator.credentials.get` for the server's options (`{"publicKey": …}`).
    pub fn assert(&mut self, options: &Value) -> anyhow::Result<Value> {
        let pk = &options["publicKey"];
        let challenge = pk["challenge"]
            .as_str()
            .ok_or_else(|| anyhow!("no challenge"))?;
        let rp_id = pk["rpId"]
            .as_str()
            .ok_or_else(|| anyhow!("no rpId"))?
            .to_owned();
        let client_data = self.client_data("webauthn.get", challenge);
        let auth_data = self.auth_data(&rp_id, false);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let sig = self
            .key
            .sign(&self.rng, &signed)
            .map_err(|_| anyhow!("signing failed"))?;
        let id = B64.encode(&self.credential_id);
        Ok(json!({
            "id": id, "rawId": id, "type": "public-key", "extensions": {},
            "response": {
                "authenticatorData": B64.encode(&auth_data),
                "clientDataJSON": B64.encode(&client_data),
                "signature": B64.encode(sig.as_ref()),
                "userHandle": self.user_handle.as_ref().map(|h| B64.encode(h)),
            }
        }))
    }
}

fn rand_bytes<const N: usize>(rng: &SystemRandom) -> [u8; N] {
    use ring::rand::SecureRandom;
    let mut b = [0u8; N];
    rng.fill(&mut b).expect("random bytes");
    b
}
