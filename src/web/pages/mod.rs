//! The case officer's pages (written in another branch; this stub keeps the foundation building).

pub fn configure(_cfg: &mut actix_web::web::ServiceConfig) {}
