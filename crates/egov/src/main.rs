//! The `egov` command line.
#![forbid(unsafe_code)]

mod cli;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use cli::admin::{AdminCommand, admin};
use cli::reference::{ReferenceArgs, ReferenceCommand, reference, reference_apply};
use platform::audit;
use platform::config::Config;
use platform::i18n::Lang;

/// egov — e-Government platform: reporting, registry of units and agencies, identity, audit.
#[derive(Parser)]
#[command(name = "egov", version, about, long_about = None)]
struct Cli {
    /// Configuration file (TOML). Environment variables EGOV_* override it.
    #[arg(long, global = true, env = "EGOV_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a demo: embedded SQLite under ./data, reference and demo data, a browser-ready server.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Directory for the database and the demo accounts file.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Run in production: configuration from file and environment; refuses demo settings.
    Serve {
        /// Address to listen on (overrides the configuration).
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Apply pending database migrations, then the reference data of this release (provinces,
    /// lineage, agencies, indicator catalogue, report templates, rules, holidays), then exit.
    Migrate {
        #[command(flatten)]
        reference: ReferenceArgs,
    },
    /// Reference data shipped with egov: versions applied, differences, conflicts.
    #[command(subcommand)]
    Reference(ReferenceCommand),
    /// Print the effective configuration, secrets redacted.
    Config,
    /// Manage users and API tokens.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Administrative units.
    #[command(subcommand)]
    Units(UnitsCommand),
    /// The audit chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The e-Cabinet.
    #[command(subcommand)]
    Cabinet(CabinetCommand),
    /// The indicator catalogue and targets.
    #[command(subcommand)]
    Catalogue(CatalogueCommand),
}

#[derive(Subcommand)]
enum CatalogueCommand {
    /// Import the catalogue (CSV, XLSX or JSON, in the columns of the export; Vietnamese or
    /// English headers). Every row is checked first; one bad row rejects the whole file. Indicators
    /// absent from the file are left as they are.
    Import {
        file: PathBuf,
        /// Check the file and report what would change, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the catalogue as CSV, XLSX or JSON (to a file, or CSV/JSON to standard output).
    Export {
        #[arg(long, default_value = "csv")]
        format: String,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Targets per year and unit (chỉ tiêu kế hoạch).
    #[command(subcommand)]
    Targets(TargetsCommand),
}

#[derive(Subcommand)]
enum TargetsCommand {
    /// Import targets (CSV or XLSX; columns indicator/Mã chỉ tiêu, unit/Đơn vị (VN or a province
    /// code), year/Năm, target/Kế hoạch). All or nothing.
    Import {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum UnitsCommand {
    /// Import an official commune list (CSV or XLSX). Columns (header names, Vietnamese or
    /// English): province_code/Mã tỉnh, commune_code/Mã xã, commune_name/Tên xã, and optionally
    /// commune_kind/Loại (xã, phường, đặc khu), district_code/Mã QH, district_name/Tên QH.
    /// Every row is checked first; one bad row rejects the whole file.
    Import {
        file: PathBuf,
        /// First day of validity of the imported units (provinces are resolved on this day).
        #[arg(long, default_value = "2025-07-01")]
        valid_from: String,
        /// Last day of validity, for a historical list.
        #[arg(long)]
        valid_to: Option<String>,
        /// Check the file and report, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Language of the report: vi or en.
        #[arg(long, default_value = "vi")]
        lang: String,
    },
}

#[derive(Subcommand)]
enum CabinetCommand {
    /// Check every ballot of a poll (or every answer of an opinion form): its canonical text,
    /// the passkey's signature over the stored challenge, the member's Ed25519 signature when
    /// they have a key, the evidence hash sealed in the audit chain, and the tally recounted.
    /// Exit 1 and name what does not hold.
    Verify {
        /// `poll` or `form`.
        #[arg(value_parser = ["poll", "form"])]
        what: String,
        id: i64,
        /// The site's origin the assertions must name (default: public_url of the
        /// configuration; without either, the origin is not checked).
        #[arg(long)]
        origin: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the whole chain (sealed with the audit key) against the published checkpoints, and
    /// that the approved values and their history agree with the trail; exit 1 and name what
    /// broke.
    Verify {
        /// Directory of published checkpoints (default: audit_checkpoint_dir of the
        /// configuration).
        #[arg(long)]
        checkpoints: Option<PathBuf>,
    },
    /// Publish a signed checkpoint of the chain's head now (the `audit.checkpoint` job does it
    /// every hour).
    Checkpoint,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("egov: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("egov: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Demo { listen, data } => {
            config.demo = true;
            config.cookie_secure = false;
            config.listen = listen;
            config.data_dir = data.clone();
            if std::env::var("EGOV_DATABASE_URL").is_err() {
                config.database_url =
                    platform::config::Secret::new(format!("sqlite://{}/egov.db", data.display()));
            }
            egov::init_logging(config.log_json);
            egov::demo::create_private_dir(&data)
                .with_context(|| format!("cannot create {}", data.display()))?;
            // The demo's own audit key and checkpoints, beside its accounts file.
            if config.audit_key.is_none() && config.audit_key_file.is_none() {
                config.audit_key_file = Some(egov::demo::audit_key_file(&data)?);
            }
            if config.audit_checkpoint_dir.is_none() {
                config.audit_checkpoint_dir = Some(data.join("audit-checkpoints"));
            }
            if config.totp_key.is_none() {
                config.totp_key = Some(platform::config::Secret::new(egov::demo::totp_key(&data)?));
            }
            let db = egov::connect(&config).await?;
            let started = std::time::Instant::now();
            let outcome = egov::demo::load(&db, &data).await?;
            if outcome.created.is_empty() {
                println!(
                    "Dữ liệu mẫu đã có sẵn; tài khoản demo xem trong {} / Demo data already loaded; accounts are in that file.",
                    data.join("demo-accounts.txt").display()
                );
            } else {
                println!("Tài khoản demo / Demo accounts (username password role scope):");
                for (u, p, r, s) in &outcome.created {
                    println!("  {u} {p} {r} {s}");
                }
                println!(
                    "Đã lưu vào / saved to {} (0600). Tài khoản quản trị sẽ được yêu cầu bật xác thực hai lớp / administrators set up two-factor authentication at first sign-in.",
                    data.join("demo-accounts.txt").display()
                );
            }
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            // The connected sites: three synthetic camera streams (ffmpeg) served by this server,
            // and a few conference points; the probe job finds their state within a minute.
            let mut cameras = operations::demo::start_streams(&data.join("streams"));
            // Their first segments before the first probe, so they do not start "down".
            for c in &cameras {
                c.ready(std::time::Duration::from_secs(10)).await;
            }
            let mut own = listener.local_addr()?;
            if own.ip().is_unspecified() {
                own.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
            }
            operations::demo::register_sites(&db, &format!("http://{own}")).await?;
            // The document axis: this process is the axis and the endpoints of two demo
            // agencies (Nghệ An, Hồ Chí Minh City), which reach it over loopback HTTP.
            documents::engine::endpoint::demo_prepare(&db).await?;
            if config.axis_url.is_none() {
                config.axis_url = Some(format!("http://{own}"));
                config.axis_poll_seconds = config.axis_poll_seconds.min(5);
            }
            if cameras.is_empty() {
                println!(
                    "Không có ffmpeg: camera mẫu có trong danh sách nhưng không có hình / no ffmpeg: demo cameras are listed but show no video (apt-get install ffmpeg)"
                );
                tracing::warn!("no ffmpeg: demo cameras are listed but show no video");
            } else {
                println!(
                    "Camera mẫu / demo cameras: {} luồng thử nghiệm (ffmpeg) tại / test streams at {}/…",
                    cameras.len(),
                    operations::streams::PATH_PREFIX
                );
            }
            println!(
                "egov demo sẵn sàng / ready in {:.1}s: http://{}",
                started.elapsed().as_secs_f64(),
                listener.local_addr()?
            );
            egov::serve(
                egov::state(db, config).await?,
                listener,
                egov::shutdown_signal(),
            )
            .await?;
            for c in &mut cameras {
                c.stop().await;
            }
        }
        Command::Serve { listen } => {
            if let Some(l) = listen {
                config.listen = l;
            }
            egov::init_logging(config.log_json);
            config.check_production()?;
            if config.audit_checkpoint_dir.is_none() {
                tracing::warn!(
                    "audit_checkpoint_dir is not set: audit checkpoints go to the log only (see docs/operations.md, Security)"
                );
            }
            let db = egov::connect(&config).await?;
            let demo_users = platform::identity::active_demo_users(&db).await?;
            anyhow::ensure!(
                demo_users == 0,
                "refusing to start: the database holds {demo_users} active demo account(s) whose passwords were written to a file; disable them (egov admin user disable NAME) or use a fresh database"
            );
            anyhow::ensure!(
                platform::identity::sealed::SecretKey::from_config(&config)?.is_some(),
                "refusing to start: totp_key is not set (the key that encrypts second-factor secrets: base64 of 32 random bytes, e.g. `openssl rand -base64 32`, in the config file or EGOV_TOTP_KEY)"
            );
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("cannot listen on {}", config.listen))?;
            egov::serve(
                egov::state(db, config).await?,
                listener,
                egov::shutdown_signal(),
            )
            .await?;
        }
        Command::Migrate { reference: args } => {
            let db = egov::connect(&config).await?;
            let (applied, known) = db.migration_status().await?;
            println!(
                "migrations: {applied}/{known} applied ({})",
                db.backend().name()
            );
            return reference_apply(&db, &args, Vec::new()).await;
        }
        Command::Reference(cmd) => {
            let db = egov::connect(&config).await?;
            return reference(&db, cmd).await;
        }
        Command::Config => print!("{}", config.redacted_toml()),
        Command::Admin(cmd) => {
            let db = egov::connect(&config).await?;
            admin(&db, cmd).await?;
        }
        Command::Units(UnitsCommand::Import {
            file,
            valid_from,
            valid_to,
            dry_run,
            lang,
        }) => {
            let db = egov::connect(&config).await?;
            let lang = Lang::parse(&lang).unwrap_or_default();
            return import_units(&db, &file, &valid_from, valid_to.as_deref(), dry_run, lang).await;
        }
        Command::Catalogue(cmd) => {
            let db = egov::connect(&config).await?;
            return catalogue(&db, cmd, config.target_lead_years).await;
        }
        Command::Audit(AuditCommand::Verify { checkpoints }) => {
            let db = egov::connect(&config).await?;
            let checkpoints = match checkpoints.or(config.audit_checkpoint_dir.clone()) {
                Some(dir) => audit::read_checkpoints(&dir)?,
                None => Vec::new(),
            };
            let report = audit::verify_all(&db, &checkpoints, &egov::audit_checks()).await?;
            println!("{report}");
            if !report.is_intact() {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Cabinet(CabinetCommand::Verify { what, id, origin }) => {
            let db = egov::connect(&config).await?;
            let origin = origin.or(config.public_url.clone());
            let origin = origin.as_deref().map(|o| o.trim_end_matches('/'));
            let report = if what == "poll" {
                cabinet::engine::verify::poll(&db, id, origin).await
            } else {
                cabinet::engine::verify::form(&db, id, origin).await
            }
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{what} {id}: {} checked, {} problem(s)",
                report.checked, report.problem_count
            );
            for p in &report.problems {
                println!("  - {p}");
            }
            if !report.ok() {
                return Ok(ExitCode::FAILURE);
            }
            println!("{what} {id}: every ballot's evidence and the tally hold");
        }
        Command::Audit(AuditCommand::Checkpoint) => {
            let db = egov::connect(&config).await?;
            match audit::publish_checkpoint(&db, config.audit_checkpoint_dir.as_deref()).await? {
                Some(cp) => println!("checkpoint: entry {} hash {}", cp.seq, cp.hash),
                None => println!("audit head unchanged since the last checkpoint"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn import_units(
    db: &platform::db::Db,
    file: &std::path::Path,
    valid_from: &str,
    valid_to: Option<&str>,
    dry_run: bool,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let day =
        |s: &str| registry::Day::parse(s).with_context(|| format!("invalid date {s} (YYYY-MM-DD)"));
    let opts = registry::import::ImportOptions {
        valid_from: day(valid_from)?,
        valid_to: valid_to.map(day).transpose()?,
        dry_run,
    };
    let table = registry::import::read_table(file)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let bar = indicatif::ProgressBar::new(table.len().saturating_sub(1) as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report =
        registry::import::import_communes(db, &cli::actor(), &table, &opts, &|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await?;
    bar.finish_and_clear();
    if !report.rejected.is_empty() {
        eprintln!(
            "{}",
            platform::i18n::t_args(
                lang,
                "import.rejected",
                &[("n", rejected_total(&report.rejected).to_string())]
            )
        );
        for e in &report.rejected {
            eprintln!("  {}", e.message(lang));
        }
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "{}",
        platform::i18n::t_args(
            lang,
            if report.dry_run {
                "import.dry_run_ok"
            } else {
                "import.done"
            },
            &[
                ("rows", report.rows.to_string()),
                ("inserted", report.inserted.to_string()),
                ("updated", report.updated.to_string()),
                ("unchanged", report.unchanged.to_string()),
                ("districts", report.districts.to_string()),
            ]
        )
    );
    Ok(ExitCode::SUCCESS)
}

/// How many rows a (possibly cut) list of rejected rows stands for.
fn rejected_total(errors: &[registry::model::RowError]) -> usize {
    platform::error::listed_total(errors.iter().map(|e| (e.code, e.value.as_str())))
}

/// Print every rejected cell in Vietnamese and English; exit 1.
fn print_rejected(errors: &[reporting::engine::catalogue::CellError]) -> ExitCode {
    let n = reporting::engine::catalogue::error_count(errors).to_string();
    eprintln!(
        "{} / {}",
        platform::i18n::t_args(Lang::Vi, "reporting.catalogue_errors", &[("n", n.clone())]),
        platform::i18n::t_args(Lang::En, "reporting.catalogue_errors", &[("n", n)])
    );
    for e in errors {
        let p = e.problem();
        eprintln!("  {}\n  {}", p.detail(Lang::Vi), p.detail(Lang::En));
    }
    ExitCode::FAILURE
}

fn read_catalogue_file(
    file: &std::path::Path,
) -> anyhow::Result<
    Result<reporting::engine::catalogue::Table, Vec<reporting::engine::catalogue::CellError>>,
> {
    use reporting::engine::catalogue::{Format, read};
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    Ok(read(&bytes, Format::detect(name, &bytes)))
}

async fn catalogue(
    db: &platform::db::Db,
    cmd: CatalogueCommand,
    target_lead_years: u32,
) -> anyhow::Result<ExitCode> {
    let counts = |rows: usize, inserted: usize, updated: usize, unchanged: usize| {
        [
            ("rows", rows.to_string()),
            ("inserted", inserted.to_string()),
            ("updated", updated.to_string()),
            ("unchanged", unchanged.to_string()),
        ]
    };
    let say = |dry_run: bool, args: &[(&str, String)]| {
        let key = if dry_run {
            "reporting.catalogue_dry_run_done"
        } else {
            "reporting.catalogue_import_done"
        };
        println!(
            "{}\n{}",
            platform::i18n::t_args(Lang::Vi, key, args),
            platform::i18n::t_args(Lang::En, key, args)
        );
    };
    match cmd {
        CatalogueCommand::Import { file, dry_run } => {
            let table = match read_catalogue_file(&file)? {
                Ok(t) => t,
                Err(e) => return Ok(print_rejected(&e)),
            };
            match reporting::engine::catalogue::import(db, &cli::actor(), &table, dry_run).await? {
                Err(e) => return Ok(print_rejected(&e)),
                Ok(r) => {
                    say(dry_run, &counts(r.rows, r.inserted, r.updated, r.unchanged));
                    if !r.changed.is_empty() {
                        println!("  {}", r.changed.join(", "));
                    }
                }
            }
        }
        CatalogueCommand::Export { format, output } => {
            use reporting::engine::catalogue::Format;
            let f = Format::parse(&format)
                .with_context(|| format!("unknown format {format} (csv, xlsx or json)"))?;
            let bytes = reporting::engine::catalogue::export(
                &reporting::store::catalogue::list(db).await?,
                f,
            )?;
            match output {
                Some(path) => std::fs::write(&path, bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None if f == Format::Xlsx => {
                    anyhow::bail!("XLSX is binary: give a file with --output")
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
        }
        CatalogueCommand::Targets(TargetsCommand::Import { file, dry_run }) => {
            let table = match read_catalogue_file(&file)? {
                Ok(t) => t,
                Err(e) => return Ok(print_rejected(&e)),
            };
            match reporting::engine::targets::import(
                db,
                &cli::actor(),
                &table,
                dry_run,
                target_lead_years,
            )
            .await?
            {
                Err(e) => return Ok(print_rejected(&e)),
                Ok(r) => say(dry_run, &counts(r.rows, r.inserted, r.updated, r.unchanged)),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
