//! STUB: who is signed in. Reads the test-only headers `x-stub-role`, `x-stub-org` and
//! `x-stub-lang`; without them, a demo case officer of the organisation "demo".

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use super::page::PageError;
use crate::http::AppState;
use crate::http::auth::{Caller, Policy, Role};
use crate::locale::Language;

pub struct Viewer {
    pub name: String,
    pub org_code: String,
    pub org_name: String,
    pub roles: Vec<Role>,
    pub language: Language,
    pub csrf: String,
}

pub struct SignedIn<P: Policy> {
    pub caller: Caller,
    pub viewer: Viewer,
    policy: PhantomData<P>,
}

impl<P: Policy> SignedIn<P> {
    pub fn check_csrf(&self, token: &str) -> Result<(), PageError> {
        if token == self.viewer.csrf {
            Ok(())
        } else {
            Err(PageError::Csrf)
        }
    }
}

impl<P: Policy + 'static> FromRequest for SignedIn<P> {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let role = header("x-stub-role")
            .and_then(|r| Role::from_code(&r))
            .unwrap_or(Role::CaseOfficer);
        let org = header("x-stub-org").unwrap_or_else(|| "demo".into());
        let language = header("x-stub-lang")
            .and_then(|l| Language::from_code(&l))
            .unwrap_or_default();
        Box::pin(async move {
            let state = state.ok_or_else(|| PageError::Internal("no state".into()))?;
            let code = org.clone();
            let found = state
                .db
                .run(move |conn| crate::storage::orgs::find_by_code(conn, &code))
                .await
                .map_err(|e| PageError::Internal(e.to_string()))?
                .ok_or(PageError::Forbidden)?;
            if !P::ROLES.contains(&role) {
                return Err(PageError::Forbidden);
            }
            Ok(SignedIn {
                caller: Caller {
                    org_id: found.id,
                    org_code: found.code.clone(),
                    subject: format!("stub-{}", role.code()),
                    roles: vec![role],
                },
                viewer: Viewer {
                    name: "Demo: handläggare".into(),
                    org_code: found.code,
                    org_name: found.name,
                    roles: vec![role],
                    language,
                    csrf: "stub-csrf".into(),
                },
                policy: PhantomData,
            })
        })
    }
}
