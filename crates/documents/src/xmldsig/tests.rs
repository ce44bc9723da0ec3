//! Signatures made and checked here, checked against canonical forms written by hand, and
//! cross-checked both ways with `xmlsec1` (the reference implementation of XML-Signature).

use std::io::Cursor;

use super::*;

const PACKAGE: &str = include_str!("../../tests/data/cong-van-vpcp.edxml");
const RSA_KEY: &[u8] = include_bytes!("../../tests/data/keys/rsa.key.der");
const RSA_CRT: &[u8] = include_bytes!("../../tests/data/keys/rsa.crt.der");
const EC_KEY: &[u8] = include_bytes!("../../tests/data/keys/ec.key.der");
const EC_CRT: &[u8] = include_bytes!("../../tests/data/keys/ec.crt.der");

fn signed(key: &[u8], crt: &[u8], package: &str) -> String {
    let signer = Signer::from_pkcs8(key, crt).unwrap();
    let out = sign(Cursor::new(package.as_bytes()), Vec::new(), &signer).unwrap();
    String::from_utf8(out).unwrap()
}

fn check(xml: &str) -> Result<Verified, SignatureError> {
    verify(Cursor::new(xml.as_bytes()))
}

fn canonical(xml: &str) -> String {
    let mut c = c14n::Canonicalizer::new(Vec::new(), c14n::Scope::default());
    let mut r = quick_xml::Reader::from_str(xml);
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) => c.start(&e, false).unwrap(),
            Event::Empty(e) => c.start(&e, true).unwrap(),
            Event::End(_) => c.end().unwrap(),
            Event::Text(t) => c.text(&t.xml_content().unwrap()).unwrap(),
            Event::GeneralRef(g) => {
                let s = match g.resolve_char_ref().unwrap() {
                    Some(ch) => ch.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&g.decode().unwrap())
                        .unwrap()
                        .to_owned(),
                };
                c.text(&s).unwrap()
            }
            Event::Eof => break,
            _ => {}
        }
    }
    String::from_utf8(c.into_inner()).unwrap()
}

#[test]
fn exclusive_canonical_form_by_hand() {
    // Namespaces only where visibly used and not already rendered; attributes by namespace URI
    // then local name; empty elements opened and closed; text and attribute escapes.
    let xml = "<a:r xmlns:a=\"urn:a\" xmlns:b=\"urn:b\" xmlns:unused=\"urn:u\">\r\n\
               <b:x z=\"1\" b:y=\"2\" a:y=\"3\" w='q&quot;&#9;\tx'/><a:c>1 &lt; 2 &amp; 3 > 0&#13;</a:c>\
               <d xmlns=\"urn:d\"><e xmlns=\"\"/></d></a:r>";
    assert_eq!(
        canonical(xml),
        "<a:r xmlns:a=\"urn:a\">\n<b:x xmlns:b=\"urn:b\" w=\"q&quot;&#x9; x\" z=\"1\" a:y=\"3\" b:y=\"2\"></b:x>\
         <a:c>1 &lt; 2 &amp; 3 &gt; 0&#xD;</a:c><d xmlns=\"urn:d\"><e xmlns=\"\"></e></d></a:r>"
    );
}

#[test]
fn signed_packages_verify_with_rsa_and_ecdsa() {
    for (key, crt, alg) in [
        (RSA_KEY, RSA_CRT, RSA_SHA256),
        (EC_KEY, EC_CRT, ECDSA_SHA256),
    ] {
        let xml = signed(key, crt, PACKAGE);
        assert!(xml.contains("<ds:Signature"), "{xml}");
        let v = check(&xml).unwrap();
        assert_eq!(v.signature_algorithm, alg);
        assert_eq!(v.digest_algorithm, SHA256);
        assert_eq!(v.certificate, crt);
        assert!(v.subject.contains("test signer"), "{}", v.subject);
        // The signed package is still a package the reader accepts.
        let mut sink = crate::edxml::MemorySink::default();
        let p = crate::edxml::read(Cursor::new(xml.as_bytes()), &mut sink).unwrap();
        assert!(p.signature.is_some());
    }
}

#[test]
fn any_change_after_signing_is_caught() {
    let xml = signed(RSA_KEY, RSA_CRT, PACKAGE);
    let subject = xml.replace("V/v triển khai", "V/v hủy bỏ");
    assert!(matches!(
        check(&subject),
        Err(SignatureError::DigestMismatch)
    ));
    let attachment = xml.replace("VsSDbiBi4bqj", "VsSDbiBi4bqk");
    assert!(matches!(
        check(&attachment),
        Err(SignatureError::DigestMismatch)
    ));
    let unsigned_copy = PACKAGE.to_owned();
    assert!(matches!(
        check(&unsigned_copy),
        Err(SignatureError::Missing)
    ));
    // Another agency's certificate in KeyInfo: the value does not verify with it.
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let other = xml.replace(&b64(RSA_CRT), &b64(EC_CRT));
    assert!(check(&other).is_err());
    // A signature value changed by one bit.
    let start = xml.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
    let mut bytes = xml.into_bytes();
    bytes[start + 3] = if bytes[start + 3] == b'A' { b'B' } else { b'A' };
    let broken = String::from_utf8(bytes).unwrap();
    assert!(matches!(check(&broken), Err(SignatureError::Invalid)));
}

#[test]
fn whitespace_and_attribute_quoting_do_not_break_a_signature() {
    // What canonicalisation is for: the same document written differently verifies.
    let xml = signed(EC_KEY, EC_CRT, PACKAGE);
    let requoted = xml.replace(
        "<edXML:edXMLManifest version=\"1.0\">",
        "<edXML:edXMLManifest version='1.0'>",
    );
    assert!(check(&requoted).is_ok());
    let crlf = xml.replace("<edXML:edXMLBody>", "<edXML:edXMLBody >");
    assert!(check(&crlf).is_ok());
}

fn xmlsec1() -> std::path::PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("xmlsec1"))
        .find(|p| p.is_file());
    found.expect("xmlsec1 is not installed (scripts/test installs Debian's xmlsec1)")
}

fn keys_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/keys")
}

#[test]
#[ignore = "needs xmlsec1: scripts/test installs it and runs ignored tests"]
fn xmlsec1_verifies_what_egov_signs() {
    let tmp = std::env::temp_dir().join(format!("egov-xmlsec-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    for (key, crt, pem) in [
        (RSA_KEY, RSA_CRT, "rsa.crt.pem"),
        (EC_KEY, EC_CRT, "ec.crt.pem"),
    ] {
        let file = tmp.join(format!("signed-{pem}.edxml"));
        std::fs::write(&file, signed(key, crt, PACKAGE)).unwrap();
        let out = std::process::Command::new(xmlsec1())
            .arg("--verify")
            .arg("--pubkey-cert-pem")
            .arg(keys_dir().join(pem))
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "xmlsec1 refused egov's signature ({pem}): {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
#[ignore = "needs xmlsec1: scripts/test installs it and runs ignored tests"]
fn egov_verifies_what_xmlsec1_signs() {
    let tmp = std::env::temp_dir().join(format!("egov-xmlsec-sign-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    for (key, crt, alg) in [
        ("rsa.key.pem", "rsa.crt.pem", RSA_SHA256),
        ("rsa.key.pem", "rsa.crt.pem", RSA_SHA1),
        ("ec.key.pem", "ec.crt.pem", ECDSA_SHA256),
    ] {
        let digest = if alg == RSA_SHA1 { SHA1 } else { SHA256 };
        let template = format!(
            "<ds:Signature xmlns:ds=\"{DSIG_NS}\"><ds:SignedInfo>\
             <ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"/><ds:SignatureMethod Algorithm=\"{alg}\"/>\
             <ds:Reference URI=\"\"><ds:Transforms><ds:Transform Algorithm=\"{ENVELOPED}\"/>\
             <ds:Transform Algorithm=\"{EXC_C14N}\"/></ds:Transforms><ds:DigestMethod Algorithm=\"{digest}\"/>\
             <ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/>\
             <ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo></ds:Signature>\n"
        );
        let input = PACKAGE.replace(
            "  </edXML:edXMLHeader>",
            &format!("{template}  </edXML:edXMLHeader>"),
        );
        let file = tmp.join("template.edxml");
        let out_file = tmp.join("signed.edxml");
        std::fs::write(&file, input).unwrap();
        let out = std::process::Command::new(xmlsec1())
            .arg("--sign")
            .arg("--privkey-pem")
            .arg(format!(
                "{},{}",
                keys_dir().join(key).display(),
                keys_dir().join(crt).display()
            ))
            .arg("--output")
            .arg(&out_file)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "xmlsec1 --sign failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let xml = std::fs::read_to_string(&out_file).unwrap();
        let v = check(&xml).unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(v.signature_algorithm, alg);
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
