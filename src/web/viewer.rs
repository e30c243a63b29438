//! Who is signed in, as every page's frame shows it. Its own module, because both the sessions
//! (which make it) and the error pages (which show it) need it.

use crate::http::auth::{CheckCalls, Role, allows};
use crate::locale::Language;

/// Who is signed in, for the frame of every page.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Display name from the provider (or "Demo: handläggare").
    pub name: String,
    pub org_code: String,
    pub org_name: String,
    pub roles: Vec<Role>,
    /// From the session; Swedish by default.
    pub language: Language,
    /// The session's CSRF token, for hidden form fields.
    pub csrf: String,
}

impl Viewer {
    /// Whether the frame offers the check without saving (the page's own policy).
    pub fn checks_calls(&self) -> bool {
        allows::<CheckCalls>(&self.roles)
    }
}
