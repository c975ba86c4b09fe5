//! `portico user` and `portico group`: members and groups.

use std::io::Read;

use clap::Subcommand;

use crate::admin::provision;
use crate::store::Db;

#[derive(Subcommand)]
pub(super) enum UserCommand {
    /// Create a member of the tenant, with a password.
    Create {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The member's email address (their sign-in name).
        #[arg(long)]
        email: String,
        /// The name shown to people.
        #[arg(long)]
        name: String,
        /// The member's password (visible in shell history: prefer --password-stdin).
        #[arg(
            long,
            conflicts_with = "password_stdin",
            required_unless_present = "password_stdin"
        )]
        password: Option<String>,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Make the member an administrator of the tenant.
        #[arg(long)]
        admin: bool,
    },
    /// Sign a user out everywhere: their sessions end, and apps with a
    /// back-channel logout URI receive Logout Tokens.
    RevokeSessions {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The user's email or id.
        #[arg(long)]
        user: String,
    },
}

#[derive(Subcommand)]
pub(super) enum GroupCommand {
    /// Create a group (to invite guests into, or assign apps to).
    Create {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The group's name, unique in the tenant.
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
