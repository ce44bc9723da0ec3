//! Settings: defaults, then an optional TOML file, then `EGOV_*` environment variables.
//! Secrets never print: [`Config`]'s `Debug` and [`Config::redacted_toml`] hide them.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A secret string whose `Debug` and `Display` never show the value.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"[redacted]\"")
    }
}

/// Effective configuration of one egov node.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://data/egov.db` or `postgres://user:password@host/db` (the password is a secret).
    pub database_url: Secret,
    pub db_max_connections: u32,
    pub listen: SocketAddr,
    /// Directory for the SQLite file, demo accounts and other local files.
    pub data_dir: PathBuf,
    /// Mark cookies `Secure` (HTTPS only). Off only for the local demo on plain HTTP.
    pub cookie_secure: bool,
    /// Absolute session lifetime and idle timeout, in minutes.
    pub session_ttl_minutes: i64,
    pub session_idle_minutes: i64,
    /// Structured JSON logs instead of human-readable lines.
    pub log_json: bool,
    /// Name of this node in job locks and logs (defaults to the host name and process id).
    pub node_id: String,
    /// Number of job workers on this node (0 disables them).
    pub job_workers: usize,
    /// The audit key (hexadecimal, at least 64 digits) that seals the audit chain and its
    /// checkpoints; a secret kept out of the database. Or `audit_key_file`: a file holding it.
    pub audit_key: Option<Secret>,
    pub audit_key_file: Option<PathBuf>,
    /// Where signed checkpoints of the audit chain are published (outside the database).
    pub audit_checkpoint_dir: Option<PathBuf>,
    /// Key that encrypts second-factor (TOTP) secrets in the database: base64 of 32 random
    /// bytes. A secret; `egov serve` refuses to start without it.
    pub totp_key: Option<Secret>,
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed. Empty: the client
    /// address is the TCP peer.
    pub trusted_proxies: Vec<IpAddr>,
    /// How many years after the current one targets (chỉ tiêu kế hoạch) may be imported for:
    /// plans are set ahead (a five-year plan), reports never are. Default
    /// [`DEFAULT_TARGET_LEAD_YEARS`].
    pub target_lead_years: u32,
    /// Where the notifications outbox is sent: `smtp://relay:587?tls=required` or
    /// `smtps://user:password@relay:465` (a secret: it may hold a password). Unset: messages wait
    /// in the outbox.
    pub smtp_url: Option<Secret>,
    /// The sender of egov's e-mail.
    pub mail_from: String,
    /// A GeoJSON file of the provinces' boundaries whose features carry the province code in the
    /// property `code`: the operations center's map draws them instead of its tile grid.
    pub provinces_geojson: Option<PathBuf>,
    /// Who receives the operations center's alerts when a rule names no recipients of its own
    /// (e.g. the duty officers' mailbox). Empty: such alerts are shown, not e-mailed.
    pub alert_recipients: Vec<String>,
    /// The largest edXML package the document axis accepts, in MiB (at most 64, the route's
    /// limit).
    pub axis_max_package_mib: u64,
    /// This node as an agency endpoint of the document axis: the axis's base URL
    /// (`https://truc.example.gov.vn`). With `axis_agency`, `axis_key_file` and
    /// `axis_certificate_file`, the jobs `documents.deliver` and `documents.fetch` run for it.
    pub axis_url: Option<String>,
    /// The agency this node speaks for on the axis (`G22` or `000.00.00.G22`).
    pub axis_agency: Option<String>,
    /// The agency's private key (PKCS#8, DER or PEM): signs its requests and packages.
    pub axis_key_file: Option<PathBuf>,
    /// The agency's X.509 certificate (DER or PEM), the one the axis directory holds.
    pub axis_certificate_file: Option<PathBuf>,
    /// How often an agency endpoint asks the axis what waits for it and retries its outbox, in
    /// seconds (1–3600).
    pub axis_poll_seconds: u64,
    /// Files (attachments, axis packages) in S3-compatible object storage instead of
    /// `<data_dir>/files`: the service's URL (`https://s3.example.gov.vn`; plain `http://` only on
    /// a loopback address). Unset with a bucket: Amazon S3 of `files_s3_region`.
    pub files_s3_endpoint: Option<String>,
    /// The bucket; setting it moves files to object storage (with the access and secret keys).
    pub files_s3_bucket: Option<String>,
    /// The bucket's region (default `us-east-1`, what most S3-compatible servers expect).
    pub files_s3_region: String,
    /// The access key id egov signs its requests with.
    pub files_s3_access_key: Option<String>,
    /// The secret key that goes with `files_s3_access_key`; a secret, never printed.
    pub files_s3_secret_key: Option<Secret>,
    /// The payment gateway citizens pay fees through (issue 14): where their browser is sent
    /// (`https://…/pay`). Unset: fees are paid at the desk only. `egov demo` runs a local test
    /// gateway instead (never a real bank).
    pub payment_gateway_url: Option<String>,
    /// egov's merchant (terminal) code at the gateway.
    pub payment_merchant: Option<String>,
    /// The secret the gateway and egov sign with (HMAC-SHA512); a secret, never printed.
    pub payment_secret: Option<Secret>,
    /// Where the gateway lists a day's transactions for reconciliation (`…/transactions`).
    pub payment_books_url: Option<String>,
    /// Where each dossier's sync record goes (the national public service portal's connector,
    /// `https://…`; plain HTTP only to a loopback address). Unset: records wait in the outbox.
    pub services_sync_url: Option<String>,
    /// The bearer token the connector expects; a secret, never printed.
    pub services_sync_token: Option<Secret>,
    /// The SMS hook: text messages (a citizen's notices) are posted here as JSON
    /// (`{"to","text"}`), to the agency's SMS gateway or an adapter in front of it. Unset: they
    /// wait in the outbox. HTTPS, or plain HTTP to a loopback address.
    pub sms_hook_url: Option<String>,
    /// The bearer token the hook expects; a secret, never printed.
    pub sms_hook_token: Option<Secret>,
    /// The address people reach this service at (`https://dichvucong.example.gov.vn`): links in
    /// e-mail and text messages start with it. Unset: messages name the page without a link.
    pub public_url: Option<String>,
    /// Citizens' sign-in (OpenID Connect, `identity::oidc`): the provider's issuer URL
    /// (discovery at `<issuer>/.well-known/openid-configuration`). Unset: no citizen sign-in
    /// (the demo offers its demo sign-in instead).
    pub oidc_issuer: Option<String>,
    /// The client id egov is registered with at the provider.
    pub oidc_client_id: Option<String>,
    /// The client secret that goes with it; a secret, never printed.
    pub oidc_client_secret: Option<Secret>,
    /// Where the provider sends the browser back: `https://<site>/citizen/callback`.
    pub oidc_redirect_url: Option<String>,
    /// The provider's `acr` values and the level of assurance (1 or 2) each stands for. An ID
    /// token whose `acr` is not listed is refused (no level is guessed).
    pub oidc_acr_levels: std::collections::BTreeMap<String, u8>,
    /// The claim holding the 12-digit citizen identity number.
    pub oidc_personal_id_claim: String,
    /// The claim listing the businesses the person represents (`[{tax_code, name, role}]`).
    pub oidc_representations_claim: String,
    /// True for `egov demo`.
    #[serde(skip)]
    pub demo: bool,
}

/// The most default alert recipients (the outbox queues one message per recipient and alert).
pub const MAX_ALERT_RECIPIENTS: usize = 50;

/// The region of an S3-compatible store when none is configured.
pub const DEFAULT_S3_REGION: &str = "us-east-1";

/// Where files are kept in S3-compatible object storage (`files_s3_*`), checked: see
/// [`Config::files_s3`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilesS3 {
    /// The service's URL; `None`: Amazon S3 of the region.
    pub endpoint: Option<String>,
    /// Whether the endpoint is plain HTTP (allowed on a loopback address only).
    pub allow_http: bool,
    pub bucket: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: Secret,
}

/// An outgoing URL: HTTPS, or plain HTTP to a loopback address.
fn check_https_or_loopback(name: &str, u: &str) -> Result<(), ConfigError> {
    let bad = |message: String| ConfigError::Env {
        name: name.into(),
        message,
    };
    let parsed = url::Url::parse(u).map_err(|e| bad(format!("{u:?}: {e}")))?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(bad(format!(
            "{u:?}: HTTPS only (plain HTTP on a loopback address)"
        ))),
    }
}

/// The payment gateway's settings, checked: see [`Config::payment`].
#[derive(Clone, Debug)]
pub struct PaymentGateway {
    pub url: String,
    pub merchant: String,
    pub secret: Secret,
    pub books_url: Option<String>,
}

/// The citizen sign-in's provider (`oidc_*`), checked: see [`Config::oidc`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Oidc {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub redirect_url: String,
}

/// The levels of assurance of the `acr` values egov knows by default: its own URNs (what the
/// test provider sends). A deployment lists its provider's values in `oidc_acr_levels`.
pub fn default_acr_levels() -> std::collections::BTreeMap<String, u8> {
    [
        ("urn:egov:loa:1".to_owned(), 1),
        ("urn:egov:loa:2".to_owned(), 2),
    ]
    .into_iter()
    .collect()
}

/// Targets may be set up to five years ahead: the span of a socio-economic development plan.
pub const DEFAULT_TARGET_LEAD_YEARS: u32 = 5;

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: Secret::new("sqlite://data/egov.db"),
            db_max_connections: 8,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            cookie_secure: true,
            session_ttl_minutes: 12 * 60,
            session_idle_minutes: 120,
            log_json: false,
            node_id: format!(
                "{}-{}",
                std::env::var("HOSTNAME").unwrap_or_else(|_| "egov".into()),
                std::process::id()
            ),
            job_workers: 1,
            audit_key: None,
            audit_key_file: None,
            audit_checkpoint_dir: None,
            totp_key: None,
            trusted_proxies: Vec::new(),
            target_lead_years: DEFAULT_TARGET_LEAD_YEARS,
            smtp_url: None,
            mail_from: "egov <no-reply@egov.local>".into(),
            provinces_geojson: None,
            alert_recipients: Vec::new(),
            axis_max_package_mib: 64,
            axis_url: None,
            axis_agency: None,
            axis_key_file: None,
            axis_certificate_file: None,
            axis_poll_seconds: 30,
            files_s3_endpoint: None,
            files_s3_bucket: None,
            files_s3_region: DEFAULT_S3_REGION.into(),
            files_s3_access_key: None,
            files_s3_secret_key: None,
            payment_gateway_url: None,
            payment_merchant: None,
            payment_secret: None,
            payment_books_url: None,
            services_sync_url: None,
            services_sync_token: None,
            sms_hook_url: None,
            sms_hook_token: None,
            public_url: None,
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_redirect_url: None,
            oidc_acr_levels: default_acr_levels(),
            oidc_personal_id_claim: "personal_id".into(),
            oidc_representations_claim: "representations".into(),
            demo: false,
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid environment variable {name}: {message}")]
    Env { name: String, message: String },
    #[error("refusing to start: {0}")]
    Unsafe(String),
    #[error("invalid setting {name}: {message}")]
    Setting { name: &'static str, message: String },
}

impl Config {
    /// Defaults, overridden by the TOML file (if any), overridden by the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut cfg = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: path.to_owned(),
                    message: e.to_string(),
                })?
            }
            None => Config::default(),
        };
        cfg.apply_env(|k| std::env::var(k).ok())?;
        cfg.check_alert_recipients()?;
        cfg.files_s3()?;
        cfg.payment()?;
        if let Some(u) = &cfg.services_sync_url {
            check_https_or_loopback("services_sync_url (EGOV_SERVICES_SYNC_URL)", u)?;
        }
        if let Some(u) = &cfg.sms_hook_url {
            check_https_or_loopback("sms_hook_url (EGOV_SMS_HOOK_URL)", u)?;
        }
        cfg.oidc()?;
        Ok(cfg)
    }

    /// Apply `EGOV_*` variables through a lookup function (tests pass a map).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &str, v: String) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            v.parse().map_err(|e: T::Err| ConfigError::Env {
                name: name.into(),
                message: e.to_string(),
            })
        }
        if let Some(v) = get("EGOV_DATABASE_URL") {
            self.database_url = Secret::new(v);
        }
        if let Some(v) = get("EGOV_DB_MAX_CONNECTIONS") {
            self.db_max_connections = parse("EGOV_DB_MAX_CONNECTIONS", v)?;
        }
        if let Some(v) = get("EGOV_LISTEN") {
            self.listen = parse("EGOV_LISTEN", v)?;
        }
        if let Some(v) = get("EGOV_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("EGOV_COOKIE_SECURE") {
            self.cookie_secure = parse("EGOV_COOKIE_SECURE", v)?;
        }
        if let Some(v) = get("EGOV_LOG_JSON") {
            self.log_json = parse("EGOV_LOG_JSON", v)?;
        }
        if let Some(v) = get("EGOV_SESSION_TTL_MINUTES") {
            self.session_ttl_minutes = parse("EGOV_SESSION_TTL_MINUTES", v)?;
        }
        if let Some(v) = get("EGOV_SESSION_IDLE_MINUTES") {
            self.session_idle_minutes = parse("EGOV_SESSION_IDLE_MINUTES", v)?;
        }
        if let Some(v) = get("EGOV_NODE_ID") {
            self.node_id = v;
        }
        if let Some(v) = get("EGOV_JOB_WORKERS") {
            self.job_workers = parse("EGOV_JOB_WORKERS", v)?;
        }
        if let Some(v) = get("EGOV_AUDIT_KEY") {
            self.audit_key = Some(Secret::new(v));
        }
        if let Some(v) = get("EGOV_AUDIT_KEY_FILE") {
            self.audit_key_file = Some(PathBuf::from(v));
        }
        if let Some(v) = get("EGOV_AUDIT_CHECKPOINT_DIR") {
            self.audit_checkpoint_dir = Some(PathBuf::from(v));
        }
        if let Some(v) = get("EGOV_TOTP_KEY") {
            self.totp_key = Some(Secret::new(v));
        }
        if let Some(v) = get("EGOV_TARGET_LEAD_YEARS") {
            self.target_lead_years = parse("EGOV_TARGET_LEAD_YEARS", v)?;
        }
        if let Some(v) = get("EGOV_SMTP_URL") {
            self.smtp_url = Some(Secret::new(v));
        }
        if let Some(v) = get("EGOV_MAIL_FROM") {
            self.mail_from = v;
        }
        if let Some(v) = get("EGOV_PROVINCES_GEOJSON") {
            self.provinces_geojson = Some(PathBuf::from(v));
        }
        if let Some(v) = get("EGOV_ALERT_RECIPIENTS") {
            self.alert_recipients = v
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect();
        }
        if let Some(v) = get("EGOV_AXIS_MAX_PACKAGE_MIB") {
            self.axis_max_package_mib = parse("EGOV_AXIS_MAX_PACKAGE_MIB", v)?;
        }
        if let Some(v) = get("EGOV_AXIS_URL") {
            self.axis_url = Some(v);
        }
        if let Some(v) = get("EGOV_AXIS_AGENCY") {
            self.axis_agency = Some(v);
        }
        if let Some(v) = get("EGOV_AXIS_KEY_FILE") {
            self.axis_key_file = Some(PathBuf::from(v));
        }
        if let Some(v) = get("EGOV_AXIS_CERTIFICATE_FILE") {
            self.axis_certificate_file = Some(PathBuf::from(v));
        }
        if let Some(v) = get("EGOV_AXIS_POLL_SECONDS") {
            self.axis_poll_seconds = parse("EGOV_AXIS_POLL_SECONDS", v)?;
        }
        // An empty value unsets these, so a deployment can clear one the file sets.
        let set = |name: &str| get(name).map(|v| v.trim().to_owned());
        if let Some(v) = set("EGOV_FILES_S3_ENDPOINT") {
            self.files_s3_endpoint = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = set("EGOV_FILES_S3_BUCKET") {
            self.files_s3_bucket = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = set("EGOV_FILES_S3_REGION") {
            self.files_s3_region = v;
        }
        if let Some(v) = set("EGOV_FILES_S3_ACCESS_KEY") {
            self.files_s3_access_key = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = get("EGOV_FILES_S3_SECRET_KEY") {
            self.files_s3_secret_key = Some(Secret::new(v)).filter(|v| !v.expose().is_empty());
        }
        if let Some(v) = set("EGOV_PAYMENT_GATEWAY_URL") {
            self.payment_gateway_url = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = set("EGOV_PAYMENT_MERCHANT") {
            self.payment_merchant = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = get("EGOV_PAYMENT_SECRET") {
            self.payment_secret = Some(Secret::new(v)).filter(|v| !v.expose().is_empty());
        }
        if let Some(v) = set("EGOV_PAYMENT_BOOKS_URL") {
            self.payment_books_url = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = set("EGOV_SERVICES_SYNC_URL") {
            self.services_sync_url = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = get("EGOV_SERVICES_SYNC_TOKEN") {
            self.services_sync_token = Some(Secret::new(v)).filter(|v| !v.expose().is_empty());
        }
        if let Some(v) = set("EGOV_SMS_HOOK_URL") {
            self.sms_hook_url = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = get("EGOV_SMS_HOOK_TOKEN") {
            self.sms_hook_token = Some(Secret::new(v)).filter(|v| !v.expose().is_empty());
        }
        if let Some(v) = set("EGOV_PUBLIC_URL") {
            self.public_url = Some(v.trim_end_matches('/').to_owned()).filter(|v| !v.is_empty());
        }
        if let Some(v) = set("EGOV_OIDC_ISSUER") {
            self.oidc_issuer = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = set("EGOV_OIDC_CLIENT_ID") {
            self.oidc_client_id = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = get("EGOV_OIDC_CLIENT_SECRET") {
            self.oidc_client_secret = Some(Secret::new(v)).filter(|v| !v.expose().is_empty());
        }
        if let Some(v) = set("EGOV_OIDC_REDIRECT_URL") {
            self.oidc_redirect_url = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = get("EGOV_TRUSTED_PROXIES") {
            self.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| parse("EGOV_TRUSTED_PROXIES", a.to_owned()))
                .collect::<Result<_, _>>()?;
        }
        Ok(())
    }

    /// The payment gateway (`payment_*`), checked: the URL, merchant and secret go together; the
    /// URLs are HTTPS (plain HTTP on a loopback address only). `None` when none is configured.
    pub fn payment(&self) -> Result<Option<PaymentGateway>, ConfigError> {
        let bad = |message: String| ConfigError::Env {
            name: "payment_* (EGOV_PAYMENT_*)".into(),
            message,
        };
        let (url, merchant, secret) = match (
            &self.payment_gateway_url,
            &self.payment_merchant,
            &self.payment_secret,
        ) {
            (None, None, None) => return Ok(None),
            (Some(u), Some(m), Some(s)) => (u.clone(), m.clone(), s.clone()),
            _ => {
                return Err(bad(
                    "payment_gateway_url, payment_merchant and payment_secret go together".into(),
                ));
            }
        };
        let checked = |u: &str| check_https_or_loopback("payment_* (EGOV_PAYMENT_*)", u);
        checked(&url)?;
        if let Some(b) = &self.payment_books_url {
            checked(b)?;
        }
        if merchant.is_empty()
            || merchant.len() > 32
            || !merchant.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(bad(
                "payment_merchant: letters and digits, at most 32".into()
            ));
        }
        if secret.expose().len() < 16 {
            return Err(bad("payment_secret: at least 16 characters".into()));
        }
        Ok(Some(PaymentGateway {
            url,
            merchant,
            secret,
            books_url: self.payment_books_url.clone(),
        }))
    }

    /// Every default alert recipient is an e-mail address (at most [`MAX_ALERT_RECIPIENTS`]):
    /// a typo is refused at start, not discovered when an alert is not delivered.
    pub fn check_alert_recipients(&self) -> Result<(), ConfigError> {
        let bad = |message: String| ConfigError::Env {
            name: "alert_recipients (EGOV_ALERT_RECIPIENTS)".into(),
            message,
        };
        if self.alert_recipients.len() > MAX_ALERT_RECIPIENTS {
            return Err(bad(format!("at most {MAX_ALERT_RECIPIENTS} addresses")));
        }
        for a in &self.alert_recipients {
            if a.parse::<lettre::Address>().is_err() || a.chars().any(char::is_control) {
                return Err(bad(format!("{a:?} is not an e-mail address")));
            }
        }
        Ok(())
    }

    /// The object storage of files, if configured: `files_s3_bucket`, `files_s3_access_key` and
    /// `files_s3_secret_key` go together (an endpoint or keys without a bucket, or a bucket
    /// without keys, is refused, naming what is missing); the endpoint is an `https://` URL, or
    /// `http://` on a loopback address (a test server); the bucket name follows S3's rules.
    pub fn files_s3(&self) -> Result<Option<FilesS3>, ConfigError> {
        const TOGETHER: &str = "files_s3_bucket, files_s3_access_key and files_s3_secret_key \
             (EGOV_FILES_S3_BUCKET, EGOV_FILES_S3_ACCESS_KEY, EGOV_FILES_S3_SECRET_KEY) go together";
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|v| v.trim().is_empty());
        let secret_blank = self
            .files_s3_secret_key
            .as_ref()
            .is_none_or(|s| s.expose().is_empty());
        let missing: Vec<&str> = [
            ("files_s3_bucket", blank(&self.files_s3_bucket)),
            ("files_s3_access_key", blank(&self.files_s3_access_key)),
            ("files_s3_secret_key", secret_blank),
        ]
        .into_iter()
        .filter_map(|(name, missing)| missing.then_some(name))
        .collect();
        if missing.len() == 3 {
            if !blank(&self.files_s3_endpoint) {
                return Err(ConfigError::Setting {
                    name: "files_s3_endpoint",
                    message: format!("set without files_s3_bucket: {TOGETHER}"),
                });
            }
            return Ok(None);
        }
        if !missing.is_empty() {
            return Err(ConfigError::Setting {
                name: missing[0],
                message: format!("not set: {TOGETHER}; missing {}", missing.join(", ")),
            });
        }
        let bucket = self.files_s3_bucket.as_deref().unwrap_or_default().trim();
        if !valid_bucket(bucket) {
            return Err(ConfigError::Setting {
                name: "files_s3_bucket",
                message: format!(
                    "{bucket:?} is not a bucket name (3-63 lowercase letters, digits, dots and \
                     hyphens, beginning and ending with a letter or digit)"
                ),
            });
        }
        let region = self.files_s3_region.trim();
        if region.is_empty()
            || !region
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(ConfigError::Setting {
                name: "files_s3_region",
                message: format!("{region:?} is not a region (e.g. {DEFAULT_S3_REGION})"),
            });
        }
        let (endpoint, allow_http) = match self.files_s3_endpoint.as_deref().map(str::trim) {
            None | Some("") => (None, false),
            Some(e) => {
                let allow_http = check_endpoint(e).map_err(|message| ConfigError::Setting {
                    name: "files_s3_endpoint",
                    message,
                })?;
                (Some(e.trim_end_matches('/').to_owned()), allow_http)
            }
        };
        Ok(Some(FilesS3 {
            endpoint,
            allow_http,
            bucket: bucket.to_owned(),
            region: region.to_owned(),
            access_key: self
                .files_s3_access_key
                .as_deref()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            secret_key: self.files_s3_secret_key.clone().unwrap_or_default(),
        }))
    }

    /// The citizen sign-in's provider, if configured: `oidc_issuer`, `oidc_client_id`,
    /// `oidc_client_secret` and `oidc_redirect_url` go together; the issuer and the redirect URL
    /// are `https://` (plain `http://` on a loopback address only: a test provider); every
    /// `acr` maps to level 1 or 2.
    pub fn oidc(&self) -> Result<Option<Oidc>, ConfigError> {
        const TOGETHER: &str = "oidc_issuer, oidc_client_id, oidc_client_secret and \
             oidc_redirect_url (EGOV_OIDC_*) go together";
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|v| v.trim().is_empty());
        let missing: Vec<&str> = [
            ("oidc_issuer", blank(&self.oidc_issuer)),
            ("oidc_client_id", blank(&self.oidc_client_id)),
            (
                "oidc_client_secret",
                self.oidc_client_secret
                    .as_ref()
                    .is_none_or(|s| s.expose().is_empty()),
            ),
            ("oidc_redirect_url", blank(&self.oidc_redirect_url)),
        ]
        .into_iter()
        .filter_map(|(name, missing)| missing.then_some(name))
        .collect();
        if missing.len() == 4 {
            return Ok(None);
        }
        if !missing.is_empty() {
            return Err(ConfigError::Setting {
                name: missing[0],
                message: format!("not set: {TOGETHER}; missing {}", missing.join(", ")),
            });
        }
        let url = |name: &'static str, v: &Option<String>| -> Result<String, ConfigError> {
            let v = v.as_deref().unwrap_or_default().trim();
            check_endpoint(v).map_err(|message| ConfigError::Setting { name, message })?;
            Ok(v.to_owned())
        };
        if let Some((acr, level)) = self
            .oidc_acr_levels
            .iter()
            .find(|(_, l)| !matches!(l, 1 | 2))
        {
            return Err(ConfigError::Setting {
                name: "oidc_acr_levels",
                message: format!("{acr:?} maps to {level}: a level is 1 or 2"),
            });
        }
        Ok(Some(Oidc {
            issuer: url("oidc_issuer", &self.oidc_issuer)?,
            client_id: self
                .oidc_client_id
                .as_deref()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            client_secret: self.oidc_client_secret.clone().unwrap_or_default(),
            redirect_url: url("oidc_redirect_url", &self.oidc_redirect_url)?,
        }))
    }

    /// The audit key from `audit_key` or `audit_key_file` (not both), if one is configured.
    pub fn audit_key(&self) -> Result<Option<crate::audit::AuditKey>, ConfigError> {
        let bad = |message: String| ConfigError::Parse {
            path: self.audit_key_file.clone().unwrap_or_default(),
            message,
        };
        match (&self.audit_key, &self.audit_key_file) {
            (Some(_), Some(_)) => Err(bad("set audit_key or audit_key_file, not both".to_owned())),
            (Some(k), None) => crate::audit::AuditKey::from_hex(k.expose())
                .map(Some)
                .map_err(|m| ConfigError::Env {
                    name: "audit_key".into(),
                    message: m,
                }),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                crate::audit::AuditKey::from_hex(&text)
                    .map(Some)
                    .map_err(bad)
            }
            (None, None) => Ok(None),
        }
    }

    /// Production checks for `egov serve`: secure cookies (the demo's plain-HTTP setting is refused).
    pub fn check_production(&self) -> Result<(), ConfigError> {
        if !self.cookie_secure {
            return Err(ConfigError::Unsafe(
                "cookie_secure = false is allowed only in the demo".into(),
            ));
        }
        if self.audit_key()?.is_none() {
            return Err(ConfigError::Unsafe(
                "no audit key: set audit_key_file (or EGOV_AUDIT_KEY_FILE) to a file holding 64 hexadecimal digits, e.g. from `openssl rand -hex 32`, the same on every node".into(),
            ));
        }
        Ok(())
    }

    /// The effective configuration as TOML, secrets replaced by `[redacted]` and the database
    /// password removed from the URL.
    pub fn redacted_toml(&self) -> String {
        #[derive(Serialize)]
        struct Shown<'a> {
            database_url: String,
            db_max_connections: u32,
            listen: String,
            data_dir: String,
            cookie_secure: bool,
            session_ttl_minutes: i64,
            session_idle_minutes: i64,
            log_json: bool,
            node_id: &'a str,
            job_workers: usize,
            #[serde(skip_serializing_if = "Option::is_none")]
            audit_key: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            audit_key_file: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            audit_checkpoint_dir: Option<String>,
            totp_key: &'static str,
            trusted_proxies: Vec<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            smtp_url: Option<String>,
            mail_from: &'a str,
            alert_recipients: &'a [String],
            #[serde(skip_serializing_if = "Option::is_none")]
            files_s3_endpoint: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            files_s3_bucket: Option<&'a str>,
            files_s3_region: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            files_s3_access_key: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            files_s3_secret_key: Option<&'static str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            payment_gateway_url: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            payment_merchant: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            payment_secret: Option<&'static str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            payment_books_url: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            services_sync_url: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            services_sync_token: Option<&'static str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            sms_hook_url: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            sms_hook_token: Option<&'static str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            public_url: Option<&'a str>,
            oidc_issuer: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            oidc_client_id: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            oidc_client_secret: Option<&'static str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            oidc_redirect_url: Option<&'a str>,
            oidc_personal_id_claim: &'a str,
            oidc_representations_claim: &'a str,
            // A table: after every plain value.
            oidc_acr_levels: &'a std::collections::BTreeMap<String, u8>,
        }
        let shown = Shown {
            database_url: redact_url(self.database_url.expose()),
            db_max_connections: self.db_max_connections,
            listen: self.listen.to_string(),
            data_dir: self.data_dir.display().to_string(),
            cookie_secure: self.cookie_secure,
            session_ttl_minutes: self.session_ttl_minutes,
            session_idle_minutes: self.session_idle_minutes,
            log_json: self.log_json,
            node_id: &self.node_id,
            job_workers: self.job_workers,
            audit_key: self.audit_key.as_ref().map(|_| "[redacted]"),
            audit_key_file: self
                .audit_key_file
                .as_ref()
                .map(|p| p.display().to_string()),
            audit_checkpoint_dir: self
                .audit_checkpoint_dir
                .as_ref()
                .map(|p| p.display().to_string()),
            totp_key: if self.totp_key.is_some() {
                "[redacted]"
            } else {
                ""
            },
            trusted_proxies: self.trusted_proxies.iter().map(|a| a.to_string()).collect(),
            smtp_url: self.smtp_url.as_ref().map(|u| redact_url(u.expose())),
            mail_from: &self.mail_from,
            alert_recipients: &self.alert_recipients,
            files_s3_endpoint: self.files_s3_endpoint.as_deref(),
            files_s3_bucket: self.files_s3_bucket.as_deref(),
            files_s3_region: &self.files_s3_region,
            files_s3_access_key: self.files_s3_access_key.as_deref(),
            files_s3_secret_key: self.files_s3_secret_key.as_ref().map(|_| "[redacted]"),
            payment_gateway_url: self.payment_gateway_url.as_deref(),
            payment_merchant: self.payment_merchant.as_deref(),
            payment_secret: self.payment_secret.as_ref().map(|_| "[redacted]"),
            payment_books_url: self.payment_books_url.as_deref(),
            services_sync_url: self.services_sync_url.as_deref(),
            services_sync_token: self.services_sync_token.as_ref().map(|_| "[redacted]"),
            sms_hook_url: self.sms_hook_url.as_deref(),
            sms_hook_token: self.sms_hook_token.as_ref().map(|_| "[redacted]"),
            public_url: self.public_url.as_deref(),
            oidc_issuer: self.oidc_issuer.as_deref(),
            oidc_client_id: self.oidc_client_id.as_deref(),
            oidc_client_secret: self.oidc_client_secret.as_ref().map(|_| "[redacted]"),
            oidc_redirect_url: self.oidc_redirect_url.as_deref(),
            oidc_acr_levels: &self.oidc_acr_levels,
            oidc_personal_id_claim: &self.oidc_personal_id_claim,
            oidc_representations_claim: &self.oidc_representations_claim,
        };
        toml::to_string(&shown).unwrap_or_default()
    }
}

/// S3's bucket naming rules (the ones every S3-compatible server accepts).
fn valid_bucket(b: &str) -> bool {
    (3..=63).contains(&b.len())
        && b.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
        && b.starts_with(|c: char| c.is_ascii_alphanumeric())
        && b.ends_with(|c: char| c.is_ascii_alphanumeric())
        && !b.contains("..")
}

/// An object store's endpoint: an `https://` URL with a host and nothing but a path after it, or
/// `http://` to a loopback address (`Ok(true)`: plain HTTP allowed). Never credentials in it.
fn check_endpoint(e: &str) -> Result<bool, String> {
    let url = url::Url::parse(e).map_err(|err| format!("{e:?} is not a URL: {err}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "the URL must not hold credentials: use files_s3_access_key and \
             files_s3_secret_key"
                .into(),
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{e:?}: a URL without query or fragment"));
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => return Err(format!("{e:?}: a URL with a host")),
    };
    match url.scheme() {
        "https" => Ok(false),
        "http" if loopback => Ok(true),
        "http" => Err(format!(
            "{e:?}: plain HTTP only to a loopback address (a test server); use https://"
        )),
        s => Err(format!("{e:?}: scheme {s}, not https")),
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:[redacted]@host/db`.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.rsplit_once('@')
    {
        let user = userinfo.split(':').next().unwrap_or("");
        return format!("{scheme}://{user}:[redacted]@{host}");
    }
    url.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let mut cfg = Config::default();
        cfg.apply_env(|k| match k {
            "EGOV_DATABASE_URL" => Some("postgres://egov:hunter2@db/egov".into()),
            "EGOV_TOTP_KEY" => Some("c2VjcmV0LWtleS1vZi1zZWNvbmQtZmFjdG9yLTEyMzQ=".into()),
            "EGOV_SMTP_URL" => Some("smtps://relay:mailpass99@smtp.gov.vn:465".into()),
            "EGOV_OIDC_CLIENT_SECRET" => Some("oidc-Secret-77".into()),
            _ => None,
        })
        .unwrap();
        let debug = format!("{cfg:?}");
        let shown = cfg.redacted_toml();
        assert!(
            shown.contains("oidc_client_secret = \"[redacted]\""),
            "{shown}"
        );
        assert!(shown.contains("\"urn:egov:loa:2\" = 2"), "{shown}");
        for text in [&debug, &shown] {
            assert!(!text.contains("oidc-Secret-77"), "{text}");
            assert!(!text.contains("hunter2"), "{text}");
            assert!(!text.contains("c2VjcmV0"), "{text}");
            assert!(!text.contains("mailpass99"), "{text}");
        }
        assert!(
            shown.contains("smtps://relay:[redacted]@smtp.gov.vn:465"),
            "{shown}"
        );
        assert!(shown.contains("totp_key = \"[redacted]\""), "{shown}");
        assert!(shown.contains("postgres://egov:[redacted]@db/egov"));
    }

    #[test]
    fn oidc_settings_go_together_and_levels_are_1_or_2() {
        let mut cfg = Config::default();
        assert_eq!(cfg.oidc().unwrap(), None);
        cfg.oidc_issuer = Some("https://id.gov.vn".into());
        let err = cfg.oidc().unwrap_err().to_string();
        assert!(
            err.contains("oidc_client_id") && err.contains("oidc_client_secret"),
            "{err}"
        );
        cfg.oidc_client_id = Some("egov".into());
        cfg.oidc_client_secret = Some(Secret::new("s"));
        cfg.oidc_redirect_url = Some("http://portal.gov.vn/citizen/callback".into());
        let err = cfg.oidc().unwrap_err().to_string();
        assert!(err.contains("oidc_redirect_url"), "{err}");
        cfg.oidc_redirect_url = Some("https://portal.gov.vn/citizen/callback".into());
        assert_eq!(cfg.oidc().unwrap().unwrap().issuer, "https://id.gov.vn");
        cfg.oidc_acr_levels.insert("urn:x:3".into(), 3);
        assert!(cfg.oidc().unwrap_err().to_string().contains("urn:x:3"));
    }

    const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn production_refuses_insecure_cookies() {
        let mut cfg = Config {
            audit_key: Some(Secret::new(KEY)),
            ..Config::default()
        };
        assert!(cfg.check_production().is_ok());
        cfg.cookie_secure = false;
        assert!(cfg.check_production().is_err());
    }

    #[test]
    fn production_needs_an_audit_key_that_never_prints() {
        let mut cfg = Config::default();
        let err = cfg.check_production().unwrap_err();
        assert!(err.to_string().contains("audit key"), "{err}");
        cfg.apply_env(|k| (k == "EGOV_AUDIT_KEY").then(|| KEY.into()))
            .unwrap();
        assert!(cfg.check_production().is_ok());
        let shown = format!("{cfg:?}\n{}", cfg.redacted_toml());
        assert!(!shown.contains("aabbccdd"), "{shown}");
        assert!(shown.contains("audit_key = \"[redacted]\""), "{shown}");
        // Too short, not hexadecimal, or given twice: refused with the reason.
        cfg.audit_key = Some(Secret::new("abcd"));
        assert!(
            cfg.audit_key()
                .unwrap_err()
                .to_string()
                .contains("32 bytes")
        );
        cfg.audit_key = Some(Secret::new("zz".repeat(32)));
        assert!(
            cfg.audit_key()
                .unwrap_err()
                .to_string()
                .contains("hexadecimal")
        );
        cfg.audit_key = Some(Secret::new(KEY));
        cfg.audit_key_file = Some(PathBuf::from("/nonexistent"));
        assert!(
            cfg.audit_key()
                .unwrap_err()
                .to_string()
                .contains("not both")
        );
    }

    #[test]
    fn bad_env_is_named() {
        let mut cfg = Config::default();
        let err = cfg
            .apply_env(|k| (k == "EGOV_LISTEN").then(|| "nowhere".into()))
            .unwrap_err();
        assert!(err.to_string().contains("EGOV_LISTEN"));
        let err = cfg
            .apply_env(|k| (k == "EGOV_TRUSTED_PROXIES").then(|| "10.0.0.1, proxy".into()))
            .unwrap_err();
        assert!(err.to_string().contains("EGOV_TRUSTED_PROXIES"));
        cfg.apply_env(|k| (k == "EGOV_TRUSTED_PROXIES").then(|| "10.0.0.1, ::1".into()))
            .unwrap();
        assert_eq!(cfg.trusted_proxies.len(), 2);
    }

    /// The payment gateway: URL, merchant and secret together (or none); HTTPS or loopback HTTP;
    /// the secret never printed.
    #[test]
    fn the_payment_gateway_is_all_or_nothing_and_its_secret_never_prints() {
        let env = |pairs: &[(&'static str, &'static str)]| {
            let mut cfg = Config::default();
            cfg.apply_env(|k| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            })
            .unwrap();
            cfg
        };
        assert!(Config::default().payment().unwrap().is_none());
        let full = [
            (
                "EGOV_PAYMENT_GATEWAY_URL",
                "https://pay.example.vn/vpcpay.html",
            ),
            ("EGOV_PAYMENT_MERCHANT", "EGOV0001"),
            ("EGOV_PAYMENT_SECRET", "a-secret-of-enough-length"),
        ];
        let cfg = env(&full);
        let p = cfg.payment().unwrap().unwrap();
        assert_eq!(p.merchant, "EGOV0001");
        assert!(!cfg.redacted_toml().contains("a-secret-of-enough-length"));
        assert!(!format!("{cfg:?}").contains("a-secret-of-enough-length"));
        assert!(env(&full[..2]).payment().is_err(), "no secret");
        let plain = [
            ("EGOV_PAYMENT_GATEWAY_URL", "http://pay.example.vn/"),
            full[1],
            full[2],
        ];
        assert!(env(&plain).payment().is_err(), "plain HTTP to another host");
        let local = [
            ("EGOV_PAYMENT_GATEWAY_URL", "http://127.0.0.1:9000/pay"),
            full[1],
            full[2],
        ];
        assert!(env(&local).payment().is_ok());
        let short = [full[0], full[1], ("EGOV_PAYMENT_SECRET", "short")];
        assert!(env(&short).payment().is_err(), "a short secret");
    }

    /// Object storage of files: bucket and keys together (or none), a precise message naming
    /// what is missing; https, or http to a loopback address only; the secret never printed.
    #[test]
    fn files_s3_is_all_or_nothing_and_its_secret_never_prints() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            let mut cfg = Config::default();
            cfg.apply_env(|k| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            })
            .unwrap();
            cfg
        };
        assert_eq!(Config::default().files_s3().unwrap(), None);
        let full: &[(&str, &str)] = &[
            ("EGOV_FILES_S3_ENDPOINT", "http://127.0.0.1:9000/"),
            ("EGOV_FILES_S3_BUCKET", "egov-files"),
            ("EGOV_FILES_S3_ACCESS_KEY", "egov"),
            ("EGOV_FILES_S3_SECRET_KEY", "s3cr3t-Value-42"),
        ];
        let cfg = env(full);
        let s3 = cfg.files_s3().unwrap().unwrap();
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert!(s3.allow_http);
        assert_eq!(
            (s3.bucket.as_str(), s3.region.as_str()),
            ("egov-files", "us-east-1")
        );
        assert_eq!(s3.secret_key.expose(), "s3cr3t-Value-42");
        let shown = format!("{cfg:?}\n{}\n{s3:?}", cfg.redacted_toml());
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(
            cfg.redacted_toml()
                .contains("files_s3_secret_key = \"[redacted]\""),
            "{shown}"
        );
        assert!(
            cfg.redacted_toml()
                .contains("files_s3_bucket = \"egov-files\"")
        );
        // Half-set: the missing keys are named.
        let err = env(&full[..2]).files_s3().unwrap_err().to_string();
        assert!(
            err.contains("files_s3_access_key")
                && err.contains("missing files_s3_access_key, files_s3_secret_key")
                && err.contains("go together"),
            "{err}"
        );
        let err = env(&full[..1]).files_s3().unwrap_err().to_string();
        assert!(err.contains("files_s3_endpoint") && err.contains("without files_s3_bucket"));
        let err = env(&full[2..]).files_s3().unwrap_err().to_string();
        assert!(err.contains("missing files_s3_bucket"), "{err}");
        // Amazon S3 itself: no endpoint.
        let aws = env(&full[1..]).files_s3().unwrap().unwrap();
        assert_eq!((aws.endpoint, aws.allow_http), (None, false));
        // Endpoints: https anywhere, http on loopback only, never credentials in the URL.
        let mut cfg = env(full);
        for (endpoint, ok) in [
            ("https://s3.example.gov.vn", true),
            ("http://localhost:9000", true),
            ("http://[::1]:9000", true),
            ("http://s3.example.gov.vn", false),
            ("http://10.0.0.5:9000", false),
            ("ftp://127.0.0.1", false),
            ("https://egov:s3cr3t@s3.example.gov.vn", false),
            ("s3.example.gov.vn", false),
        ] {
            cfg.files_s3_endpoint = Some(endpoint.into());
            let r = cfg.files_s3();
            assert_eq!(r.is_ok(), ok, "{endpoint}: {r:?}");
            if let Err(e) = r {
                assert!(e.to_string().contains("files_s3_endpoint"), "{e}");
                assert!(!e.to_string().contains("s3cr3t"), "{e}");
            }
        }
        cfg.files_s3_endpoint = None;
        for bucket in ["Egov", "eg", "egov_files", "-egov", "egov..files"] {
            cfg.files_s3_bucket = Some(bucket.into());
            let e = cfg.files_s3().unwrap_err().to_string();
            assert!(e.contains("files_s3_bucket"), "{bucket}: {e}");
        }
        // An empty variable unsets: a file's bucket can be cleared by the environment.
        let mut cfg = env(full);
        cfg.apply_env(|k| {
            [
                "EGOV_FILES_S3_ENDPOINT",
                "EGOV_FILES_S3_BUCKET",
                "EGOV_FILES_S3_ACCESS_KEY",
                "EGOV_FILES_S3_SECRET_KEY",
            ]
            .contains(&k)
            .then(String::new)
        })
        .unwrap();
        assert_eq!(cfg.files_s3().unwrap(), None);
    }

    #[test]
    fn default_alert_recipients_are_read_and_checked() {
        let mut cfg = Config::default();
        assert!(cfg.alert_recipients.is_empty());
        cfg.apply_env(|k| {
            (k == "EGOV_ALERT_RECIPIENTS")
                .then(|| " truc.ban@example.gov.vn, ,lanh.dao@example.gov.vn ".into())
        })
        .unwrap();
        assert_eq!(
            cfg.alert_recipients,
            vec!["truc.ban@example.gov.vn", "lanh.dao@example.gov.vn"]
        );
        cfg.check_alert_recipients().unwrap();
        let toml: Config = toml::from_str("alert_recipients = [\"a@example.gov.vn\"]").unwrap();
        assert_eq!(toml.alert_recipients, vec!["a@example.gov.vn"]);
        assert!(cfg.redacted_toml().contains("truc.ban@example.gov.vn"));
        cfg.alert_recipients.push("truc ban".into());
        let err = cfg.check_alert_recipients().unwrap_err().to_string();
        assert!(
            err.contains("EGOV_ALERT_RECIPIENTS") && err.contains("truc ban"),
            "{err}"
        );
        cfg.alert_recipients = vec!["a@example.gov.vn".into(); MAX_ALERT_RECIPIENTS + 1];
        assert!(cfg.check_alert_recipients().is_err());
    }
}
