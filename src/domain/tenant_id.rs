//! The id of a tenant (its primary key, not its slug), typed so that it
//! cannot be swapped with a user id, an app id or any other `&str` id.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TenantId(String);

impl TenantId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Ids come from the database (and from the tenant directory that reads it);
/// no parsing beyond that.
impl From<String> for TenantId {
    fn from(id: String) -> TenantId {
        TenantId(id)
    }
}

impl From<TenantId> for String {
    fn from(id: TenantId) -> String {
        id.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
