//! `portico guest`: listing guests and acting on one.

use clap::Subcommand;

use crate::admin::guests::{self, GuestAction};
use crate::admin::provision;
use crate::config::Settings;
use crate::domain::AuditAction;
use crate::store::Db;

#[derive(Subcommand)]
pub(super) enum GuestCommand {
    /// List the tenant's guests and their state.
    List {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Block a guest: sessions end and grants are revoked at once.
    Block {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The guest's email address.
        #[arg(long)]
        email: String,
    },
    /// Lift a block.
    Unblock {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The guest's email address.
        #[arg(long)]
        email: String,
    },
    /// Remove a guest and everything they were granted.
    Remove {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The guest's email address.
        #[arg(long)]
        email: String,
    },
    /// Back to pending_acceptance with a new link; id, groups and apps are kept.
    Reset {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The guest's email address.
        #[arg(long)]
        email: String,
        /// Email of the administrator doing it (named in the new invitation).
        #[arg(long)]
        by: String,
        /// Base URL the new redemption link is built from.
        #[arg(
            long,
            env = "PORTICO_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
    },
    /// Set or clear the end of a guest's access.
    Expire {
        /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
        #[arg(long)]
        tenant: String,
        /// The guest's email address.
        #[arg(long)]
        email: String,
        /// RFC 3339 time, e.g. 2027-01-31T00:00:00Z.
        #[arg(long, conflicts_with = "never", required_unless_present = "never")]
        at: Option<chrono::DateTime<chrono::Utc>>,
        /// The guest's access never ends.
        #[arg(long)]
        never: bool,
    },
}

pub(super) fn run(db_url: &str, command: GuestCommand) -> anyhow::Result<()> {
    let db = Db::connect(db_url)?;
    let (slug, action, email) = match command {
        GuestCommand::List { tenant, json } => return list(&db, &tenant, json),
        GuestCommand::Reset {
            tenant,
            email,
            by,
            public_url,
        } => return reset(&db, db_url, &tenant, &email, &by, &public_url),
        GuestCommand::Expire {
            tenant,
            email,
            at,
            never: _,
        } => return expire(&db, &tenant, &email, at),
        GuestCommand::Block { tenant, email } => (tenant, GuestAction::Block, email),
        GuestCommand::Unblock { tenant, email } => (tenant, GuestAction::Unblock, email),
        GuestCommand::Remove { tenant, email } => (tenant, GuestAction::Remove, email),
    };
    let tenant = provision::tenant(&db, &slug)?;
    let user = guests::act_on_guest(&db, &tenant, "cli", &email, action)?;
    println!("{action:?}: {} in {}", user.email, tenant.slug);
    Ok(())
}

fn list(db: &Db, tenant: &str, json: bool) -> anyhow::Result<()> {
    let tenant = provision::tenant(db, tenant)?;
    let guests = db.read_blocking(|c| {
        crate::store::users::list(c, &tenant.id, Some(crate::domain::UserType::Guest))
    })?;
    if json {
        let list: Vec<_> = guests.iter().map(guest_json).collect();
        println!("{}", serde_json::json!({ "guests": list }));
    } else {
        println!(
            "{:<36} {:<32} {:<20} {:<8} home",
            "id", "email", "state", "status"
        );
        for g in &guests {
            println!(
                "{:<36} {:<32} {:<20} {:<8} {}",
                g.id,
                g.email,
                g.external_state.map_or("-", |e| e.as_str()),
                g.status,
                g.home_issuer.as_deref().unwrap_or("-")
            );
        }
    }
    Ok(())
}

fn reset(
    db: &Db,
    db_url: &str,
    tenant: &str,
    email: &str,
    by: &str,
    public_url: &str,
) -> anyhow::Result<()> {
    let tenant = provision::tenant(db, tenant)?;
    let settings = Settings::new("127.0.0.1:0", public_url, db_url)?;
    let issuer = crate::routes::issuer_url(&settings.public_url, &tenant.slug);
    let invited = db.write_blocking(|c| {
        let actor = guests::inviter_by_email(c, &tenant, by)?;
        let guest = crate::b2b::removal::find_user(c, &tenant.id, email)
            .map_err(|e| crate::b2b::invitation::InviteError::Invalid(e.to_string()))?;
        crate::b2b::invitation::reset_redemption(
            c,
            &tenant,
            &issuer,
            &actor,
            &guest,
            settings.invitation_lifetime,
        )
    })?;
    println!(
        "Reset {}; new redemption link (also emailed): {}",
        email, invited.redeem_url
    );
    Ok(())
}

fn expire(
    db: &Db,
    tenant: &str,
    email: &str,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<()> {
    let tenant = provision::tenant(db, tenant)?;
    let expires = at.map(|t| t.naive_utc());
    db.write_blocking(|c| -> anyhow::Result<()> {
        let user = crate::b2b::removal::find_user(c, &tenant.id, email)?;
        crate::store::users::set_access_expiry(c, &tenant.id, &user.id, expires)?;
        let detail = expires
            .map(|t| t.to_string())
            .unwrap_or_else(|| "never".into());
        crate::store::audit::record(
            c,
            &tenant.id,
            "cli",
            AuditAction::UserAccessExpirySet,
            Some(&user.email),
            Some(&detail),
        )?;
        Ok(())
    })?;
    println!(
        "Access of {email} now ends: {}",
        expires
            .map(|t| t.to_string())
            .unwrap_or_else(|| "never".into())
    );
    Ok(())
}

fn guest_json(g: &crate::store::users::User) -> serde_json::Value {
    serde_json::json!({
        "id": g.id,
        "email": g.email,
        "display_name": g.display_name,
        "external_state": g.external_state,
        "status": g.status,
        "home_issuer": g.home_issuer,
        "invited_by": g.invited_by,
        "access_expires_at": crate::domain::utc::rfc3339_opt(&g.access_expires_at),
    })
}
