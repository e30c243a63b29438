//! STUB of the web workspace's foundation (the lead keeps the foundation engineer's version).

pub mod page;
pub mod pages;
pub mod session;

use actix_web::web;

pub use page::{PageError, render, see_other};
pub use session::{SignedIn, Viewer};

/// Every page route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    pages::configure(cfg);
}
