//! `portico user` and `portico group`: members and groups.

use std::io::Read;

use clap::Subcommand;

use crate::admin::provision;
use crate::store::Db;

#[derive(Subcommand)]
pub(super) enum UserCommand {
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(
            long,
            conflicts_with = "password_stdin",
            required_unless_present = "password_stdin"
        )]
        password: Option<String>,
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        admin: bool,
    },
    /// Sign a user out everywhere: their sessions end, and apps with a
    /// back-channel logout URI receive Logout Tokens.
    RevokeSessions {
        #[arg(long)]
        tenant: String,
        /// The user's email or id.
        #[arg(long)]
        user: String,
    },
}

#[derive(Subcommand)]
pub(super) enum GroupCommand {
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
    },
}

pub(super) fn run(db_url: &str, command: UserCommand) -> anyhow::Result<()> {
    let (tenant, email, name, password, admin) = match command {
        UserCommand::Create {
            tenant,
            email,
            name,
            password,
            password_stdin: _,
            admin,
        } => (tenant, email, name, password, admin),
        UserCommand::RevokeSessions { tenant, user } => {
            return revoke_sessions(db_url, &tenant, &user);
        }
    };
    let password = match password {
        Some(p) => p,
        None => {
            let mut buf = String::new();
            std::io::stdin().read_to_string(&mut buf)?;
            buf.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let db = Db::connect(db_url)?;
    let user = provision::create_member(&db, &tenant, &email, &name, &password, admin)?;
    println!("Created user {} ({}) in {tenant}", user.email, user.id);
    Ok(())
}

fn revoke_sessions(db_url: &str, slug: &str, who: &str) -> anyhow::Result<()> {
    let db = Db::connect(db_url)?;
    let tenant = provision::tenant(&db, slug)?;
    let ended = db.write_blocking(|c| -> anyhow::Result<Option<usize>> {
        let user = crate::b2b::removal::find_user(c, &tenant.id, who)?;
        Ok(crate::admin::logout::revoke_sessions(
            c, &tenant.id, &user.id, "cli",
        )?)
    })?;
    let ended = ended.ok_or_else(|| anyhow::anyhow!("no user {who} in {slug}"))?;
    println!("Ended {ended} sessions of {who} in {slug}");
    Ok(())
}

pub(super) fn run_group(db_url: &str, command: GroupCommand) -> anyhow::Result<()> {
    let GroupCommand::Create { tenant, name } = command;
    let db = Db::connect(db_url)?;
    let group = provision::create_group(&db, &tenant, &name)?;
    println!("Created group {} ({})", group.name, group.id);
    Ok(())
}
