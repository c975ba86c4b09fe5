//! `portico serve --demo`: the classic B2B story, seeded idempotently.
//! Contoso (contoso.example) and Proseware (proseware.com) with a member each,
//! and a Contoso demo app. Demo credentials are fixed and printed: demo only.

use crate::admin::provision::{self, AppSpec, ProvisionError};
use crate::b2b::invitation::{InviteError, InviteRequest, Target};
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
    let callback = format!("{public_url}/demo/callback");
    let contoso = provision::tenant(db, "contoso")?;
    let exists = db
        .read_blocking(|c| store::apps::find(c, &contoso.id, DEMO_CLIENT_ID))
        .map_err(anyhow::Error::from)?
        .is_some();
    if !exists {
        provision::create_app_with_known_secret(
            db,
            "contoso",
            &AppSpec {
                client_id: Some(DEMO_CLIENT_ID.into()),
                name: "Contoso Demo App".into(),
                redirect_uris: vec![callback.clone()],
                post_logout_redirect_uris: vec![callback.clone()],
                public: false,
                first_party: false,
                grants: vec![
                    GrantType::AuthorizationCode,
                    GrantType::RefreshToken,
                    GrantType::ClientCredentials,
                ],
                permissions: vec![Permission::InvitationsInvite, Permission::UsersReadWrite],
            },
            DEMO_CLIENT_SECRET,
        )?;
    }
    trust_proseware_mfa(db, &contoso)?;
    let issuer = crate::routes::issuer_url(public_url, "contoso");
    // Megan invites Giovanna as a guest (a fresh link on every run until she accepts).
    let request = InviteRequest {
        email: "gcarvalho@proseware.com".into(),
        target: Target::Tenant,
        redirect_url: None,
        message: Some("Welcome to the Contoso–Proseware project!".into()),
    };
    let invitation = match crate::admin::guests::invite_as(db, &contoso, &issuer, "megan@contoso.example", &request, chrono::TimeDelta::days(30)) {
        Ok(invited) => format!("Giovanna's invitation (open it in a browser, sign in with her Proseware account):\n  {}\n", invited.redeem_url),
        Err(InviteError::AlreadyGuest(_)) => "Giovanna is already a guest of Contoso: sign in to the demo app as gcarvalho@proseware.com.\n".into(),
        Err(e) => return Err(anyhow::anyhow!("demo invitation: {e}")),
    };
    Ok(format!(
        "Demo seeded.\n\n{invitation}\
         \n  Contoso issuer:   {issuer}\n  Proseware issuer: {public_url}/t/proseware\n\
         \n  Contoso trusts the multifactor authentication Proseware's users do at home.\n\
         \n  Contoso member:   megan@contoso.example / {DEMO_PASSWORD_CONTOSO}\n  Proseware member: gcarvalho@proseware.com / {DEMO_PASSWORD_PROSEWARE}\n\
         \n  Demo app:         client_id={DEMO_CLIENT_ID}\n                    client_secret={DEMO_CLIENT_SECRET}\n                    redirect_uri={callback}\n\
         \nSign in with a browser (Megan's account):\n  {issuer}/authorize?client_id={DEMO_CLIENT_ID}&response_type=code&scope=openid%20profile%20email%20offline_access&redirect_uri={cb}&state=demo&nonce=n1\n\
         \nThen redeem the code the callback page shows:\n  curl -s -u {DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET} -d grant_type=authorization_code -d code=CODE --data-urlencode redirect_uri={callback} {issuer}/token\n\
         \nOr get an app token straight away (it may invite guests and manage users):\n  curl -s -u {DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET} -d grant_type=client_credentials {issuer}/token\n",
        cb = url::form_urlencoded::byte_serialize(callback.as_bytes()).collect::<String>(),
    ))
}
