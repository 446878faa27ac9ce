//! pactlog statements.
pub mod canonical;
pub mod envelope;
pub mod rejection;
pub mod signature;
