//! The derived states of SPEC §6: an agreement's state and an obligation's status as of a
//! date, and a result's confirmation. They are computed from the state machine's records on
//! every query (see [`crate::view`]); nothing here is stored.

use std::fmt;
use std::str::FromStr;

use pactlog_state::NeedStatus;
use serde::Serialize;

use crate::query::QueryError;

/// Implements `as_str`, `ALL`, `Display` and `FromStr` for a closed set of wire names; the
/// `FromStr` error is [`QueryError::BadFilter`], since these are parsed from query strings.
macro_rules! wire_names {
    ($name:ident { $($variant:ident = $wire:literal, $zh:literal;)+ }) => {
        impl $name {
            /// Every value, in SPEC order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }

            /// The name the dashboard shows in Chinese.
            pub fn label_zh(self) -> &'static str {
                match self {
                    $($name::$variant => $zh,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = QueryError;
            fn from_str(s: &str) -> Result<Self, QueryError> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    QueryError::BadFilter(format!(
                        concat!("{:?} is not one of: ", $($wire, " ",)+),
                        s
                    ))
                })
            }
        }
    };
}

/// An agreement's state as of a date D (SPEC §6), decided in this order:
/// `terminated` when a termination's `effective` ≤ D; `proposed` when no version is signed by
/// every party (as of D); otherwise by the term of the version in force: `pending_start`
/// (D < start), `active` (start ≤ D ≤ end), `expired` (D > end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementState {
    Proposed,
    PendingStart,
    Active,
    Expired,
    Terminated,
}

wire_names!(AgreementState {
    Proposed = "proposed", "待签署";
    PendingStart = "pending_start", "待生效";
    Active = "active", "履行中";
    Expired = "expired", "已到期";
    Terminated = "terminated", "已终止";
});

/// An obligation's status as of a date D (SPEC §6), decided in the order listed: the first
/// that applies wins (so a met obligation is never overdue, and a disputed one is shown as
/// disputed even when its due date has passed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObligationStatus {
    /// The confirmed sum of the measured metric reaches the target; without a measure, one
    /// confirmed result.
    Met,
    /// Not met, and its latest result (by seq) is disputed.
    Disputed,
    /// Not met, and due before D.
    Overdue,
    /// Not met, due within [`crate::AT_RISK_WINDOW_DAYS`] days from D (D ≤ due ≤ D + 30),
    /// and the confirmed progress is under half the target.
    AtRisk,
    Open,
}

wire_names!(ObligationStatus {
    Met = "met", "已完成";
    Disputed = "disputed", "有异议";
    Overdue = "overdue", "已逾期";
    AtRisk = "at_risk", "临期未达半";
    Open = "open", "进行中";
});

/// Where a result stands with the other parties, as of a date. The three values partition the
/// results so that `confirmed` is exactly the set that counts in totals (SPEC §6: confirmed by
/// at least one party other than the reporter), whatever else other parties said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confirmation {
    /// No other party has confirmed or disputed it yet.
    Unconfirmed,
    /// At least one other party confirmed it; it counts in totals (it may also carry a
    /// dispute by a third party of a multi-party agreement; see its reviews).
    Confirmed,
    /// Disputed by another party and confirmed by none; it does not count.
    Disputed,
}

wire_names!(Confirmation {
    Unconfirmed = "unconfirmed", "待确认";
    Confirmed = "confirmed", "已确认";
    Disputed = "disputed", "有异议";
});

/// Parses a need status from a query string. `NeedStatus` belongs to the state machine, which
/// gives it no `FromStr`; this is the one place its wire names are read.
pub fn parse_need_status(s: &str) -> Result<NeedStatus, QueryError> {
    [
        NeedStatus::Open,
        NeedStatus::Claimed,
        NeedStatus::Fulfilled,
        NeedStatus::Closed,
    ]
    .into_iter()
    .find(|v| v.as_str() == s)
    .ok_or_else(|| {
        QueryError::BadFilter(format!(
            "{s:?} is not one of: open claimed fulfilled closed"
        ))
    })
}
