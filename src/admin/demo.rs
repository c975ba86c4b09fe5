//! `portico serve --demo`: the classic B2B story, seeded idempotently.
//! Contoso (contoso.example) and Proseware (proseware.com) with a member each,
//! and a Contoso demo app. Demo credentials are fixed and printed: demo only.

use crate::admin::guests;
use crate::admin::provision::{self, AppSettings, AppSpec, ProvisionError};
use crate::b2b::invitation::{InviteError, InviteRequest, Target};
use crate::domain::egress::EgressPolicy;
use crate::domain::{GrantType, Permission};
use crate::store::{self, Db, StoreError};
use crate::tokens::keys::SigningAlg;

pub const DEMO_CLIENT_ID: &str = "contoso-demo-app";
pub const DEMO_CLIENT_SECRET: &str = "demo-secret-do-not-use-in-production";
pub const DEMO_PASSWORD_CONTOSO: &str = "Contoso-Demo-2026";
pub const DEMO_PASSWORD_PROSEWARE: &str = "Proseware-Demo-2026";

fn ignore_existing<T>(result: Result<T, ProvisionError>) -> anyhow::Result<()> {
    match result {
        Ok(_) | Err(ProvisionError::Store(StoreError::Conflict(_))) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Contoso trusts the MFA its guests from Proseware do at home (inbound
/// trust), unless an administrator already decided about Proseware.
fn trust_proseware_mfa(db: &Db, contoso: &store::tenants::Tenant) -> anyhow::Result<()> {
    db.write_blocking(|c| {
        let mut settings = store::cross_tenant::get(c, &contoso.id)?;
        if settings.inbound_trust.partners.contains_key("proseware") {
            return Ok(());
        }
        settings.inbound_trust.partners.insert(
            "proseware".into(),
            crate::domain::inbound_trust::TrustSettings { mfa: true },
        );
        crate::b2b::cross_tenant::save(c, &contoso.id, &settings, "demo")
    })
    .map_err(|e: StoreError| anyhow::anyhow!("demo cross-tenant trust: {e}"))
}

pub fn seed(db: &Db, public_url: &str) -> anyhow::Result<String> {
    ignore_existing(provision::create_tenant(
        db,
        "contoso",
        "Contoso",
        &["contoso.example".into()],
        SigningAlg::Rs256,
    ))?;
    ignore_existing(provision::create_tenant(
        db,
        "proseware",
        "Proseware",
        &["proseware.com".into()],
        SigningAlg::Rs256,
    ))?;
    ignore_existing(provision::create_member(
        db,
        "contoso",
        "megan@contoso.example",
        "Megan Bowen",
        DEMO_PASSWORD_CONTOSO,
        true,
    ))?;
    ignore_existing(provision::create_member(
        db,
        "proseware",
        "gcarvalho@proseware.com",
        "Giovanna Carvalho",
        DEMO_PASSWORD_PROSEWARE,
        false,
    ))?;
    let callback = format!("{public_url}{}", super::demo_callback::DEMO_CALLBACK);
    let contoso = provision::tenant(db, "contoso")?;
    register_demo_app(db, &contoso, &callback)?;
    trust_proseware_mfa(db, &contoso)?;
    let issuer = crate::routes::issuer_url(public_url, "contoso");
    // Megan invites Giovanna as a guest: a fresh link on every run until she
    // accepts (inviting a pending guest again withdraws the earlier link).
    let request = InviteRequest {
        email: "gcarvalho@proseware.com".into(),
        target: Target::Tenant,
        redirect_url: None,
        message: Some("Welcome to the Contoso–Proseware project!".into()),
    };
    let lifetime = chrono::TimeDelta::days(30);
    let megan = "megan@contoso.example";
    let invitation = match guests::invite_as(db, &contoso, &issuer, megan, &request, lifetime) {
        Ok(invited) => format!(
            "1. Giovanna's invitation: open it in a browser; she signs in at Proseware.\n   {}\n   \
             Running --demo again withdraws this link and prints a new one, until she accepts.\n",
            invited.redeem_url
        ),
        Err(InviteError::AlreadyGuest(_)) => "1. Giovanna is already a guest of Contoso: sign in to the demo app as gcarvalho@proseware.com.\n".into(),
        Err(e) => return Err(anyhow::anyhow!("demo invitation: {e}")),
    };
    Ok(format!(
        "{}{invitation}{}",
        who_signs_in_where(public_url),
        demo_app(public_url)
    ))
}

/// The Contoso demo app with its fixed secret, unless it exists already.
fn register_demo_app(
    db: &Db,
    contoso: &store::tenants::Tenant,
    callback: &str,
) -> anyhow::Result<()> {
    let exists = db
        .read_blocking(|c| store::apps::find(c, &contoso.id, DEMO_CLIENT_ID))
        .map_err(anyhow::Error::from)?
        .is_some();
    if !exists {
        let spec = AppSpec {
            client_id: Some(DEMO_CLIENT_ID.into()),
            name: "Contoso Demo App".into(),
            redirect_uris: vec![callback.to_owned()],
            post_logout_redirect_uris: vec![callback.to_owned()],
            public: false,
            first_party: false,
            grants: vec![
                GrantType::AuthorizationCode,
                GrantType::RefreshToken,
                GrantType::ClientCredentials,
            ],
            permissions: vec![Permission::InvitationsInvite, Permission::UsersReadWrite],
        };
        let app = spec
            .checked()
            .map_err(anyhow::Error::msg)?
            .with_secret(DEMO_CLIENT_SECRET);
        let keys = (None, &EgressPolicy::default());
        let settings = AppSettings::default();
        provision::register_app(db, "contoso", keys, (app, settings), "demo")?;
    }
    Ok(())
}

/// The start page, both tenants, their consoles and who signs in at each.
fn who_signs_in_where(public_url: &str) -> String {
    let (contoso, proseware) = (
        crate::routes::issuer_url(public_url, "contoso"),
        crate::routes::issuer_url(public_url, "proseware"),
    );
    format!(
        "Demo seeded. Start page: {public_url}/\n\
         \nContoso, the inviting organization (contoso.example)\n\
         \x20 issuer:         {contoso}\n\
         \x20 admin console:  {contoso}/admin\n\
         \x20 Megan Bowen, administrator, signs in at Contoso: megan@contoso.example / {DEMO_PASSWORD_CONTOSO}\n\
         \nProseware, the partner and Giovanna's home (proseware.com)\n\
         \x20 issuer:         {proseware}\n\
         \x20 admin console:  {proseware}/admin\n\
         \x20 Giovanna Carvalho signs in at Proseware, also as Contoso's guest: gcarvalho@proseware.com / {DEMO_PASSWORD_PROSEWARE}\n\
         \x20 Contoso trusts the multifactor authentication Proseware's users do at home.\n\n"
    )
}

/// The demo app: its sign-in link, and the app token.
fn demo_app(public_url: &str) -> String {
    let issuer = crate::routes::issuer_url(public_url, "contoso");
    let callback = format!("{public_url}{}", super::demo_callback::DEMO_CALLBACK);
    let cb = url::form_urlencoded::byte_serialize(callback.as_bytes()).collect::<String>();
    format!(
        "\n2. The Contoso demo app (client_id={DEMO_CLIENT_ID}, client_secret={DEMO_CLIENT_SECRET},\n   \
         redirect_uri={callback}). Open its sign-in link in a private window and type an email:\n   \
         {issuer}/authorize?client_id={DEMO_CLIENT_ID}&response_type=code&scope=openid%20profile%20email%20offline_access&redirect_uri={cb}&state=demo&nonce=n1\n   \
         megan@contoso.example signs in at Contoso; gcarvalho@proseware.com is sent home to Proseware.\n   \
         The callback page names the organization and shows the curl command that redeems the code.\n\
         \n3. Or get an app token straight away (it may invite guests and manage users):\n   \
         curl -s -u {DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET} -d grant_type=client_credentials {issuer}/token\n"
    )
}
