//! How a client authenticates at the token endpoint (RFC 7591 §2
//! `token_endpoint_auth_method`; OIDC Core §9; RFC 7523 §2.2).

use super::ClientType;
use super::text_enum::text_enum;

text_enum! {
    /// A client authentication method, as registered and as advertised.
    #[derive(serde::Deserialize)]
    #[serde(try_from = "String")]
    pub enum TokenAuthMethod as "token endpoint authentication method" {
        /// The secret in HTTP Basic (RFC 6749 §2.3.1).
        ClientSecretBasic = "client_secret_basic",
        /// The secret in the form body (RFC 6749 §2.3.1).
        ClientSecretPost = "client_secret_post",
        /// A JWT signed with HMAC under the client secret (OIDC Core §9).
        ClientSecretJwt = "client_secret_jwt",
        /// A JWT signed with one of the client's registered keys (OIDC Core §9).
        PrivateKeyJwt = "private_key_jwt",
        /// A public client: nothing to authenticate.
        None = "none",
    }
}

impl TokenAuthMethod {
    /// The methods a client of `client_type` can register.
    pub fn fits(self, client_type: ClientType) -> bool {
        match client_type {
            ClientType::Public => self == TokenAuthMethod::None,
            ClientType::Confidential => self != TokenAuthMethod::None,
        }
    }

    /// Whether a client that registered `registered` (`None`: an app
    /// registered before methods were recorded, which may use a secret
    /// either way, or none when public) may authenticate with `self`.
    pub fn allowed_for(self, registered: Option<TokenAuthMethod>, client_type: ClientType) -> bool {
        match registered {
            Some(method) => method == self,
            None => match client_type {
                ClientType::Public => self == TokenAuthMethod::None,
                ClientType::Confidential => matches!(
                    self,
                    TokenAuthMethod::ClientSecretBasic | TokenAuthMethod::ClientSecretPost
                ),
            },
        }
    }

    /// Whether the client proves itself with a signed assertion.
    pub fn uses_assertion(self) -> bool {
        matches!(
            self,
            TokenAuthMethod::ClientSecretJwt | TokenAuthMethod::PrivateKeyJwt
        )
    }
}
