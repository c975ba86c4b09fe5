//! `Application::build` binds first (port 0 works) and mounts every route:
//! the only place routes are listed, except the admin API's, which
//! `admin::api::routes` lists with their OpenAPI description.

use std::cell::Cell;
use std::future::Future;
use std::net::TcpListener;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, Server, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::ConnectionType;
use actix_web::middleware::{DefaultHeaders, Next, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

use crate::admin::{api, landing, portal};
use crate::b2b;
use crate::config::Settings;
use crate::login;
use crate::oidc;
use crate::oidc::error::{ErrorCode, OAuthError};
use crate::ops;
use crate::routes;
use crate::state::AppState;
use crate::store::Db;

pub struct Application {
    port: u16,
    server: Server,
    state: Arc<AppState>,
}

impl Application {
    pub fn build(settings: Settings) -> anyhow::Result<Application> {
        let db = Db::connect(&settings.database_url)?;
        Self::build_with_db(settings, db)
    }

    /// Binds `settings.bind`; an empty `public_url` becomes `http://{bound address}`
    /// (tests bind port 0 and learn the port here).
    pub fn build_with_db(settings: Settings, db: Db) -> anyhow::Result<Application> {
        let listener = bind(&settings.bind)?;
        Self::build_on(settings, db, listener)
    }

    /// Serves on a listener bound beforehand ([`bind`]): `portico serve`
    /// binds before it seeds the demo, so a taken port fails first.
    pub fn build_on(
        mut settings: Settings,
        db: Db,
        listener: TcpListener,
    ) -> anyhow::Result<Application> {
        settings.check_key_rotation()?;
        let port = listener.local_addr()?.port();
        if settings.public_url.is_empty() {
            settings.public_url = format!("http://{}", listener.local_addr()?);
        }
        let grace = settings.shutdown_grace.as_secs();
        let state = AppState::new(settings, db, crate::oidc::PROTOCOL)?;
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(
                    web::FormConfig::default()
                        .limit(64 * 1024)
                        .error_handler(form_error),
                )
                .app_data(web::QueryConfig::default().error_handler(form_error))
                .wrap(from_fn(ops::metrics::observe))
                .wrap(DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
                .wrap(from_fn(bound_body))
                .wrap(from_fn(crate::pages::offer_tenant_home))
                .configure(mount)
        })
        .shutdown_timeout(grace)
        .listen(listener)?
        .run();
        let mailer = crate::b2b::mailer::Mailer::new(
            state.db.clone(),
            state.settings.smtp_url.as_deref(),
            &state.settings.mail_from,
        )?;
        tokio::spawn(mailer.run(state.settings.mail_poll));
        crate::oidc::backchannel::spawn(&state);
        let sweeper = state.db.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
            loop {
                every.tick().await;
                match sweeper.write(crate::store::sweep::expired).await {
                    Ok(n) if n > 0 => tracing::info!(rows = n, "expired rows removed"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "sweep failed"),
                }
            }
        });
        tokio::spawn(crate::tokens::rotation::record_on_time(
            state.db.clone(),
            state.settings.key_rotation.check_every,
        ));
        Ok(Application {
            port,
            server,
            state,
        })
    }

    /// Stops the server from outside (tests restart a server this way).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Listens on `address`, or says plainly why not (another server on the
/// port, a port that needs privileges, an address not on this machine).
pub fn bind(address: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address).map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                "another program (perhaps another portico) is using it; stop it or choose another with --bind"
            }
            std::io::ErrorKind::PermissionDenied => {
                "this user may not listen there; choose a port above 1023 with --bind"
            }
            _ => "check the address given with --bind",
        };
        anyhow::anyhow!("cannot listen on {address}: {e}: {hint}")
    })
}

/// Bounds the time a client may take to send its request body (actix bounds
/// the headers): a slow or stalled upload fails its extractor with a payload
/// error. A connection whose body was not read to its end is closed after the
/// response rather than left waiting for the rest.
async fn bound_body(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.settings.request_body_timeout);
    let (_, payload) = req.parts_mut();
    let finished = match (limit, &payload) {
        (Some(limit), Payload::H1 { .. } | Payload::Stream { .. }) => {
            let finished = Rc::new(Cell::new(false));
            let body = DeadlineBody {
                inner: payload.take(),
                deadline: Box::pin(tokio::time::sleep(limit)),
                finished: finished.clone(),
            };
            *payload = Payload::Stream {
                payload: Box::pin(body),
            };
            Some(finished)
        }
        _ => None,
    };
    let mut response = next.call(req).await?;
    if finished.is_some_and(|f| !f.get()) {
        response
            .response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(response)
}

/// A request body that fails once its deadline passes while it waits for data.
struct DeadlineBody {
    inner: Payload,
    deadline: Pin<Box<tokio::time::Sleep>>,
    /// Set when the body was read to its end.
    finished: Rc<Cell<bool>>,
}

impl futures_core::Stream for DeadlineBody {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(None) => {
                this.finished.set(true);
                Poll::Ready(None)
            }
            // Only data still missing counts: a body already received is never
            // late, however long the handler took before reading it.
            Poll::Pending if this.deadline.as_mut().poll(cx).is_ready() => {
                Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the request body did not arrive in time",
                )))))
            }
            other => other,
        }
    }
}

/// Malformed forms and queries get an OAuth `invalid_request`, never a bare 400.
fn form_error(err: impl std::fmt::Display, _req: &HttpRequest) -> actix_web::Error {
    OAuthError::new(ErrorCode::InvalidRequest, err.to_string()).into()
}

fn mount(cfg: &mut web::ServiceConfig) {
    use routes::*;
    let t = |path: &str| format!("/t/{{tenant}}{path}");
    cfg.service(get(START, landing::get_start))
        .service(get(FIND_ORGANIZATION, landing::get_find))
        .service(get(&t(TENANT_HOME), landing::get_tenant_home))
        .service(get(&t("/"), landing::get_tenant_home_slash))
        .route("/healthz", web::get().to(ops::get_healthz))
        .route("/readyz", web::get().to(ops::get_readyz))
        .route("/metrics", web::get().to(ops::get_metrics))
        .service(get(
            crate::admin::demo_callback::DEMO_CALLBACK,
            crate::admin::demo_callback::get_demo_callback,
        ))
        .service(actix_files::Files::new("/static", static_dir()))
        .service(get(&t(DISCOVERY), oidc::discovery::get_discovery))
        .service(get(&t(JWKS), oidc::jwks::get_jwks))
        .service(
            resource(&t(AUTHORIZE))
                .route(web::get().to(oidc::authorize::get_authorize))
                .route(web::post().to(oidc::authorize::post_authorize)),
        )
        .service(get(&t(AUTHORIZE_CONTINUE), oidc::authorize::get_continue))
        .service(post(&t(TOKEN), oidc::token::post_token))
        .service(post(
            &t(DEVICE_AUTHORIZATION),
            oidc::device::post_device_authorization,
        ))
        .service(
            resource(&t(DEVICE))
                .route(web::get().to(oidc::device::page::get_device))
                .route(web::post().to(oidc::device::page::post_device)),
        )
        .service(
            resource(&t(USERINFO))
                .route(web::get().to(oidc::userinfo::get_userinfo))
                .route(web::post().to(oidc::userinfo::post_userinfo)),
        )
        .service(post(&t(REVOKE), oidc::revoke::post_revoke))
        .service(post(&t(INTROSPECT), oidc::introspect::post_introspect))
        .service(post(&t(PAR), oidc::par::post_par))
        .service(
            resource(&t(LOGOUT))
                .route(web::get().to(oidc::end_session::get_logout))
                .route(web::post().to(oidc::end_session::post_logout)),
        )
        .service(
            resource(&t(LOGIN))
                .route(web::get().to(login::pages::get_login))
                .route(web::post().to(login::pages::post_login)),
        )
        .service(post(&t(LOGIN_PASSWORD), login::password::post_password))
        .service(get(&t(PASSKEYS), login::passkey::manage::get_passkeys))
        .service(post(
            &t(PASSKEY_REMOVE),
            login::passkey::manage::post_remove,
        ))
        .service(passkey_json(
            &t(PASSKEY_REGISTER_START),
            login::passkey::manage::post_register_start,
        ))
        .service(passkey_json(
            &t(PASSKEY_REGISTER_FINISH),
            login::passkey::manage::post_register_finish,
        ))
        .service(passkey_json(
            &t(PASSKEY_MFA_START),
            login::passkey::signin::post_mfa_start,
        ))
        .service(passkey_json(
            &t(PASSKEY_MFA_FINISH),
            login::passkey::signin::post_mfa_finish,
        ))
        .service(passkey_json(
            &t(PASSKEY_SIGNIN_START),
            login::passkey::signin::post_signin_start,
        ))
        .service(passkey_json(
            &t(PASSKEY_SIGNIN_FINISH),
            login::passkey::signin::post_signin_finish,
        ))
        .service(
            resource(&t(LOGIN_MFA))
                .route(web::get().to(login::mfa::pages::get_mfa))
                .route(web::post().to(login::mfa::pages::post_mfa)),
        )
        .service(
            resource(&t(LOGIN_MFA_ENROL))
                .route(web::get().to(login::mfa::enrol::get_enrol))
                .route(web::post().to(login::mfa::enrol::post_enrol)),
        )
        .service(get(&t(ACCOUNT_SECURITY), login::mfa::account::get_security))
        .service(post(
            &t(ACCOUNT_SECURITY_ACTION),
            login::mfa::account::post_action,
        ))
        .service(get(
            &t(ACCOUNT_SIGNED_IN),
            login::mfa::account::get_signed_in,
        ))
        .service(
            resource(&t(INVITE))
                .route(web::get().to(b2b::redemption::get_invite))
                .route(web::post().to(b2b::redemption::post_invite)),
        )
        .service(get(&t(HOME_CALLBACK), b2b::callback::get_home_callback))
        .service(get(&t(MY_APPS), b2b::myapps::get_myapps))
        .service(get(&t(MY_APPS_SIGNED_IN), b2b::myapps::get_signed_in))
        .service(
            resource(&t(PASSCODE))
                .route(web::get().to(b2b::passcode::get_passcode))
                .route(web::post().to(b2b::passcode::post_passcode)),
        )
        .service(post(&t(PASSCODE_RESEND), b2b::passcode::post_resend))
        .service(get(&t("/admin"), portal::overview::get_overview))
        .service(
            resource(&t("/admin/users"))
                .route(web::get().to(portal::users::get_users))
                .route(web::post().to(portal::users::post_user)),
        )
        .service(get(&t("/admin/users/{id}"), portal::user::get_user))
        .service(post(
            &t("/admin/users/{id}/{action}"),
            portal::user_actions::post_user_action,
        ))
        .service(
            resource(&t("/admin/groups"))
                .route(web::get().to(portal::groups::get_groups))
                .route(web::post().to(portal::groups::post_group)),
        )
        .service(get(&t("/admin/groups/{id}"), portal::group::get_group))
        .service(post(
            &t("/admin/groups/{id}/rename"),
            portal::group::post_rename,
        ))
        .service(post(
            &t("/admin/groups/{id}/members"),
            portal::group::post_member,
        ))
        .service(post(
            &t("/admin/groups/{id}/members/{user_id}/remove"),
            portal::group::post_remove_member,
        ))
        .service(get(
            &t("/admin/invitations"),
            portal::invitations::get_invitations,
        ))
        .service(get(&t("/admin/policies"), portal::policies::get_policies))
        .service(
            resource(&t("/admin/identity-providers"))
                .route(web::get().to(portal::providers::get_providers))
                .route(web::post().to(portal::providers::post_add)),
        )
        .service(
            resource(&t("/admin/identity-providers/{id}"))
                .route(web::get().to(portal::providers::get_provider))
                .route(web::post().to(portal::providers::post_provider)),
        )
        .service(post(
            &t("/admin/identity-providers/{id}/{action}"),
            portal::providers::post_provider_action,
        ))
        .service(
            resource(&t("/admin/federation"))
                .route(web::get().to(portal::federation::get_federation))
                .route(web::post().to(portal::federation::post_federation)),
        )
        .service(post(
            &t("/admin/federation/{action}"),
            portal::federation::post_federation_action,
        ))
        .service(get(&t("/admin/keys"), portal::keys::get_keys))
        .service(post(
            &t("/admin/keys/{action}"),
            portal::keys::post_key_action,
        ))
        .service(
            resource(&t("/admin/apps"))
                .route(web::get().to(portal::apps::get_apps))
                .route(web::post().to(portal::apps::post_app)),
        )
        .service(get(&t("/admin/audit"), portal::audit::get_audit))
        .service(get(
            &t("/admin/apps/{client_id}"),
            portal::apps_detail::get_app,
        ))
        .service(post(
            &t("/admin/apps/{client_id}/settings"),
            portal::apps_detail::post_settings,
        ))
        .service(post(
            &t("/admin/apps/{client_id}/secret"),
            portal::apps_actions::post_secret,
        ))
        .service(post(
            &t("/admin/apps/{client_id}/assignments"),
            portal::apps_actions::post_assign,
        ))
        .service(post(
            &t("/admin/apps/{client_id}/assignments/{kind}/{id}/remove"),
            portal::apps_actions::post_unassign,
        ))
        .service(get(
            &t(crate::routes::ADMIN_SIGNED_IN),
            portal::auth::get_signed_in,
        ))
        .service(post(&t("/admin/policy"), portal::settings::post_policy))
        .service(post(
            &t("/admin/cross-tenant"),
            portal::settings::post_cross_tenant,
        ))
        .service(post(
            &t("/admin/auth-policy"),
            portal::mfa::post_auth_policy,
        ))
        .service(post(&t("/admin/mfa-reset"), portal::mfa::post_reset))
        .service(post(&t("/admin/invite"), portal::invitations::post_invite))
        .service(post(
            &t("/admin/invitations/{id}/{action}"),
            portal::invitations::post_invitation_action,
        ))
        .service(api::mount(&t("/api/v1")))
        .service(
            resource(&t(CONSENT))
                .route(web::get().to(oidc::authorize::consent::get_consent))
                .route(web::post().to(oidc::authorize::consent::post_consent)),
        );
}

/// A resource whose other methods get 405 with an `Allow` header.
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(HttpResponse::MethodNotAllowed))
}

fn get<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    resource(path).route(web::get().to(handler))
}

fn post<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    resource(path).route(web::post().to(handler))
}

/// A passkey endpoint: JSON in (its own bad-input answer), JSON out.
fn passkey_json<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    post(path, handler).app_data(login::passkey::json_config())
}

/// `static/` next to the working directory, else the one in the source tree.
fn static_dir() -> std::path::PathBuf {
    let local = std::path::PathBuf::from("static");
    if local.is_dir() {
        local
    } else {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static")
    }
}
