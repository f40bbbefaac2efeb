//! Building blocks shared by the pages.

pub mod auth;
pub mod form;
pub mod guard;
pub mod layout;
pub mod live;
