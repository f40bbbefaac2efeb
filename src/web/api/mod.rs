//! The JSON API for integrators, compatible with the original product.

pub mod openapi;
pub mod v1;
