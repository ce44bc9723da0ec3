//! `egov reference` and the reference options of `egov migrate`: what the shipped reference data
//! would change, and applying it with the operator's choice on each conflict.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use platform::i18n::Lang;

#[derive(Args)]
pub struct ReferenceArgs {
    /// A directory of newer reference versions, DIR/<version>/<crate>/<file> (e.g.
    /// 2026.1/reporting/holidays.csv); each file replaces the shipped file of that name.
    #[arg(long, env = "EGOV_REFERENCE_DIR")]
    reference_dir: Option<PathBuf>,
    /// Language of the report: vi or en.
    #[arg(long, default_value = "vi")]
    lang: String,
}

#[derive(Subcommand)]
pub enum ReferenceCommand {
    /// Apply the reference data: add new records, correct those not changed locally; a record
    /// changed locally is reported as a conflict and kept. Idempotent.
    Apply {
        #[command(flatten)]
        args: ReferenceArgs,
        /// Resolve a conflict by writing the shipped value over the local one (SET:KEY, e.g.
        /// registry.agencies:byt). Repeatable.
        #[arg(long, value_name = "SET:KEY")]
        take_shipped: Vec<String>,
        /// Resolve a conflict by keeping the local value (SET:KEY). Repeatable.
        #[arg(long, value_name = "SET:KEY")]
        keep_local: Vec<String>,
    },
    /// Show the versions applied and every record that differs from the shipped data; writes
    /// nothing.
    Status {
        #[command(flatten)]
        args: ReferenceArgs,
    },
}

/// Parse `SET:KEY` (the key may itself hold colons).
fn resolution(
    text: &str,
    r: platform::reference::Resolution,
) -> anyhow::Result<(String, String, platform::reference::Resolution)> {
    let (set, key) = text
        .split_once(':')
        .with_context(|| format!("{text}: name a record as SET:KEY, e.g. registry.agencies:byt"))?;
    Ok((set.to_owned(), key.to_owned(), r))
}

pub async fn reference(db: &platform::db::Db, cmd: ReferenceCommand) -> anyhow::Result<ExitCode> {
    use platform::reference::Resolution;
    match cmd {
        ReferenceCommand::Apply {
            args,
            take_shipped,
            keep_local,
        } => {
            let mut resolutions = Vec::new();
            for t in &take_shipped {
                resolutions.push(resolution(t, Resolution::TakeShipped)?);
            }
            for t in &keep_local {
                resolutions.push(resolution(t, Resolution::KeepLocal)?);
            }
            reference_apply(db, &args, resolutions).await
        }
        ReferenceCommand::Status { args } => {
            let lang = Lang::parse(&args.lang).unwrap_or_default();
            let reports = platform::reference::status(
                db,
                &egov::reference_sets(),
                &platform::reference::Options {
                    dir: args.reference_dir.as_deref(),
                    resolutions: Vec::new(),
                },
            )
            .await?;
            for r in &reports {
                use platform::reference::State;
                if r.newer_in_db {
                    print_newer_in_db(lang, r);
                    continue;
                }
                let not_applied = platform::i18n::t(lang, "reference.not_applied");
                println!(
                    "{}",
                    platform::i18n::t_args(
                        lang,
                        "reference.status",
                        &[
                            ("set", r.name.to_owned()),
                            ("applied", r.applied.clone().unwrap_or(not_applied)),
                            ("version", r.offered.clone()),
                            ("records", r.records.to_string()),
                            ("new", r.count(State::New).to_string()),
                            ("update", r.count(State::Update).to_string()),
                            ("conflicts", r.count(State::Conflict).to_string()),
                            ("local", r.count(State::Local).to_string()),
                            ("deleted", r.count(State::Deleted).to_string()),
                        ]
                    )
                );
                print_differences(lang, r, false);
            }
            print_conflict_hint(lang, &reports);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Print the records of a set that differ from the shipped data (only conflicts when `only_conflicts`).
fn print_differences(lang: Lang, r: &platform::reference::SetReport, only_conflicts: bool) {
    use platform::reference::State;
    for d in &r.differences {
        if d.state == State::Adopt || (only_conflicts && d.state != State::Conflict) {
            continue;
        }
        println!(
            "  {} {}:{}",
            platform::i18n::t(lang, &format!("reference.state_{}", d.state.as_str())),
            r.name,
            d.key
        );
        for (field, local, shipped) in &d.fields {
            println!(
                "    {}",
                platform::i18n::t_args(
                    lang,
                    "reference.field",
                    &[
                        ("field", field.clone()),
                        ("local", local.to_string()),
                        ("shipped", shipped.to_string()),
                    ]
                )
            );
        }
    }
}

fn print_newer_in_db(lang: Lang, r: &platform::reference::SetReport) {
    println!(
        "{}",
        platform::i18n::t_args(
            lang,
            "reference.newer_in_db",
            &[
                ("set", r.name.to_owned()),
                ("applied", r.applied.clone().unwrap_or_default()),
                ("version", r.offered.clone()),
            ]
        )
    );
}

fn print_conflict_hint(lang: Lang, reports: &[platform::reference::SetReport]) {
    if reports.iter().any(|r| r.conflicts().next().is_some()) {
        println!("{}", platform::i18n::t(lang, "reference.conflict_hint"));
    }
}

/// Apply the reference data and print what each set did.
pub async fn reference_apply(
    db: &platform::db::Db,
    args: &ReferenceArgs,
    resolutions: Vec<(String, String, platform::reference::Resolution)>,
) -> anyhow::Result<ExitCode> {
    let lang = Lang::parse(&args.lang).unwrap_or_default();
    let reports = platform::reference::apply(
        db,
        &super::actor(),
        &egov::reference_sets(),
        &platform::reference::Options {
            dir: args.reference_dir.as_deref(),
            resolutions,
        },
    )
    .await?;
    for r in &reports {
        if r.newer_in_db {
            print_newer_in_db(lang, r);
            continue;
        }
        println!(
            "{}",
            platform::i18n::t_args(
                lang,
                "reference.applied",
                &[
                    ("set", r.name.to_owned()),
                    ("version", r.offered.clone()),
                    ("inserted", r.inserted.to_string()),
                    ("updated", r.updated.to_string()),
                    ("conflicts", r.conflicts().count().to_string()),
                ]
            )
        );
        print_differences(lang, r, true);
    }
    print_conflict_hint(lang, &reports);
    Ok(ExitCode::SUCCESS)
}
