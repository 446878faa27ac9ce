//! What the list routes of SPEC §7 ask for: one plain struct per list, their limits, the
//! opaque cursor and the error the HTTP layer turns into a 400 `bad_request`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use pactlog_state::NeedStatus;
use pactlog_statement::ids::{
    AgreementId, AgreementKind, Category, ObligationId, OrgId, OrgKind, Period, Region,
};
use pactlog_statement::time::Date;
use serde::Serialize;

use crate::status::{AgreementState, Confirmation, ObligationStatus};

/// Items per page when the query does not say: the same default as `GET /v1/entries` (SPEC §7).
pub const LIMIT_DEFAULT: usize = 100;
/// Most items per page; larger limits are lowered to it. Same bound as `GET /v1/entries`
/// (SPEC §7): it keeps one answer to a few megabytes even for agreement summaries.
pub const LIMIT_MAX: usize = 1000;
/// Longest `q` search string in characters: an org name is at most 100 (SPEC §1) and an id at
/// most 64, so a longer string can match nothing.
pub const SEARCH_CHARS_MAX: usize = 100;
/// Longest cursor accepted, in bytes: the longest key (an agreement id, `/`, an obligation id)
/// is 129 bytes; its base64 with the list tag stays under this.
pub const CURSOR_LEN_MAX: usize = 200;

/// Why a query cannot be answered; the HTTP layer answers 400 `bad_request` for both.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the cursor is not one this list handed out")]
    BadCursor,
    #[error("bad filter: {0}")]
    BadFilter(String),
}

/// One page of a list (SPEC §6: `{tree_size, items, next}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// Entries folded when the answer was made.
    pub tree_size: u64,
    pub items: Vec<T>,
    /// The cursor of the following page, or `null` on the last page.
    pub next: Option<String>,
}

/// An opaque page cursor: base64url without padding of `<list>:<key>`, where the key is the
/// sort key of the last item of the page (an id, `agreement/obligation`, or a seq). The list
/// tag makes a cursor of one list a [`QueryError::BadCursor`] in another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub list: &'static str,
    pub key: String,
}

impl Cursor {
    pub fn new(list: &'static str, key: impl Into<String>) -> Cursor {
        Cursor {
            list,
            key: key.into(),
        }
    }

    /// The string handed out as `next`.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", self.list, self.key))
    }

    /// Reads a cursor that `list` handed out; anything else is [`QueryError::BadCursor`].
    pub fn decode(list: &'static str, s: &str) -> Result<Cursor, QueryError> {
        if s.len() > CURSOR_LEN_MAX {
            return Err(QueryError::BadCursor);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| QueryError::BadCursor)?;
        let text = String::from_utf8(bytes).map_err(|_| QueryError::BadCursor)?;
        let key = text
            .strip_prefix(list)
            .and_then(|rest| rest.strip_prefix(':'))
            .ok_or(QueryError::BadCursor)?;
        Ok(Cursor::new(list, key))
    }

    /// The key read back as an id of type `T` (which checks the id pattern).
    pub(crate) fn id<T: TryFrom<String>>(&self) -> Result<T, QueryError> {
        T::try_from(self.key.clone()).map_err(|_| QueryError::BadCursor)
    }

    /// The key read back as a seq.
    pub(crate) fn seq(&self) -> Result<u64, QueryError> {
        // `u64::from_str` admits a leading `+`; cursors never have one.
        if self.key.is_empty() || !self.key.bytes().all(|b| b.is_ascii_digit()) {
            return Err(QueryError::BadCursor);
        }
        self.key.parse().map_err(|_| QueryError::BadCursor)
    }
}

/// The page size a query asked for, within 1..=[`LIMIT_MAX`]. Zero is refused rather than
/// raised to one: a page of nothing could never advance.
pub(crate) fn page_len(limit: usize) -> Result<usize, QueryError> {
    match limit {
        0 => Err(QueryError::BadFilter("limit must be at least 1".into())),
        n => Ok(n.min(LIMIT_MAX)),
    }
}

/// Collects up to `limit` matching items and the cursor after them: one more item than the
/// page holds is looked for, so `next` is null exactly on the last page.
pub(crate) fn paginate<T>(
    tree_size: u64,
    limit: usize,
    matches: impl Iterator<Item = (String, T)>,
    list: &'static str,
) -> Page<T> {
    let mut items = Vec::new();
    let mut last_key = None;
    let mut next = None;
    for (key, item) in matches {
        if items.len() == limit {
            next = last_key.take().map(|k| Cursor::new(list, k).encode());
            break;
        }
        items.push(item);
        last_key = Some(key);
    }
    Page {
        tree_size,
        items,
        next,
    }
}

/// `GET /v1/orgs`: the directory, by id ascending, as the log stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgQuery {
    /// Orgs whose region this region contains (SPEC §1).
    pub region: Option<Region>,
    pub kind: Option<OrgKind>,
    /// A substring of the id or the name (case-sensitive; ids are lower case).
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: usize,
}

impl Default for OrgQuery {
    fn default() -> Self {
        OrgQuery {
            region: None,
            kind: None,
            q: None,
            cursor: None,
            limit: LIMIT_DEFAULT,
        }
    }
}

/// `GET /v1/agreements`: agreements known as of `as_of`, by id ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementQuery {
    pub state: Option<AgreementState>,
    /// Agreements this org is a party to.
    pub party: Option<OrgId>,
    /// Agreements one of whose parties has a region this region contains.
    pub region: Option<Region>,
    pub kind: Option<AgreementKind>,
    /// Agreements whose shown version (in force, else the latest) lists this category.
    pub category: Option<Category>,
    pub as_of: Date,
    pub cursor: Option<String>,
    pub limit: usize,
}

impl AgreementQuery {
    pub fn new(as_of: Date) -> Self {
        AgreementQuery {
            state: None,
            party: None,
            region: None,
            kind: None,
            category: None,
            as_of,
            cursor: None,
            limit: LIMIT_DEFAULT,
        }
    }
}

/// `GET /v1/obligations`: obligations of the versions in force as of `as_of` (agreements
/// signed by all parties and not terminated: pending_start, active or expired), by agreement
/// id then obligation id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObligationQuery {
    pub status: Option<ObligationStatus>,
    pub agreement: Option<AgreementId>,
    /// Obligations of agreements this org is a party to.
    pub party: Option<OrgId>,
    /// Obligations this org owes.
    pub owner: Option<OrgId>,
    /// Obligations of agreements one of whose parties is in this region.
    pub region: Option<Region>,
    pub category: Option<Category>,
    pub as_of: Date,
    pub cursor: Option<String>,
    pub limit: usize,
}

impl ObligationQuery {
    pub fn new(as_of: Date) -> Self {
        ObligationQuery {
            status: None,
            agreement: None,
            party: None,
            owner: None,
            region: None,
            category: None,
            as_of,
            cursor: None,
            limit: LIMIT_DEFAULT,
        }
    }
}

/// `GET /v1/results`: results as the log stands now, newest first (descending seq).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultQuery {
    pub agreement: Option<AgreementId>,
    pub obligation: Option<ObligationId>,
    /// Results of agreements this org is a party to (reporter or not).
    pub party: Option<OrgId>,
    /// Results this org reported.
    pub reporter: Option<OrgId>,
    /// Results of agreements one of whose parties is in this region.
    pub region: Option<Region>,
    pub category: Option<Category>,
    pub confirmation: Option<Confirmation>,
    /// Results dated on or after this date.
    pub from: Option<Date>,
    /// Results dated on or before this date.
    pub to: Option<Date>,
    pub cursor: Option<String>,
    pub limit: usize,
}

impl Default for ResultQuery {
    fn default() -> Self {
        ResultQuery {
            agreement: None,
            obligation: None,
            party: None,
            reporter: None,
            region: None,
            category: None,
            confirmation: None,
            from: None,
            to: None,
            cursor: None,
            limit: LIMIT_DEFAULT,
        }
    }
}

/// `GET /v1/needs`: needs as the log stands now, newest first (descending seq).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedQuery {
    pub status: Option<NeedStatus>,
    pub poster: Option<OrgId>,
    pub claimant: Option<OrgId>,
    /// Needs whose poster's region this region contains.
    pub region: Option<Region>,
    pub category: Option<Category>,
    pub agreement: Option<AgreementId>,
    pub cursor: Option<String>,
    pub limit: usize,
}

impl Default for NeedQuery {
    fn default() -> Self {
        NeedQuery {
            status: None,
            poster: None,
            claimant: None,
            region: None,
            category: None,
            agreement: None,
            cursor: None,
            limit: LIMIT_DEFAULT,
        }
    }
}

/// `GET /v1/stats`: the aggregates of SPEC §6.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsQuery {
    /// Count only what is within this region; the nation when absent.
    pub region: Option<Region>,
    /// Sum results dated in this period, and grade the evaluations of this period.
    pub period: Option<Period>,
    pub as_of: Date,
}

impl StatsQuery {
    pub fn new(as_of: Date) -> Self {
        StatsQuery {
            region: None,
            period: None,
            as_of,
        }
    }
}
