//! The admin API's route table and its OpenAPI 3.1 document. Each entry of
//! the table mounts a handler at the method and path its `#[utoipa::path]`
//! names and adds that operation to the document, so a route cannot be
//! mounted without being described, nor described without being mounted.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use actix_web::http::{Method, StatusCode};
use actix_web::{FromRequest, Handler, HttpResponse, Responder, web};
use serde::Serialize;
use utoipa::openapi::path::{HttpMethod, Paths};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::{ApiResult, Problem};
use crate::state::AppState;

/// Where the document is served, under the API's scope.
pub const DOCUMENT_PATH: &str = "/openapi.json";

/// The body of every error answer (RFC 9457), `application/problem+json`.
#[derive(Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemBody<'a> {
    /// Always `about:blank`: the status and title say what happened.
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub title: &'a str,
    pub status: u16,
    /// What was wrong, for a person to read.
    pub detail: &'a str,
}

/// The problem answers operations refer to (`response = NotFound`), each a
/// reusable response in `components.responses`.
macro_rules! problem_responses {
    ($($name:ident = $status:literal, $description:literal;)+) => {
        $(
            pub struct $name;

            impl<'r> utoipa::ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    (stringify!($name), problem_response($description).into())
                }
            }
        )+

        /// Every problem response, for `components.responses`.
        fn problem_components() -> Vec<(&'static str, RefOr<Response>)> {
            vec![$(<$name as utoipa::ToResponse>::response()),+]
        }

        #[cfg(test)]
        const PROBLEM_STATUSES: &[(&str, u16)] = &[$((stringify!($name), $status)),+];
    };
}

problem_responses! {
    BadRequest = 400, "The request is malformed or breaks a rule (problem+json says which).";
    Unauthorized = 401, "No access token, or one that is invalid, expired, revoked, of another tenant, or DPoP-bound without a valid proof.";
    Forbidden = 403, "The caller lacks the role or permission the operation needs.";
    NotFound = 404, "No such tenant or resource (or one the caller may not see).";
    Conflict = 409, "The request conflicts with the resource's current state.";
    Unavailable = 503, "The database (or the secret key it needs) is unavailable; retry after Retry-After seconds.";
}

fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            Content::new(Some(RefOr::<Schema>::from(
                utoipa::openapi::Ref::from_schema_name("Problem"),
            ))),
        )
        .build()
}

/// The answers every operation may give whatever it does: its caller is
/// authenticated first, and its data lives in the database.
const EVERY_OPERATION: [(&str, &str); 2] = [("401", "Unauthorized"), ("503", "Unavailable")];

/// The security schemes: a tenant's access token, as a bearer token (RFC
/// 6750) or DPoP-bound with a proof (RFC 9449). Either is accepted.
const SCHEMES: [&str; 2] = ["bearer", "dpop"];

/// The admin API's routes, mounted and described together.
#[derive(Default)]
pub struct RouteTable {
    resources: BTreeMap<String, actix_web::Resource>,
    paths: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
    mounted: BTreeSet<(String, String)>,
}

impl RouteTable {
    /// Mounts `handler` where its path item `P` says and describes it there.
    /// Use the [`routes!`] macro, which names `P` from the handler.
    pub fn route<P, F, Args>(mut self, handler: F) -> RouteTable
    where
        P: utoipa::Path + utoipa::__dev::SchemaReferences,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let path = P::path();
        let mut resource = self.resources.remove(&path).unwrap_or_else(|| {
            web::resource(path.as_str()).default_service(web::to(HttpResponse::MethodNotAllowed))
        });
        let mut operation = P::operation();
        for (code, name) in EVERY_OPERATION {
            let answer = utoipa::openapi::Ref::from_response_name(name);
            operation
                .responses
                .responses
                .insert(code.into(), answer.into());
        }
        operation.security = Some(
            SCHEMES
                .iter()
                .map(|scheme| SecurityRequirement::new(*scheme, Vec::<String>::new()))
                .collect(),
        );
        let methods = P::methods();
        for method in &methods {
            resource = resource.route(web::method(actix_method(method)).to(handler.clone()));
            let method = actix_method(method).to_string();
            // A second entry would silently replace the first's description.
            assert!(
                self.mounted.insert((method.clone(), path.clone())),
                "{method} {path} is in the admin API's route table twice"
            );
        }
        self.paths
            .add_path_operation(path.as_str(), methods, operation);
        P::schemas(&mut self.schemas);
        self.resources.insert(path, resource);
        self
    }

    /// Every (method, path) mounted, paths relative to the API's scope.
    pub fn mounted(&self) -> &BTreeSet<(String, String)> {
        &self.mounted
    }

    /// The document, without `servers` (they are the tenant's).
    pub fn document(&self) -> OpenApi {
        let mut components = utoipa::openapi::ComponentsBuilder::new()
            .schema(ProblemBody::name(), ProblemBody::schema())
            .schemas_from_iter(self.schemas.clone())
            .security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(
                            "An access token of the tenant (RFC 6750): a first-party app's \
                             token for a person, or an app's client-credentials token with \
                             permissions.",
                        ))
                        .build(),
                ),
            );
        for (name, response) in problem_components() {
            components = components.response(name, response);
        }
        utoipa::openapi::OpenApiBuilder::new()
            .info(
                utoipa::openapi::InfoBuilder::new()
                    .title("Portico admin API")
                    .version(env!("CARGO_PKG_VERSION"))
                    .description(Some(
                        "Administration of one tenant: invitations, users, groups, apps, \
                         policies, identity providers, keys and the audit log. Every \
                         operation needs an access token of the tenant; errors are RFC 9457 \
                         problem+json. The narrative guide is docs/admin-api.md.",
                    ))
                    .build(),
            )
            .paths(self.paths.clone())
            .components(Some(components.build()))
            .build()
    }

    /// The API's scope at `path`: every route of the table, the document at
    /// [`DOCUMENT_PATH`], and a problem for any other address.
    pub fn mount(self, path: &str) -> actix_web::Scope {
        let document = Document::new(&self.document());
        let mut scope = web::scope(path)
            .app_data(
                web::JsonConfig::default()
                    .limit(64 * 1024)
                    .error_handler(|err, _| Problem::bad_request(err.to_string()).into()),
            )
            .app_data(web::Data::new(document))
            .service(web::resource(DOCUMENT_PATH).route(web::get().to(get_openapi)));
        for (_, resource) in self.resources {
            scope = scope.service(resource);
        }
        scope.default_service(web::to(|| async {
            Err::<HttpResponse, _>(Problem::not_found("endpoint"))
        }))
    }
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

/// Builds a [`RouteTable`] from handlers written `module::handler`, each
/// annotated with `#[utoipa::path(...)]`.
#[macro_export]
#[doc(hidden)]
macro_rules! admin_api_routes {
    ($($module:ident :: $handler:ident),+ $(,)?) => {
        pastey::paste! {
            $crate::admin::api::openapi::RouteTable::default()
                $(.route::<$module::[<__path_ $handler>], _, _>($module::$handler))+
        }
    };
}
pub use admin_api_routes as routes;

/// The served document as JSON, completed per tenant with its server.
struct Document(Arc<serde_json::Value>);

impl Document {
    fn new(api: &OpenApi) -> Document {
        let mut json = serde_json::to_value(api).unwrap_or_default();
        // RFC 9449 registers the `DPoP` HTTP authentication scheme; utoipa's
        // scheme enum predates it, so it is written here.
        json["components"]["securitySchemes"]["dpop"] = serde_json::json!({
            "type": "http",
            "scheme": "DPoP",
            "description": "An access token bound to a key (RFC 9449), sent with \
                            `Authorization: DPoP` and a `DPoP` proof header; required \
                            for DPoP-bound tokens.",
        });
        Document(Arc::new(json))
    }
}

/// `GET /openapi.json`: the document, with the tenant's API as its server.
/// It holds no tenant data (only the issuer, public in discovery), so it
/// needs no token; an unknown tenant is a 404 problem.
async fn get_openapi(
    state: web::Data<AppState>,
    document: web::Data<Document>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let ctx = state
        .tenants
        .get(&path.into_inner())
        .await?
        .ok_or_else(|| Problem::not_found("tenant"))?;
    let mut json = (*document.0).clone();
    json["servers"] = serde_json::json!([{
        "url": format!("{}/api/v1", ctx.issuer),
        "description": format!("The admin API of {}", ctx.tenant.display_name),
    }]);
    Ok(HttpResponse::build(StatusCode::OK)
        .insert_header(("Cache-Control", "no-cache"))
        .json(json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[utoipa::path(get, path = "/probe", responses((status = 204, description = "Done")))]
    async fn get_probe() -> HttpResponse {
        HttpResponse::NoContent().finish()
    }

    #[test]
    fn a_route_is_mounted_where_its_path_item_says_and_described_there() {
        let table = RouteTable::default().route::<__path_get_probe, _, _>(get_probe);
        let mounted: Vec<_> = table.mounted().iter().cloned().collect();
        assert_eq!(mounted, [("GET".to_owned(), "/probe".to_owned())]);
        let document = serde_json::to_value(table.document()).unwrap();
        let operation = &document["paths"]["/probe"]["get"];
        assert_eq!(operation["security"][1]["dpop"], serde_json::json!([]));
        assert_eq!(
            operation["responses"]["401"]["$ref"],
            "#/components/responses/Unauthorized"
        );
    }

    #[test]
    #[should_panic(expected = "GET /probe is in the admin API's route table twice")]
    fn a_route_listed_twice_is_refused() {
        let _ = RouteTable::default()
            .route::<__path_get_probe, _, _>(get_probe)
            .route::<__path_get_probe, _, _>(get_probe);
    }

    #[test]
    fn each_problem_response_names_its_status_in_the_document() {
        // The table adds 401 and 503 by name; the names must be components.
        let names: Vec<&str> = problem_components().iter().map(|(n, _)| *n).collect();
        for (_, name) in EVERY_OPERATION {
            assert!(names.contains(&name), "{name} is not a problem response");
        }
        for (code, name) in EVERY_OPERATION {
            let status = PROBLEM_STATUSES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, s)| *s);
            assert_eq!(status.map(|s| s.to_string()).as_deref(), Some(code));
        }
    }
}
