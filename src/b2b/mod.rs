//! Business-to-business collaboration: invitations, redemption through the
//! guest's home, guest sign-in, removal, and the mail that carries the links.

pub mod callback;
pub mod cross_tenant;
pub mod egress;
pub mod federation;
pub mod guest_signin;
pub mod home;
pub mod invitation;
pub mod mailer;
pub mod mfa_trust;
pub mod myapps;
pub mod passcode;
pub mod policy;
pub mod providers;
pub mod redemption;
pub mod removal;
