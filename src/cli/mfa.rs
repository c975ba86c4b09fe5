//! `portico auth-policy` (who must use a second factor) and `portico mfa`
//! (apps that require one; resetting a user's factors). Audited as `cli`.

use clap::Subcommand;

use crate::admin::{mfa, provision};
use crate::domain::MfaRequired;
use crate::store::Db;

#[derive(Subcommand)]
pub(super) enum AuthPolicyCommand {
    /// Print who must use a second factor.
    Show {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
    },
    /// Change who must use a second factor.
    Set {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// Who must use a second factor.
        #[arg(long, value_enum)]
        mfa_required: MfaRequired,
    },
}

#[derive(Subcommand)]
pub(super) enum MfaCommand {
    /// Whether signing in to an app takes a second factor.
    App {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The app's client id.
        #[arg(long)]
        client_id: String,
        /// true or false
        #[arg(long, action = clap::ArgAction::Set)]
        required: bool,
    },
    /// Remove every second factor of a user (they enrol again when required).
    Reset {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The user's email address.
        #[arg(long)]
        email: String,
    },
}

pub(super) fn run_auth_policy(db_url: &str, command: AuthPolicyCommand) -> anyhow::Result<()> {
    let db = Db::connect(db_url)?;
    let required = match command {
        AuthPolicyCommand::Show { tenant } => {
            let tenant = provision::tenant(&db, &tenant)?;
            db.read_blocking(|c| crate::store::auth_policy::get(c, &tenant.id))?
        }
        AuthPolicyCommand::Set {
            tenant,
            mfa_required,
        } => {
            let tenant = provision::tenant(&db, &tenant)?;
            db.write_blocking(|c| mfa::save_policy(c, &tenant.id, mfa_required, "cli"))?;
            mfa_required
        }
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&mfa::policy_json(required))?
    );
    Ok(())
}

pub(super) fn run(db_url: &str, command: MfaCommand) -> anyhow::Result<()> {
    let db = Db::connect(db_url)?;
    match command {
        MfaCommand::App {
            tenant,
            client_id,
            required,
        } => {
            let tenant = provision::tenant(&db, &tenant)?;
            let found = db.write_blocking(|c| {
                mfa::set_app_requires_mfa(c, &tenant.id, &client_id, required, "cli")
            })?;
            anyhow::ensure!(found, "no app {client_id} in {}", tenant.slug);
            println!("App {client_id}: second factor required = {required}");
        }
        MfaCommand::Reset { tenant, email } => {
            let tenant = provision::tenant(&db, &tenant)?;
            let user = db
                .read_blocking(|c| crate::store::users::find_by_email(c, &tenant.id, &email))?
                .ok_or_else(|| anyhow::anyhow!("no user {email} in {}", tenant.slug))?;
            db.write_blocking(|c| mfa::reset_factors(c, &tenant.id, &user.id, "cli"))?;
            println!("Reset the second factors of {email}");
        }
    }
    Ok(())
}
