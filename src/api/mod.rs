//! The JSON API for integrators, compatible with the original product.

pub mod v1;
