//! An app's home page: where "My apps" links its name.

use diesel::prelude::*;

use crate::domain::{HomeUrl, TenantId};
use crate::store::schema::applications;
use crate::store::{DbConn, StoreResult};

/// Sets or clears the app's home page (where "My apps" links its name);
/// false when there is no such app.
pub fn set_home_url(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
    home_url: Option<&HomeUrl>,
) -> StoreResult<bool> {
    Ok(diesel::update(
        applications::table
            .filter(applications::tenant_id.eq(tenant_id.as_str()))
            .filter(applications::client_id.eq(client_id)),
    )
    .set(applications::home_url.eq(home_url.map(HomeUrl::as_str)))
    .execute(conn)?
        == 1)
}

/// The app's home page, if it has one.
pub fn home_url_of(
    conn: &mut DbConn,
    tenant_id: &TenantId,
    client_id: &str,
) -> StoreResult<Option<HomeUrl>> {
    let stored: Option<Option<String>> = applications::table
        .filter(applications::tenant_id.eq(tenant_id.as_str()))
        .filter(applications::client_id.eq(client_id))
        .select(applications::home_url)
        .first(conn)
        .optional()?;
    Ok(stored.flatten().and_then(|url| HomeUrl::parse(&url).ok()))
}

/// The home page of every app of the tenant that has one, by client id
/// (checked again as it is read: a stored value that is no home page is
/// left out rather than linked).
pub fn home_urls(
    conn: &mut DbConn,
    tenant_id: &TenantId,
) -> StoreResult<std::collections::HashMap<String, HomeUrl>> {
    let rows: Vec<(String, Option<String>)> = applications::table
        .filter(applications::tenant_id.eq(tenant_id.as_str()))
        .filter(applications::home_url.is_not_null())
        .select((applications::client_id, applications::home_url))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, url)| Some((id, HomeUrl::parse(&url?).ok()?)))
        .collect())
}
