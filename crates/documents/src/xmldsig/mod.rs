//! XML signatures of edXML packages (W3C XML-Signature, enveloped): the agency's digital signature
//! over the whole envelope, which gives an electronic document the legal value of its paper
//! original (Decree 30/2020).
//!
//! The profile the axis uses, as public SDKs write it: `Reference URI=""` (the whole document)
//! with the transforms enveloped-signature and exclusive canonicalisation, `CanonicalizationMethod`
//! exclusive canonicalisation, the signer's certificate in `KeyInfo/X509Data`. Accepted digest and
//! signature algorithms: SHA-1 (old packages) and SHA-256; RSA-SHA1, RSA-SHA256 and
//! ECDSA-P256-SHA256. [`verify`] reads a package once, streaming (attachments included), and
//! answers which certificate signed it; whether that certificate belongs to the sending agency is
//! the axis directory's decision. [`sign`] adds a signature (RSA-SHA256 or ECDSA-SHA256 with
//! SHA-256 digests) as the last element of `edXMLHeader`.

pub mod c14n;
mod pass;

use std::io::{self, BufRead, Read, Seek, SeekFrom, Write};

use base64::Engine as _;
use quick_xml::events::Event;
use ring::signature;

use c14n::{Canonicalizer, Scope};
use pass::{Pass, RecordedSignature};

pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";

/// Why a signature was not accepted (stable codes: `SignatureError::code`).
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("the package has no signature")]
    Missing,
    #[error("the signature is malformed: {0}")]
    Malformed(String),
    #[error("unsupported algorithm {0}")]
    Unsupported(String),
    #[error("the package was changed after it was signed (digest mismatch)")]
    DigestMismatch,
    #[error("the signature value does not verify with the certificate")]
    Invalid,
    #[error("the certificate cannot be read: {0}")]
    Certificate(String),
    #[error("the signing key cannot be used: {0}")]
    Key(String),
    #[error("the package is not well-formed XML: {0}")]
    Xml(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl SignatureError {
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::Missing => "signature_missing",
            SignatureError::Malformed(_) => "signature_malformed",
            SignatureError::Unsupported(_) => "signature_unsupported",
            SignatureError::DigestMismatch => "signature_digest_mismatch",
            SignatureError::Invalid => "signature_invalid",
            SignatureError::Certificate(_) => "signature_certificate",
            SignatureError::Key(_) => "signature_key",
            SignatureError::Xml(_) => "signature_xml",
            SignatureError::Io(_) => "signature_io",
        }
    }
}

/// A verified signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub signature_algorithm: String,
    pub digest_algorithm: String,
    /// The signer's certificate (DER) and its SHA-256 fingerprint (hexadecimal).
    pub certificate: Vec<u8>,
    pub fingerprint: String,
    /// The certificate's subject, as text (`CN=…,O=…`).
    pub subject: String,
}

/// What the `Signature` element says.
struct SignedInfoParts {
    c14n: String,
    signature_method: String,
    reference_uri: Option<String>,
    transforms: Vec<String>,
    digest_method: String,
    digest_value: Vec<u8>,
    signature_value: Vec<u8>,
    certificate: Vec<u8>,
}

fn b64(s: &str, what: &str) -> Result<Vec<u8>, SignatureError> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(clean)
        .map_err(|_| SignatureError::Malformed(format!("{what} is not base64")))
}

fn local(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|b| *b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

fn algorithm(e: &quick_xml::events::BytesStart<'_>) -> Result<String, SignatureError> {
    e.try_get_attribute("Algorithm")
        .map_err(|e| SignatureError::Malformed(e.to_string()))?
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
        .ok_or_else(|| SignatureError::Malformed("an Algorithm attribute is missing".into()))
}

/// Read the recorded `Signature` element.
fn parts(sig: &RecordedSignature) -> Result<SignedInfoParts, SignatureError> {
    let mut p = SignedInfoParts {
        c14n: String::new(),
        signature_method: String::new(),
        reference_uri: None,
        transforms: Vec::new(),
        digest_method: String::new(),
        digest_value: Vec::new(),
        signature_value: Vec::new(),
        certificate: Vec::new(),
    };
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut text = String::new();
    let mut references = 0;
    for ev in &sig.events {
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                let name = local(e.name().as_ref()).to_vec();
                match name.as_slice() {
                    b"CanonicalizationMethod" => p.c14n = algorithm(e)?,
                    b"SignatureMethod" => p.signature_method = algorithm(e)?,
                    b"Transform" => p.transforms.push(algorithm(e)?),
                    b"DigestMethod" => p.digest_method = algorithm(e)?,
                    b"Reference" => {
                        references += 1;
                        p.reference_uri = e
                            .try_get_attribute("URI")
                            .map_err(|e| SignatureError::Malformed(e.to_string()))?
                            .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                    }
                    _ => {}
                }
                if matches!(ev, Event::Start(_)) {
                    path.push(name);
                }
                text.clear();
            }
            Event::Text(t) => text.push_str(
                &t.xml_content()
                    .map_err(|e| SignatureError::Xml(e.to_string()))?,
            ),
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                match name.as_slice() {
                    b"DigestValue" => p.digest_value = b64(&text, "DigestValue")?,
                    b"SignatureValue" => p.signature_value = b64(&text, "SignatureValue")?,
                    b"X509Certificate" if p.certificate.is_empty() => {
                        p.certificate = b64(&text, "X509Certificate")?
                    }
                    _ => {}
                }
                text.clear();
            }
            _ => {}
        }
    }
    if references != 1 {
        return Err(SignatureError::Unsupported(format!(
            "{references} references (one, URI=\"\", is expected)"
        )));
    }
    if p.digest_value.is_empty() || p.signature_value.is_empty() {
        return Err(SignatureError::Malformed(
            "DigestValue or SignatureValue is missing".into(),
        ));
    }
    if p.certificate.is_empty() {
        return Err(SignatureError::Malformed(
            "KeyInfo has no X509Certificate".into(),
        ));
    }
    Ok(p)
}

/// The canonical form of `SignedInfo`, in the namespace context of the signature.
fn canonical_signed_info(sig: &RecordedSignature) -> Result<Vec<u8>, SignatureError> {
    let xml = |e: c14n::C14nError| SignatureError::Malformed(e.to_string());
    let mut scope = sig.scope.clone();
    let mut c: Option<Canonicalizer<Vec<u8>>> = None;
    let mut depth = 0usize;
    for ev in &sig.events {
        let inside = c.is_some();
        match ev {
            Event::Start(e) if !inside && local(e.name().as_ref()) == b"SignedInfo" => {
                let mut k = Canonicalizer::new(Vec::new(), scope.clone());
                k.start(e, false).map_err(xml)?;
                c = Some(k);
                depth = 1;
            }
            Event::Start(e) if !inside => scope.push(e).map_err(xml)?,
            Event::End(_) if !inside => scope.pop(),
            Event::Start(e) => {
                depth += 1;
                c.as_mut()
                    .map(|k| k.start(e, false))
                    .transpose()
                    .map_err(xml)?;
            }
            Event::Empty(e) if inside => {
                c.as_mut()
                    .map(|k| k.start(e, true))
                    .transpose()
                    .map_err(xml)?;
            }
            Event::End(_) if inside => {
                let k = c.as_mut().expect("inside");
                k.end().map_err(xml)?;
                depth -= 1;
                if depth == 0 {
                    return Ok(c.take().expect("inside").into_inner());
                }
            }
            Event::Text(t) if inside => {
                let s = t
                    .xml_content()
                    .map_err(|e| SignatureError::Xml(e.to_string()))?;
                c.as_mut().map(|k| k.text(&s)).transpose().map_err(xml)?;
            }
            Event::GeneralRef(r) if inside => {
                let ch = r
                    .resolve_char_ref()
                    .map_err(|e| SignatureError::Xml(e.to_string()))?
                    .map(String::from)
                    .or_else(|| {
                        r.decode().ok().and_then(|n| {
                            quick_xml::escape::resolve_predefined_entity(&n).map(str::to_owned)
                        })
                    })
                    .ok_or_else(|| SignatureError::Xml("unknown entity in SignedInfo".into()))?;
                c.as_mut().map(|k| k.text(&ch)).transpose().map_err(xml)?;
            }
            _ => {}
        }
    }
    Err(SignatureError::Malformed("no SignedInfo".into()))
}

pub(crate) fn certificate_key(der: &[u8]) -> Result<(String, Vec<u8>, String), SignatureError> {
    use x509_cert::der::{Decode, oid::db::rfc5912};
    let cert = x509_cert::Certificate::from_der(der)
        .map_err(|e| SignatureError::Certificate(e.to_string()))?;
    let spki = &cert.tbs_certificate().subject_public_key_info();
    let kind = if spki.algorithm.oid == rfc5912::RSA_ENCRYPTION {
        "rsa"
    } else if spki.algorithm.oid == rfc5912::ID_EC_PUBLIC_KEY {
        "ec"
    } else {
        return Err(SignatureError::Unsupported(format!(
            "public key algorithm {}",
            spki.algorithm.oid
        )));
    };
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| SignatureError::Certificate("the public key is not whole bytes".into()))?
        .to_vec();
    Ok((
        kind.into(),
        key,
        cert.tbs_certificate().subject().to_string(),
    ))
}

/// Check the signature of a package read from `input` (one pass; see the module notes).
pub fn verify<R: BufRead>(input: R) -> Result<Verified, SignatureError> {
    let pass = Pass::run(input)?;
    let sig = pass.signature.as_ref().ok_or(SignatureError::Missing)?;
    let p = parts(sig)?;
    if p.c14n != EXC_C14N {
        return Err(SignatureError::Unsupported(p.c14n));
    }
    if p.reference_uri.as_deref() != Some("") {
        return Err(SignatureError::Unsupported(format!(
            "reference URI {:?} (the whole document, URI=\"\", is expected)",
            p.reference_uri
        )));
    }
    let mut transforms = p.transforms.clone();
    transforms.sort();
    let mut want = vec![ENVELOPED.to_owned(), EXC_C14N.to_owned()];
    want.sort();
    if transforms != want {
        return Err(SignatureError::Unsupported(format!(
            "transforms {:?}",
            p.transforms
        )));
    }
    let digest: &[u8] = match p.digest_method.as_str() {
        SHA1 => pass.sha1.as_ref(),
        SHA256 => pass.sha256.as_ref(),
        other => return Err(SignatureError::Unsupported(other.into())),
    };
    if digest != p.digest_value.as_slice() {
        return Err(SignatureError::DigestMismatch);
    }
    let signed_info = canonical_signed_info(sig)?;
    let (kind, key, subject) = certificate_key(&p.certificate)?;
    let alg: &dyn signature::VerificationAlgorithm =
        match (kind.as_str(), p.signature_method.as_str()) {
            ("rsa", RSA_SHA1) => &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            ("rsa", RSA_SHA256) => &signature::RSA_PKCS1_2048_8192_SHA256,
            ("ec", ECDSA_SHA256) => &signature::ECDSA_P256_SHA256_FIXED,
            (k, m) => return Err(SignatureError::Unsupported(format!("{m} with a {k} key"))),
        };
    signature::UnparsedPublicKey::new(alg, &key)
        .verify(&signed_info, &p.signature_value)
        .map_err(|_| SignatureError::Invalid)?;
    Ok(Verified {
        signature_algorithm: p.signature_method,
        digest_algorithm: p.digest_method,
        fingerprint: hex::encode(ring::digest::digest(&ring::digest::SHA256, &p.certificate)),
        certificate: p.certificate,
        subject,
    })
}

/// A signing key with its certificate.
pub struct Signer {
    key: SignerKey,
    certificate: Vec<u8>,
}

enum SignerKey {
    Rsa(signature::RsaKeyPair),
    Ecdsa(signature::EcdsaKeyPair),
}

impl Signer {
    /// From a PKCS#8 private key (DER; RSA or ECDSA P-256) and its certificate (DER).
    pub fn from_pkcs8(key: &[u8], certificate: &[u8]) -> Result<Signer, SignatureError> {
        let (kind, _, _) = certificate_key(certificate)?;
        let key = match kind.as_str() {
            "rsa" => SignerKey::Rsa(
                signature::RsaKeyPair::from_pkcs8(key)
                    .map_err(|e| SignatureError::Key(e.to_string()))?,
            ),
            _ => SignerKey::Ecdsa(
                signature::EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    key,
                    &ring::rand::SystemRandom::new(),
                )
                .map_err(|e| SignatureError::Key(e.to_string()))?,
            ),
        };
        Ok(Signer {
            key,
            certificate: certificate.to_vec(),
        })
    }

    pub(crate) fn method(&self) -> &'static str {
        match self.key {
            SignerKey::Rsa(_) => RSA_SHA256,
            SignerKey::Ecdsa(_) => ECDSA_SHA256,
        }
    }

    pub(crate) fn sign_bytes(&self, msg: &[u8]) -> Result<Vec<u8>, SignatureError> {
        let rng = ring::rand::SystemRandom::new();
        match &self.key {
            SignerKey::Rsa(k) => {
                let mut sig = vec![0u8; k.public().modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &rng, msg, &mut sig)
                    .map_err(|_| SignatureError::Key("RSA signing failed".into()))?;
                Ok(sig)
            }
            SignerKey::Ecdsa(k) => Ok(k
                .sign(&rng, msg)
                .map_err(|_| SignatureError::Key("ECDSA signing failed".into()))?
                .as_ref()
                .to_vec()),
        }
    }
}

fn signed_info_xml(method: &str, digest: &[u8]) -> String {
    let d = base64::engine::general_purpose::STANDARD.encode(digest);
    format!(
        "<ds:SignedInfo><ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"></ds:CanonicalizationMethod>\
         <ds:SignatureMethod Algorithm=\"{method}\"></ds:SignatureMethod><ds:Reference URI=\"\">\
         <ds:Transforms><ds:Transform Algorithm=\"{ENVELOPED}\"></ds:Transform>\
         <ds:Transform Algorithm=\"{EXC_C14N}\"></ds:Transform></ds:Transforms>\
         <ds:DigestMethod Algorithm=\"{SHA256}\"></ds:DigestMethod><ds:DigestValue>{d}</ds:DigestValue>\
         </ds:Reference></ds:SignedInfo>"
    )
}

/// Sign the package read from `input` into `output`: one pass for the digest, one to copy with
/// the `Signature` inserted before the end of `edXMLHeader`. The package must not be signed yet.
pub fn sign<R: Read + Seek, W: Write>(
    mut input: R,
    mut output: W,
    signer: &Signer,
) -> Result<W, SignatureError> {
    let pass = Pass::run(io::BufReader::new(&mut input))?;
    if pass.signature.is_some() {
        return Err(SignatureError::Malformed(
            "the package is already signed".into(),
        ));
    }
    let at = pass
        .header_end
        .ok_or_else(|| SignatureError::Malformed("no edXMLHeader".into()))?;
    let signed_info = signed_info_xml(signer.method(), pass.sha256.as_ref());
    let wrapped = format!("<ds:Signature xmlns:ds=\"{DSIG_NS}\">{signed_info}</ds:Signature>");
    // The canonical SignedInfo, computed as a verifier computes it.
    let recorded = RecordedSignature::from_xml(&wrapped, Scope::default())?;
    let canonical = canonical_signed_info(&recorded)?;
    let value = base64::engine::general_purpose::STANDARD.encode(signer.sign_bytes(&canonical)?);
    let cert = base64::engine::general_purpose::STANDARD.encode(&signer.certificate);
    let element = format!(
        "<ds:Signature xmlns:ds=\"{DSIG_NS}\">{signed_info}<ds:SignatureValue>{value}</ds:SignatureValue>\
         <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"
    );
    input.seek(SeekFrom::Start(0))?;
    io::copy(&mut (&mut input).take(at), &mut output)?;
    output.write_all(element.as_bytes())?;
    io::copy(&mut input, &mut output)?;
    Ok(output)
}

#[cfg(test)]
mod tests;
