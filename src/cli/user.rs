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
