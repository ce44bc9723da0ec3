//! `egov demo`: the reference data (as `egov migrate` applies it), sample communes (dữ liệu mẫu)
//! and demo accounts with generated passwords, written once to `data/demo-accounts.txt` (mode
//! 0600), beside the keys that encrypt second-factor secrets (`data/totp.key`) and seal the audit
//! trail (`data/audit.key`), both mode 0600.

use std::io::Write;
use std::path::Path;

use platform::audit::Actor;
use platform::db::Db;
use platform::identity::access::{Role, Scope};
use platform::identity::{self, Directory, NewUser};

/// A demo account: username, display name, role, scope kind and code.
pub struct DemoAccount {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub scope_kind: &'static str,
    pub scope_code: &'static str,
}

/// The demo accounts: an administrator, and officials of Nghệ An (among them its one-stop desk),
/// Hà Tĩnh, the Ministry of Health, the Ministry of Finance and the Government Office.
pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "admin",
        display_name: "Quản trị hệ thống",
        role: Role::SystemAdmin,
        scope_kind: "national",
        scope_code: "",
    },
    DemoAccount {
        username: "qt.nghean",
        display_name: "Quản trị UBND tỉnh Nghệ An",
        role: Role::AgencyAdmin,
        scope_kind: "agency",
        scope_code: "ubnd-40",
    },
    DemoAccount {
        username: "baocao.nghean",
        display_name: "Nguyễn Văn An (Nghệ An)",
        role: Role::Reporter,
        scope_kind: "unit",
        scope_code: "40",
    },
    DemoAccount {
        username: "pheduyet.nghean",
        display_name: "Trần Thị Bình (Nghệ An)",
        role: Role::Approver,
        scope_kind: "unit",
        scope_code: "40",
    },
    DemoAccount {
        username: "motcua.nghean",
        display_name: "Lê Thị Hương (Bộ phận Một cửa tỉnh Nghệ An)",
        role: Role::Reporter,
        scope_kind: "agency",
        scope_code: "ubnd-40",
    },
    DemoAccount {
        username: "baocao.hatinh",
        display_name: "Lê Văn Cường (Hà Tĩnh)",
        role: Role::Reporter,
        scope_kind: "unit",
        scope_code: "42",
    },
    DemoAccount {
        username: "baocao.byt",
        display_name: "Phạm Thị Dung (Bộ Y tế)",
        role: Role::Reporter,
        scope_kind: "agency",
        scope_code: "byt",
    },
    DemoAccount {
        username: "baocao.btc",
        display_name: "Vũ Thị Giang (Bộ Tài chính)",
        role: Role::Reporter,
        scope_kind: "agency",
        scope_code: "btc",
    },
    DemoAccount {
        username: "pheduyet.btc",
        display_name: "Đặng Văn Hùng (Bộ Tài chính)",
        role: Role::Approver,
        scope_kind: "agency",
        scope_code: "btc",
    },
    DemoAccount {
        username: "vanthu.nghean",
        display_name: "Hồ Thị Lan (văn thư UBND tỉnh Nghệ An)",
        role: Role::Reporter,
        scope_kind: "agency",
        scope_code: "ubnd-40",
    },
    DemoAccount {
        username: "vanthu.hcm",
        display_name: "Ngô Văn Khải (văn thư UBND TP. Hồ Chí Minh)",
        role: Role::Reporter,
        scope_kind: "agency",
        scope_code: "ubnd-79",
    },
    DemoAccount {
        username: "lanhdao.hcm",
        display_name: "Đỗ Thị Mai (lãnh đạo UBND TP. Hồ Chí Minh)",
        role: Role::Approver,
        scope_kind: "agency",
        scope_code: "ubnd-79",
    },
    DemoAccount {
        username: "thuky.vpcp",
        display_name: "Trịnh Thị Oanh (thư ký Văn phòng Chính phủ)",
        role: Role::Reporter,
        scope_kind: "agency",
        scope_code: "vpcp",
    },
    DemoAccount {
        username: "xem.vpcp",
        display_name: "Hoàng Văn Em (Văn phòng Chính phủ)",
        role: Role::Viewer,
        scope_kind: "national",
        scope_code: "",
    },
];

/// What `egov demo` loaded.
pub struct DemoOutcome {
    /// (username, password, role, scope) of accounts created now; empty when they existed.
    pub created: Vec<(String, String, String, String)>,
}

/// Load everything the demo needs; idempotent (a second run keeps data and passwords).
pub async fn load(db: &Db, data_dir: &Path) -> anyhow::Result<DemoOutcome> {
    let actor = Actor::system("egov demo");
    // The reference data, as `egov migrate` applies it in production.
    platform::reference::apply(db, &actor, &crate::reference_sets(), &Default::default()).await?;
    // The real commune list when `scripts/communes` has written it into the data directory (it is
    // not shipped: its package is GPL-licensed); the 12 sample communes otherwise.
    let real = data_dir.join("communes.csv");
    let table = if real.is_file() {
        tracing::info!(file = %real.display(), "demo: loading the commune list");
        registry::import::read_table(&real)?
    } else {
        tracing::info!(
            "demo: 12 sample communes (scripts/communes writes the real 3,321 into {})",
            real.display()
        );
        registry::import::read_csv(registry::seed::SAMPLE_COMMUNES.as_bytes())?
    };
    let report = registry::import::import_communes(
        db,
        &actor,
        &table,
        &registry::import::ImportOptions {
            valid_from: registry::Day::parse("2025-07-01").expect("valid date"),
            valid_to: None,
            dry_run: false,
        },
        &|_, _| {},
    )
    .await?;
    anyhow::ensure!(
        report.rejected.is_empty(),
        "communes rejected: {:?}",
        report.rejected
    );

    reporting::demo::generate(
        db,
        &actor,
        reporting::model::calendar::latest_due_month(registry::Day::today().0),
    )
    .await?;

    demo_alert_rules(db, &actor).await?;

    // Last month at two provinces' one-stop desks, and its service quality index filed as their
    // reports: the operations center shows the portal's figures from the start.
    let env = services::engine::dossiers::Env::load(db, "").await?;
    let history = services::engine::demo_history::seed(db, &env, platform::db::now_ms()).await?;
    tracing::info!(
        dossiers = history.dossiers,
        reports = history.filed.written,
        "demo: last month at the one-stop desks"
    );

    // The demo sign-in's citizens (one at level 1, one at level 2, one business representative),
    // linked to the demo issuer: `/citizen/login` offers them in `egov demo` only.
    identity::citizen::seed_demo_people(db)
        .await
        .map_err(|e| anyhow::anyhow!("creating the demo citizens: {:?}", e.problems))?;

    let dir = registry::RegistryDirectory { db: db.clone() };
    let mut created = Vec::new();
    for a in ACCOUNTS {
        if identity::find_user(db, a.username).await?.is_some() {
            continue;
        }
        let scope = dir
            .find_scope(a.scope_kind, a.scope_code)
            .await?
            .ok_or_else(|| {
                anyhow::anyhow!("demo scope {} {} not found", a.scope_kind, a.scope_code)
            })?;
        let password = identity::password::generate();
        identity::create_user(
            db,
            &actor,
            NewUser {
                username: a.username.into(),
                display_name: a.display_name.into(),
                email: None,
                password: password.clone(),
                locale: None,
                must_change_password: false,
                is_demo: true,
            },
            Some((a.role, scope)),
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating demo account {}: {:?}", a.username, e.problems))?;
        let scope_text = match scope {
            Scope::National => "national".to_owned(),
            _ => format!("{}:{}", a.scope_kind, a.scope_code),
        };
        created.push((
            a.username.to_owned(),
            password,
            a.role.as_str().to_owned(),
            scope_text,
        ));
    }
    // The e-Cabinet: the Government's 27 members, a ministry's and a province's leadership, their
    // forms in progress and a session ready to open (cabinet::demo). Members are written to the
    // accounts file as role "member" of their body.
    let files = platform::files::FileStore::new(data_dir.join("files"));
    for (u, p, body) in cabinet::demo::seed(db, &files, platform::db::now_ms()).await? {
        created.push((u, p, "member".to_owned(), format!("body:{body}")));
    }
    if !created.is_empty() {
        write_accounts(&data_dir.join("demo-accounts.txt"), &created)?;
    }
    Ok(DemoOutcome { created })
}

/// Two alert rules for the operations center (once): the monthly provincial reports not in by
/// their deadline, and retail sales moving more than 15 % on the same month last year.
async fn demo_alert_rules(db: &Db, actor: &Actor) -> anyhow::Result<()> {
    use operations::engine::alerts::{NewRule, create_rule};
    use operations::model::alerts::Kind;
    if !operations::store::alerts::rules(db, 1).await?.is_empty() {
        return Ok(());
    }
    for (kind, indicator, template, threshold) in [
        (
            Kind::ReportMissing,
            None,
            Some(reporting::model::template::MONTHLY_PROVINCIAL),
            None,
        ),
        (Kind::YoyChange, Some("RETAIL_SALES"), None, Some(15.0)),
    ] {
        let rule = NewRule {
            kind,
            indicator: indicator.map(str::to_owned),
            template: template.map(str::to_owned),
            threshold,
            recipients: Vec::new(),
        };
        create_rule(db, actor, rule).await?;
    }
    Ok(())
}

/// The demo's audit key file, `audit.key` in the data directory: created once (32 random bytes
/// as hexadecimal digits, readable by its owner only), then reused.
pub fn audit_key_file(data_dir: &Path) -> anyhow::Result<std::path::PathBuf> {
    let path = data_dir.join("audit.key");
    if !path.exists() {
        let mut f = private_file(&path)?;
        writeln!(f, "{}", platform::audit::AuditKey::generate_hex())?;
    }
    Ok(path)
}

/// Create the demo's data directory, readable by its owner only (0700).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// The demo's key for second-factor secrets: read from `DIR/totp.key`, or generated there (mode
/// 0600) at the first run, so that a second run opens the secrets of the first.
pub fn totp_key(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join("totp.key");
    if path.exists() {
        let key = std::fs::read_to_string(&path)?.trim().to_owned();
        identity::sealed::SecretKey::from_base64(&key)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        return Ok(key);
    }
    let key = identity::sealed::SecretKey::generate_base64();
    let mut f = private_file(&path)?;
    writeln!(f, "{key}")?;
    Ok(key)
}

/// Write the accounts file, readable by its owner only.
fn write_accounts(
    path: &Path,
    accounts: &[(String, String, String, String)],
) -> anyhow::Result<()> {
    let mut f = private_file(path)?;
    for (u, p, r, s) in accounts {
        writeln!(f, "{u} {p} {r} {s}")?;
    }
    Ok(())
}

/// A new (or emptied) file with mode 0600.
fn private_file(path: &Path) -> anyhow::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let f = opts.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(f)
}
