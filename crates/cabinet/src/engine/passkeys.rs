//! Passkeys (WebAuthn, `webauthn-rs`): registering a member's passkey, and confirming a ballot or
//! an answer with it. The library keeps the challenge to itself, so a confirmation is a ceremony
//! for one purpose (`ballot:<poll>`, `answer:<form>`) whose state waits in `cab_ceremonies`
//! (any node may finish it) for at most five minutes and is used once; the caller stores the
//! assertion with the ballot in the same transaction ([`finish_confirmation`]).

use platform::audit::{self, Actor, Change};
use platform::db::{Db, Tx};
use serde_json::json;
use webauthn_rs::prelude::*;

use super::{Error, Result};
use crate::model::ballot::{passkey_public_key_p256, passkey_public_key_rsa};
use crate::store::passkeys as store;

/// How long a ceremony waits for the browser.
pub const CEREMONY_MS: i64 = 5 * 60 * 1000;
/// Most passkeys per account.
pub const MAX_PASSKEYS: i64 = 10;

/// The relying party for pages served at `origin` (`https://egov.example`, or in the demo
/// `http://localhost:8080`). WebAuthn needs a domain name: an IP address is refused.
pub fn relying_party(origin: &str) -> Result<Webauthn> {
    let url = Url::parse(origin).map_err(|_| Error::Passkey("origin".into()))?;
    let host = url
        .host_str()
        .filter(|h| h.parse::<std::net::IpAddr>().is_err() && !h.starts_with('['))
        .ok_or_else(|| Error::Passkey("origin_ip".into()))?
        .to_owned();
    WebauthnBuilder::new(&host, &url)
        .and_then(|b| b.rp_name("egov").build())
        .map_err(|e| Error::Passkey(e.to_string()))
}

fn ceremony_id() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

fn challenge_of(options: &serde_json::Value) -> String {
    options["publicKey"]["challenge"]
        .as_str()
        .unwrap_or("")
        .trim_end_matches('=')
        .to_owned()
}

/// A credential id as stored: base64url without padding (as the browser's `id`).
fn credential_text(id: &CredentialID) -> String {
    use base64::Engine;
    let bytes: &[u8] = id.as_ref();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn stored_passkeys(rows: &[store::StoredPasskey]) -> Result<Vec<Passkey>> {
    rows.iter()
        .map(|p| {
            serde_json::from_str::<Passkey>(&p.passkey)
                .map_err(|e| Error::Passkey(format!("stored passkey {}: {e}", p.id)))
        })
        .collect()
}

/// Starts registering a passkey for `user`: the options for `navigator.credentials.create`
/// and the ceremony's id.
pub async fn start_registration(
    db: &Db,
    rp: &Webauthn,
    user_id: i64,
    username: &str,
    display_name: &str,
    now: i64,
) -> Result<(String, serde_json::Value)> {
    let existing = store::of_user(db, user_id).await?;
    if existing.len() as i64 >= MAX_PASSKEYS {
        return Err(Error::Invalid {
            field: "passkey",
            code: "cab_too_many_passkeys",
        });
    }
    let exclude: Vec<CredentialID> = stored_passkeys(&existing)?
        .iter()
        .map(|p| p.cred_id().clone())
        .collect();
    let handle = Uuid::from_u64_pair(0x6567_6f76, user_id as u64);
    let (options, state) = rp
        .start_passkey_registration(handle, username, display_name, Some(exclude))
        .map_err(|e| Error::Passkey(e.to_string()))?;
    let options = serde_json::to_value(&options).map_err(|e| Error::Passkey(e.to_string()))?;
    let state = serde_json::to_string(&state).map_err(|e| Error::Passkey(e.to_string()))?;
    let id = ceremony_id();
    store::put_ceremony(
        db,
        &id,
        user_id,
        "register",
        &challenge_of(&options),
        &state,
        now + CEREMONY_MS,
    )
    .await?;
    Ok((id, options))
}

/// Finishes a registration with the browser's answer; returns the new passkey's id.
#[allow(clippy::too_many_arguments)]
pub async fn finish_registration(
    db: &Db,
    rp: &Webauthn,
    actor: &Actor,
    user_id: i64,
    ceremony: &str,
    credential: &str,
    name: &str,
    now: i64,
) -> Result<i64> {
    let name = super::line("name", name, 100)?;
    let reg: RegisterPublicKeyCredential =
        serde_json::from_str(credential).map_err(|_| Error::Passkey("credential_json".into()))?;
    let mut tx = db.begin().await?;
    let state = take(&mut tx, ceremony, user_id, "register", now).await?;
    let state: PasskeyRegistration =
        serde_json::from_str(&state.1).map_err(|e| Error::Passkey(e.to_string()))?;
    let passkey = rp
        .finish_passkey_registration(&reg, &state)
        .map_err(|e| Error::Passkey(e.to_string()))?;
    let public_key = match &passkey.get_public_key().key {
        COSEKeyType::EC_EC2(k) => passkey_public_key_p256(&k.x, &k.y),
        COSEKeyType::RSA(k) => passkey_public_key_rsa(&k.n, &k.e),
        _ => return Err(Error::Passkey("algorithm".into())),
    };
    let cred = credential_text(passkey.cred_id());
    let json = serde_json::to_string(&passkey).map_err(|e| Error::Passkey(e.to_string()))?;
    let id = store::insert(&mut tx, user_id, &cred, &public_key, &json, &name, now).await?;
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "cabinet.passkey_added",
            object_type: "cab_passkey",
            object_id: id.to_string(),
            before: None,
            after: Some(json!({"user_id": user_id, "name": name, "credential_id": cred, "public_key": public_key})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes one of the user's passkeys.
pub async fn remove(db: &Db, actor: &Actor, user_id: i64, id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    if store::delete(&mut tx, user_id, id).await? == 0 {
        return Err(Error::NotFound);
    }
    audit::append(
        &mut tx,
        actor,
        Change {
            action: "cabinet.passkey_removed",
            object_type: "cab_passkey",
            object_id: id.to_string(),
            before: Some(json!({"user_id": user_id})),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Starts confirming `purpose` (`ballot:<poll>`, `answer:<form>`) with one of the user's
/// passkeys: the options for `navigator.credentials.get` and the ceremony's id.
pub async fn start_confirmation(
    db: &Db,
    rp: &Webauthn,
    user_id: i64,
    purpose: &str,
    now: i64,
) -> Result<(String, serde_json::Value)> {
    let keys = stored_passkeys(&store::of_user(db, user_id).await?)?;
    if keys.is_empty() {
        return Err(Error::NoPasskey);
    }
    let (options, state) = rp
        .start_passkey_authentication(&keys)
        .map_err(|e| Error::Passkey(e.to_string()))?;
    let options = serde_json::to_value(&options).map_err(|e| Error::Passkey(e.to_string()))?;
    let state = serde_json::to_string(&state).map_err(|e| Error::Passkey(e.to_string()))?;
    let id = ceremony_id();
    store::put_ceremony(
        db,
        &id,
        user_id,
        purpose,
        &challenge_of(&options),
        &state,
        now + CEREMONY_MS,
    )
    .await?;
    Ok((id, options))
}

/// What a finished confirmation leaves to be stored with the ballot.
pub struct Confirmed {
    pub credential_id: String,
    pub challenge: String,
    pub assertion: String,
}

/// The ceremony `id` of `user` for `purpose`, taken (deleted) in `tx`: (challenge, state).
async fn take(
    tx: &mut Tx,
    id: &str,
    user_id: i64,
    purpose: &str,
    now: i64,
) -> Result<(String, String)> {
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::Ceremony);
    }
    let Some((user, p, challenge, state, expires)) = store::take_ceremony(tx, id).await? else {
        return Err(Error::Ceremony);
    };
    if user != user_id || p != purpose || expires < now {
        return Err(Error::Ceremony);
    }
    Ok((challenge, state))
}

/// Checks the browser's assertion for the ceremony inside the caller's transaction (so the
/// ballot, the assertion and the passkey's new counter are written together or not at all).
pub async fn finish_confirmation(
    tx: &mut Tx,
    rp: &Webauthn,
    user_id: i64,
    ceremony: &str,
    purpose: &str,
    credential: &str,
    now: i64,
) -> Result<Confirmed> {
    let cred: PublicKeyCredential =
        serde_json::from_str(credential).map_err(|_| Error::Passkey("credential_json".into()))?;
    let (challenge, state) = take(tx, ceremony, user_id, purpose, now).await?;
    let state: PasskeyAuthentication =
        serde_json::from_str(&state).map_err(|e| Error::Passkey(e.to_string()))?;
    let result = rp
        .finish_passkey_authentication(&cred, &state)
        .map_err(|e| Error::Passkey(e.to_string()))?;
    let cred_id = credential_text(result.cred_id());
    let Some(stored) = store::by_credential(tx, &cred_id).await? else {
        return Err(Error::Passkey("unknown_credential".into()));
    };
    if stored.user_id != user_id {
        return Err(Error::Passkey("not_yours".into()));
    }
    let mut passkey: Passkey =
        serde_json::from_str(&stored.passkey).map_err(|e| Error::Passkey(e.to_string()))?;
    passkey.update_credential(&result);
    let json = serde_json::to_string(&passkey).map_err(|e| Error::Passkey(e.to_string()))?;
    store::used(tx, stored.id, &json, now).await?;
    Ok(Confirmed {
        credential_id: cred_id,
        challenge,
        assertion: credential.to_owned(),
    })
}
