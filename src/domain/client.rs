//! Client registration values (RFC 6749 §2.1, §4; RFC 7591 §2 names).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientType {
    Confidential,
    Public,
}

impl ClientType {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientType::Confidential => "confidential",
            ClientType::Public => "public",
        }
    }

    pub fn parse(s: &str) -> Option<ClientType> {
        match s {
            "confidential" => Some(ClientType::Confidential),
            "public" => Some(ClientType::Public),
            _ => None,
        }
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
    /// RFC 8693.
    #[serde(rename = "urn:ietf:params:oauth:grant-type:token-exchange")]
    TokenExchange,
    /// RFC 8628 §3.4 (`device_code` on the command line).
    #[serde(rename = "urn:ietf:params:oauth:grant-type:device_code")]
    #[value(alias = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode,
}

impl GrantType {
    pub const ALL: [GrantType; 5] = [
        GrantType::AuthorizationCode,
        GrantType::RefreshToken,
        GrantType::ClientCredentials,
        GrantType::TokenExchange,
        GrantType::DeviceCode,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
            GrantType::TokenExchange => "urn:ietf:params:oauth:grant-type:token-exchange",
            GrantType::DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
        }
    }
}

/// Admin-API application permissions, carried in client-credentials tokens as `roles`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, utoipa::ToSchema,
)]
pub enum Permission {
    #[serde(rename = "Invitations.Invite")]
    #[value(name = "Invitations.Invite")]
    InvitationsInvite,
    #[serde(rename = "Users.ReadWrite")]
    #[value(name = "Users.ReadWrite")]
    UsersReadWrite,
    #[serde(rename = "Policies.ReadWrite")]
    #[value(name = "Policies.ReadWrite")]
    PoliciesReadWrite,
    /// A resource server: may introspect access tokens issued to other apps.
    #[serde(rename = "Tokens.Introspect")]
    #[value(name = "Tokens.Introspect")]
    TokensIntrospect,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::InvitationsInvite => "Invitations.Invite",
            Permission::UsersReadWrite => "Users.ReadWrite",
            Permission::PoliciesReadWrite => "Policies.ReadWrite",
            Permission::TokensIntrospect => "Tokens.Introspect",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::GrantType;

    #[test]
    fn grant_types_are_stored_and_registered_by_their_protocol_names() {
        for grant in GrantType::ALL {
            let stored = serde_json::to_string(&grant).unwrap();
            assert_eq!(stored, format!("\"{}\"", grant.as_str()));
            assert_eq!(serde_json::from_str::<GrantType>(&stored).unwrap(), grant);
        }
        let device = "urn:ietf:params:oauth:grant-type:device_code";
        assert_eq!(GrantType::DeviceCode.as_str(), device);
    }
}
