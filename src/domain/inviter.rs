//! Who is inviting: a signed-in user of the tenant or an app; the same rules
//! apply on every path (API, portal, CLI).

use super::Role;

#[derive(Clone, Debug)]
pub enum Inviter {
    /// A signed-in user of the tenant (id, display name, roles).
    User {
        id: String,
        name: String,
        roles: Vec<Role>,
        is_guest: bool,
    },
    /// An app using its `Invitations.Invite` permission; `grants_access` when
    /// it also holds `Users.ReadWrite` (it could add members to groups itself).
    App {
        client_id: String,
        name: String,
        grants_access: bool,
    },
}

impl Inviter {
    pub fn actor(&self) -> String {
        match self {
            Inviter::User { id, .. } => format!("user:{id}"),
            Inviter::App { client_id, .. } => format!("app:{client_id}"),
        }
    }

    pub fn display_name(&self) -> &str {
        match self {
            Inviter::User { name, .. } | Inviter::App { name, .. } => name,
        }
    }

    /// Whether the inviter may grant a group or an application: the right to
    /// add someone to it directly (administrators, and apps with
    /// Users.ReadWrite). An invitation to a group or app is such a grant.
    pub fn may_grant_access(&self) -> bool {
        match self {
            Inviter::User { roles, .. } => roles.contains(&Role::Admin),
            Inviter::App { grants_access, .. } => *grants_access,
        }
    }
}
