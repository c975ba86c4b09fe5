//! What the server keeps in a person's browser for a tenant: the session
//! cookie and the CSRF token of every form. Sign-in (`login/`), guests'
//! pages (`b2b/`), authorize and consent (`oidc/`) and the portal use them.

pub mod csrf;
pub mod session;
