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
    let UserCommand::Create {
        tenant,
        email,
        name,
        password,
        password_stdin: _,
        admin,
    } = command;
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

pub(super) fn run_group(db_url: &str, command: GroupCommand) -> anyhow::Result<()> {
    let GroupCommand::Create { tenant, name } = command;
    let db = Db::connect(db_url)?;
    let group = provision::create_group(&db, &tenant, &name)?;
    println!("Created group {} ({})", group.name, group.id);
    Ok(())
}
