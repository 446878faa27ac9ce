//! Projections over ledgers of real signed statements (see `ledger`).

// Queries are built field by field here, as the HTTP layer fills them from a query string.
#![allow(clippy::field_reassign_with_default)]

mod agreements;
mod ledger;
mod lists;
mod obligations;
mod rebuild;
mod rich;
mod stats;
