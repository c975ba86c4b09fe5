//! `portico invite`: invites a guest and prints the redemption link.

use clap::Args;

use crate::admin::guests;
use crate::admin::provision;
use crate::b2b::invitation::{InviteRequest, Target};
use crate::config::Settings;
use crate::store::Db;

#[derive(Args)]
pub(super) struct InviteArgs {
    /// The tenant's slug (the `{tenant}` of `/t/{tenant}`).
    #[arg(long)]
    tenant: String,
    /// The address to invite.
    #[arg(long)]
    email: String,
    /// Email of the inviting user of the tenant (the same rules as the portal apply).
    #[arg(long)]
    by: String,
    /// Invite into this group (its name); the inviter must be an administrator.
    #[arg(long, conflicts_with = "app")]
    group: Option<String>,
    /// Client id of the application.
    #[arg(long)]
    app: Option<String>,
    /// Where the guest lands after accepting (a page of the tenant or of one of its apps).
    #[arg(long)]
    redirect_url: Option<String>,
    /// A personal note shown on the invitation and in its email.
    #[arg(long)]
    message: Option<String>,
    /// Base URL the redemption link is built from.
    #[arg(
        long,
        env = "PORTICO_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    public_url: String,
    /// How long the link stays valid, in days.
    #[arg(long, env = "PORTICO_INVITATION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=365))]
    invitation_days: u32,
    /// Print invitation_id, guest_user_id and redeem_url as JSON.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(db_url: &str, args: InviteArgs) -> anyhow::Result<()> {
    let db = Db::connect(db_url)?;
    let tenant = provision::tenant(&db, &args.tenant)?;
    let settings = Settings::new("127.0.0.1:0", &args.public_url, db_url)?;
    let issuer = crate::routes::issuer_url(&settings.public_url, &tenant.slug);
    let target = match (args.group, args.app) {
        (Some(g), _) => Target::Group(g),
        (_, Some(a)) => Target::App(a),
        _ => Target::Tenant,
    };
    let request = InviteRequest {
        email: args.email,
        target,
        redirect_url: args.redirect_url,
        message: args.message,
    };
    let invited = guests::invite_as(
        &db,
        &tenant,
        &issuer,
        &args.by,
        &request,
        chrono::TimeDelta::days(args.invitation_days.into()),
    )?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "invitation_id": invited.invitation.id,
                "guest_user_id": invited.invitation.guest_user_id,
                "redeem_url": invited.redeem_url,
            })
        );
    } else {
        println!(
            "Invited {} to {} (invitation {})",
            invited.invitation.email, tenant.display_name, invited.invitation.id
        );
        println!("Redemption link (also emailed): {}", invited.redeem_url);
    }
    Ok(())
}
