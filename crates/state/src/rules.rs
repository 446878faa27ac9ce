//! The rules of the table of SPEC §4, one function per statement type, each running checks
//! 12 (references), 13 (authorization), 14 (new ids) and 15 (state and order) in that order,
//! and the matching `commit` that records an accepted statement.

use pactlog_statement::body::*;
use pactlog_statement::ids::{ObligationId, OrgKind};
use pactlog_statement::rejection::Rejection;
use pactlog_statement::statement::Body;

use crate::model::*;
use crate::state::{duplicate, not_authorized, transition, unknown, Candidate, State};

pub(crate) fn check(state: &State, c: Candidate<'_>, author: &Org) -> Result<(), Rejection> {
    let date = c.accepted_at.date_cst();
    match &c.statement.body {
        Body::LogGenesis(_) => Err(transition(
            "log.genesis is only valid as entry 0",
            "log.genesis 只能作为第 0 条记录",
        )),
        Body::OrgRegistered(b) => org_registered(state, author, b),
        Body::OrgUpdated(b) => org_updated(state, author, b),
        Body::KeyAdded(b) => key_added(state, author, b),
        Body::KeyRevoked(b) => key_revoked(state, author, b),
        Body::AgreementProposed(b) => agreement_proposed(state, author, b),
        Body::AgreementAmended(b) => agreement_amended(state, author, b),
        Body::AgreementSigned(b) => agreement_signed(state, author, b),
        Body::AgreementTerminated(b) => {
            let agreement = state.agreement(&b.agreement)?;
            may_act(author)?;
            if !agreement.has_party(&author.id)
                && !state.has_jurisdiction_over_agreement(author, agreement)
            {
                return Err(not_authorized(
                    format!(
                        "{} is neither a party to {} nor an authority over it",
                        author.id, agreement.id
                    ),
                    format!(
                        "{} 既不是协议 {} 的参与方，也不是其主管机关",
                        author.id, agreement.id
                    ),
                ));
            }
            if agreement.termination.is_some() {
                return Err(transition(
                    format!("agreement {} is already terminated", agreement.id),
                    format!("协议 {} 已经终止", agreement.id),
                ));
            }
            if b.effective < date {
                return Err(transition(
                    format!(
                        "termination effective {} is before the entry's date {date} (no back-dating)",
                        b.effective
                    ),
                    format!("终止生效日期 {} 早于记录日期 {date}（不得倒签）", b.effective),
                ));
            }
            Ok(())
        }
        Body::ResultReported(b) => result_reported(state, author, b, date),
        Body::ResultConfirmed(b) => result_reviewed(state, author, &b.result),
        Body::ResultDisputed(b) => result_reviewed(state, author, &b.result),
        Body::EvaluationRecorded(b) => {
            let over = match &b.subject {
                Subject::Agreement(id) => {
                    let agreement = state.agreement(id)?;
                    may_act(author)?;
                    state.has_jurisdiction_over_agreement(author, agreement)
                }
                Subject::Org(id) => {
                    let org = state.org(id)?;
                    may_act(author)?;
                    State::has_jurisdiction(author, &org.region)
                }
            };
            if !over {
                return Err(not_authorized(
                    format!("{} is not an authority over the subject", author.id),
                    format!("{} 不是被评价对象的主管机关", author.id),
                ));
            }
            Ok(())
        }
        Body::CardIssued(b) => {
            let agreement = state.agreement(&b.agreement)?;
            if let Some(obligation) = &b.obligation {
                obligation_in_force(agreement, obligation, date)?;
            }
            may_act(author)?;
            if !state.has_jurisdiction_over_agreement(author, agreement) {
                return Err(not_authorized(
                    format!(
                        "{} is not an authority over agreement {}",
                        author.id, agreement.id
                    ),
                    format!("{} 不是协议 {} 的主管机关", author.id, agreement.id),
                ));
            }
            if state.cards.contains_key(&b.card) {
                return Err(duplicate("card", b.card.as_ref()));
            }
            Ok(())
        }
        Body::CardLifted(b) => {
            let card = state
                .cards
                .get(&b.card)
                .ok_or_else(|| unknown("card", b.card.as_ref()))?;
            may_act(author)?;
            let issuer_region = state.orgs.get(&card.issuer).map(|o| &o.region);
            let allowed = author.id == card.issuer
                || (author.is_authority()
                    && issuer_region.is_some_and(|r| author.region.contains(r)));
            if !allowed {
                return Err(not_authorized(
                    format!(
                        "only the issuing authority {} or one whose region contains its region may lift card {}",
                        card.issuer, card.id
                    ),
                    format!("只有发牌机关 {} 或其上级机关可以撤销 {}", card.issuer, card.id),
                ));
            }
            if card.lifted.is_some() {
                return Err(transition(
                    format!("card {} is already lifted", card.id),
                    format!("{} 已经撤销", card.id),
                ));
            }
            Ok(())
        }
        Body::NeedPosted(b) => {
            let agreement = match &b.agreement {
                Some(id) => Some(state.agreement(id)?),
                None => None,
            };
            may_act(author)?;
            if !matches!(author.kind, OrgKind::Village | OrgKind::Community) {
                return Err(not_authorized(
                    format!(
                        "only a village or community posts needs; {} is {}",
                        author.id, author.kind
                    ),
                    format!(
                        "只有村、社区党组织可以发布需求，{} 是{}",
                        author.id,
                        author.kind.label_zh()
                    ),
                ));
            }
            if let Some(agreement) = agreement {
                if !agreement.has_party(&author.id) {
                    return Err(not_authorized(
                        format!("{} is not a party to agreement {}", author.id, agreement.id),
                        format!("{} 不是协议 {} 的参与方", author.id, agreement.id),
                    ));
                }
            }
            if state.needs.contains_key(&b.need) {
                return Err(duplicate("need", b.need.as_ref()));
            }
            Ok(())
        }
        Body::NeedClaimed(b) => {
            let need = need(state, &b.need)?;
            may_act(author)?;
            if need.poster == author.id {
                return Err(not_authorized(
                    "the poster cannot claim its own need",
                    "发布方不能认领自己的需求",
                ));
            }
            need_in(need, &[NeedStatus::Open], "claimed", "认领")
        }
        Body::NeedFulfilled(b) => {
            let need = need(state, &b.need)?;
            may_act(author)?;
            if let Some((claimant, _)) = &need.claim {
                if claimant != &author.id {
                    return Err(not_authorized(
                        format!("only the claiming org {claimant} fulfils need {}", need.id),
                        format!("只有认领方 {claimant} 可以完成需求 {}", need.id),
                    ));
                }
            }
            need_in(need, &[NeedStatus::Claimed], "fulfilled", "完成")
        }
        Body::NeedClosed(b) => {
            let need = need(state, &b.need)?;
            may_act(author)?;
            if need.poster != author.id {
                return Err(not_authorized(
                    format!(
                        "only the posting org {} closes need {}",
                        need.poster, need.id
                    ),
                    format!("只有发布方 {} 可以关闭需求 {}", need.poster, need.id),
                ));
            }
            need_in(
                need,
                &[NeedStatus::Fulfilled, NeedStatus::Open],
                "closed",
                "关闭",
            )
        }
    }
}

/// A dissolved org cannot act (SPEC §3).
fn may_act(author: &Org) -> Result<(), Rejection> {
    if author.is_dissolved() {
        return Err(not_authorized(
            format!("{} is dissolved and cannot act", author.id),
            format!("{} 已撤销，不能再作出声明", author.id),
        ));
    }
    Ok(())
}

fn require_jurisdiction(author: &Org, org: &Org) -> Result<(), Rejection> {
    if State::has_jurisdiction(author, &org.region) {
        Ok(())
    } else {
        Err(not_authorized(
            format!(
                "{} has no jurisdiction over {} (region {})",
                author.id, org.id, org.region
            ),
            format!(
                "{} 对 {}（区划 {}）没有管辖权",
                author.id, org.id, org.region
            ),
        ))
    }
}

fn org_registered(state: &State, author: &Org, b: &OrgRegisteredBody) -> Result<(), Rejection> {
    if let Some(parent) = &b.parent {
        state.org(parent)?;
    }
    may_act(author)?;
    if !author.is_authority() {
        return Err(not_authorized(
            format!(
                "only an authority registers orgs; {} is {}",
                author.id, author.kind
            ),
            format!(
                "只有机关工委或组织部门可以登记组织，{} 是{}",
                author.id,
                author.kind.label_zh()
            ),
        ));
    }
    if !author.region.contains(&b.region) {
        return Err(not_authorized(
            format!(
                "region {} is outside the jurisdiction of {} (region {})",
                b.region, author.id, author.region
            ),
            format!(
                "区划 {} 不在 {}（区划 {}）的管辖范围内",
                b.region, author.id, author.region
            ),
        ));
    }
    if b.kind == OrgKind::Authority
        && author.id != state.genesis.root_authority
        && !author.region.is_province()
    {
        return Err(not_authorized(
            "only the root authority or a provincial authority registers another authority",
            "只有根机关或省级机关可以登记新的机关",
        ));
    }
    if state.orgs.contains_key(&b.org) {
        return Err(duplicate("org", b.org.as_ref()));
    }
    for key in b.keys.iter() {
        if state.keys.contains_key(&key_bytes(key)) {
            return Err(key_taken(key));
        }
    }
    Ok(())
}

fn key_taken(key: &pactlog_statement::ids::PublicKey) -> Rejection {
    Rejection::new(
        pactlog_statement::rejection::Code::DuplicateId,
        format!("key {key} was registered before; a key is taken for ever"),
        format!("密钥 {key} 已登记过，密钥不得重复使用"),
    )
}

fn org_updated(state: &State, author: &Org, b: &OrgUpdatedBody) -> Result<(), Rejection> {
    let org = state.org(&b.org)?;
    if let Some(parent) = &b.parent {
        state.org(parent)?;
    }
    may_act(author)?;
    require_jurisdiction(author, org)?;
    if let Some(region) = &b.region {
        if !State::has_jurisdiction(author, region) {
            return Err(not_authorized(
                format!(
                    "new region {region} is outside the jurisdiction of {}",
                    author.id
                ),
                format!("新区划 {region} 不在 {} 的管辖范围内", author.id),
            ));
        }
    }
    if org.is_dissolved() {
        return Err(transition(
            format!("{} is dissolved; dissolution is final", org.id),
            format!("{} 已撤销，撤销不可恢复", org.id),
        ));
    }
    Ok(())
}

/// The org itself, or an authority over it acting for it (key recovery, SPEC §3).
fn acts_for(author: &Org, org: &Org) -> Result<(), Rejection> {
    if author.id == org.id || State::has_jurisdiction(author, &org.region) {
        Ok(())
    } else {
        Err(not_authorized(
            format!("only {} or an authority over it manages its keys", org.id),
            format!("只有 {} 本身或其主管机关可以管理其密钥", org.id),
        ))
    }
}

fn key_added(state: &State, author: &Org, b: &KeyAddedBody) -> Result<(), Rejection> {
    let org = state.org(&b.org)?;
    may_act(author)?;
    acts_for(author, org)?;
    if state.keys.contains_key(&key_bytes(&b.key)) {
        return Err(key_taken(&b.key));
    }
    if org.is_dissolved() {
        return Err(transition(
            format!("{} is dissolved; no key can be added", org.id),
            format!("{} 已撤销，不能添加密钥", org.id),
        ));
    }
    Ok(())
}

fn key_revoked(state: &State, author: &Org, b: &KeyRevokedBody) -> Result<(), Rejection> {
    let org = state.org(&b.org)?;
    may_act(author)?;
    acts_for(author, org)?;
    let key = key_bytes(&b.key);
    match state.keys.get(&key) {
        Some(record) if record.org == org.id && record.is_active() => {}
        _ => {
            return Err(transition(
                format!("key {} is not an active key of {}", b.key, org.id),
                format!("密钥 {} 不是 {} 的有效密钥", b.key, org.id),
            ))
        }
    }
    if author.id == org.id && state.active_key_count(&org.id) <= 1 {
        return Err(transition(
            format!("{} would have no active key left; only an authority over it may revoke its last key", org.id),
            format!("{} 将没有有效密钥；只有其主管机关可以撤销最后一个密钥", org.id),
        ));
    }
    Ok(())
}

fn parties_registered(
    state: &State,
    parties: &[pactlog_statement::ids::OrgId],
) -> Result<(), Rejection> {
    for party in parties {
        state.org(party)?;
    }
    Ok(())
}

fn parties_not_dissolved(
    state: &State,
    parties: &[pactlog_statement::ids::OrgId],
) -> Result<(), Rejection> {
    for party in parties {
        if state.orgs.get(party).is_some_and(|o| o.is_dissolved()) {
            return Err(transition(
                format!("party {party} is dissolved"),
                format!("参与方 {party} 已撤销"),
            ));
        }
    }
    Ok(())
}

fn require_party(
    author: &Org,
    agreement_parties: &[pactlog_statement::ids::OrgId],
    agreement: &str,
) -> Result<(), Rejection> {
    if agreement_parties.contains(&author.id) {
        Ok(())
    } else {
        Err(not_authorized(
            format!("{} is not a party to agreement {agreement}", author.id),
            format!("{} 不是协议 {agreement} 的参与方", author.id),
        ))
    }
}

fn agreement_proposed(
    state: &State,
    author: &Org,
    b: &AgreementProposedBody,
) -> Result<(), Rejection> {
    parties_registered(state, &b.parties)?;
    may_act(author)?;
    require_party(author, &b.parties, b.agreement.as_ref())?;
    if state.agreements.contains_key(&b.agreement) {
        return Err(duplicate("agreement", b.agreement.as_ref()));
    }
    parties_not_dissolved(state, &b.parties)
}

fn agreement_amended(
    state: &State,
    author: &Org,
    b: &AgreementAmendedBody,
) -> Result<(), Rejection> {
    let agreement = state.agreement(&b.agreement)?;
    may_act(author)?;
    require_party(author, &agreement.parties, agreement.id.as_ref())?;
    not_terminated(agreement)?;
    let latest = agreement.latest();
    if b.version.get() != latest.version + 1 {
        return Err(transition(
            format!(
                "version must be {} (latest {} + 1), not {}",
                latest.version + 1,
                latest.version,
                b.version.get()
            ),
            format!(
                "版本号应为 {}（最新版本 {} 加 1），而不是 {}",
                latest.version + 1,
                latest.version,
                b.version.get()
            ),
        ));
    }
    if b.supersedes != latest.statement {
        return Err(transition(
            format!(
                "supersedes must be the statement id of version {} ({})",
                latest.version,
                hex::encode(latest.statement.as_bytes())
            ),
            format!(
                "supersedes 应为第 {} 版的声明编号（{}）",
                latest.version,
                hex::encode(latest.statement.as_bytes())
            ),
        ));
    }
    parties_not_dissolved(state, &agreement.parties)
}

fn not_terminated(agreement: &Agreement) -> Result<(), Rejection> {
    if agreement.termination.is_some() {
        return Err(transition(
            format!("agreement {} is terminated", agreement.id),
            format!("协议 {} 已终止", agreement.id),
        ));
    }
    Ok(())
}

fn agreement_signed(state: &State, author: &Org, b: &AgreementSignedBody) -> Result<(), Rejection> {
    let agreement = state.agreement(&b.agreement)?;
    may_act(author)?;
    require_party(author, &agreement.parties, agreement.id.as_ref())?;
    not_terminated(agreement)?;
    let latest = agreement.latest();
    if b.version.get() != latest.version || b.terms != latest.statement {
        return Err(transition(
            format!(
                "only the latest version ({}, terms {}) can be signed",
                latest.version,
                hex::encode(latest.statement.as_bytes())
            ),
            format!(
                "只能签署最新版本（第 {} 版，terms {}）",
                latest.version,
                hex::encode(latest.statement.as_bytes())
            ),
        ));
    }
    if latest.signatures.contains_key(&author.id) {
        return Err(transition(
            format!(
                "{} has already signed version {}",
                author.id, latest.version
            ),
            format!("{} 已签署第 {} 版", author.id, latest.version),
        ));
    }
    Ok(())
}

/// A result's obligation must exist in the version in force; while no version is in force,
/// in the latest version, so that reporting against a not-yet-signed agreement answers
/// `invalid_transition` (the agreement is not in force) rather than `unknown_reference`.
fn reported_obligation_exists(
    agreement: &Agreement,
    obligation: &ObligationId,
    date: pactlog_statement::time::Date,
) -> Result<(), Rejection> {
    let version = agreement
        .in_force_on(date)
        .unwrap_or_else(|| agreement.latest());
    match version.obligation(obligation) {
        Some(_) => Ok(()),
        None => Err(unknown_obligation(agreement, obligation)),
    }
}

/// A card's obligation must exist in the version in force (SPEC §4 `card.issued`); a card
/// needs no agreement in force, so with none in force there is no such obligation.
fn obligation_in_force(
    agreement: &Agreement,
    obligation: &ObligationId,
    date: pactlog_statement::time::Date,
) -> Result<(), Rejection> {
    match agreement
        .in_force_on(date)
        .and_then(|version| version.obligation(obligation))
    {
        Some(_) => Ok(()),
        None => Err(unknown_obligation(agreement, obligation)),
    }
}

fn unknown_obligation(agreement: &Agreement, obligation: &ObligationId) -> Rejection {
    unknown("obligation", &format!("{}/{}", agreement.id, obligation))
}

fn result_reported(
    state: &State,
    author: &Org,
    b: &ResultReportedBody,
    date: pactlog_statement::time::Date,
) -> Result<(), Rejection> {
    let agreement = state.agreement(&b.agreement)?;
    if let Some(obligation) = &b.obligation {
        reported_obligation_exists(agreement, obligation, date)?;
    }
    may_act(author)?;
    require_party(author, &agreement.parties, agreement.id.as_ref())?;
    if state.results.contains_key(&b.result) {
        return Err(duplicate("result", b.result.as_ref()));
    }
    let Some(version) = agreement.in_force_on(date) else {
        return Err(transition(
            format!(
                "agreement {} is not in force (not signed by every party, or terminated)",
                agreement.id
            ),
            format!(
                "协议 {} 未生效（尚未经全部参与方签署，或已终止）",
                agreement.id
            ),
        ));
    };
    if b.date < version.term.start || b.date > version.term.end {
        return Err(transition(
            format!(
                "result date {} is outside the term {} – {}",
                b.date, version.term.start, version.term.end
            ),
            format!(
                "成果日期 {} 不在协议期限 {} 至 {} 之内",
                b.date, version.term.start, version.term.end
            ),
        ));
    }
    if b.date > date {
        return Err(transition(
            format!("result date {} is after the entry's date {date}", b.date),
            format!("成果日期 {} 晚于记录日期 {date}", b.date),
        ));
    }
    Ok(())
}

fn result_reviewed(
    state: &State,
    author: &Org,
    result: &pactlog_statement::ids::ResultId,
) -> Result<(), Rejection> {
    let record = state
        .results
        .get(result)
        .ok_or_else(|| unknown("result", result.as_ref()))?;
    may_act(author)?;
    let agreement = state.agreement(&record.agreement)?;
    require_party(author, &agreement.parties, agreement.id.as_ref())?;
    if record.reporter == author.id {
        return Err(not_authorized(
            "the reporter cannot confirm or dispute its own result",
            "报告方不能确认或异议自己的成果",
        ));
    }
    if record.reviews.contains_key(&author.id) {
        return Err(transition(
            format!(
                "{} has already confirmed or disputed result {}",
                author.id, record.id
            ),
            format!("{} 已对成果 {} 作出确认或异议", author.id, record.id),
        ));
    }
    Ok(())
}

fn need<'a>(state: &'a State, id: &pactlog_statement::ids::NeedId) -> Result<&'a Need, Rejection> {
    state
        .needs
        .get(id)
        .ok_or_else(|| unknown("need", id.as_ref()))
}

fn need_in(need: &Need, allowed: &[NeedStatus], act: &str, act_zh: &str) -> Result<(), Rejection> {
    if allowed.contains(&need.status) {
        Ok(())
    } else {
        Err(transition(
            format!(
                "need {} is {} and cannot be {act}",
                need.id,
                need.status.as_str()
            ),
            format!(
                "需求 {} 当前为{}，不能{act_zh}",
                need.id,
                status_zh(need.status)
            ),
        ))
    }
}

fn status_zh(status: NeedStatus) -> &'static str {
    match status {
        NeedStatus::Open => "待认领",
        NeedStatus::Claimed => "已认领",
        NeedStatus::Fulfilled => "已完成",
        NeedStatus::Closed => "已关闭",
    }
}

/// Records an accepted statement. Every lookup here succeeded in `check`, so a miss would be
/// a bug in the state machine, not bad input.
pub(crate) fn commit(state: &mut State, c: Candidate<'_>, at: At) {
    let author = c.statement.author.clone();
    match &c.statement.body {
        Body::LogGenesis(_) => unreachable!("check refuses a genesis after seq 0"),
        Body::OrgRegistered(b) => {
            for key in b.keys.iter() {
                state.keys.insert(
                    key_bytes(key),
                    KeyRecord {
                        org: b.org.clone(),
                        added: at,
                        revoked: None,
                    },
                );
            }
            state.orgs.insert(
                b.org.clone(),
                Box::new(Org {
                    id: b.org.clone(),
                    name: b.name.clone(),
                    kind: b.kind,
                    region: b.region.clone(),
                    parent: b.parent.clone(),
                    ownership: b.ownership,
                    dissolved: None,
                    registered: at,
                    updated: Vec::new(),
                    active_keys: b.keys.len(),
                }),
            );
        }
        Body::OrgUpdated(b) => {
            let org = state.orgs.get_mut(&b.org).expect("checked");
            if let Some(name) = &b.name {
                org.name = name.clone();
            }
            if let Some(region) = &b.region {
                org.region = region.clone();
            }
            if let Some(parent) = &b.parent {
                org.parent = Some(parent.clone());
            }
            if b.dissolved.is_some() {
                org.dissolved = Some(at);
            }
            org.updated.push(at);
        }
        Body::KeyAdded(b) => {
            state.keys.insert(
                key_bytes(&b.key),
                KeyRecord {
                    org: b.org.clone(),
                    added: at,
                    revoked: None,
                },
            );
            state.key_activated(&b.org);
        }
        Body::KeyRevoked(b) => {
            if let Some(record) = state.keys.get_mut(&key_bytes(&b.key)) {
                record.revoked = Some(at);
                state.key_deactivated(&b.org);
            }
        }
        Body::AgreementProposed(b) => {
            let version = new_version(
                c,
                at,
                1,
                VersionTerms {
                    title: &b.title,
                    term: b.term,
                    categories: &b.categories,
                    goals: &b.goals,
                    meetings: b.meetings,
                    obligations: &b.obligations,
                },
            );
            state.agreements.insert(
                b.agreement.clone(),
                Box::new(Agreement {
                    id: b.agreement.clone(),
                    kind: b.kind,
                    parties: b.parties.to_vec(),
                    versions: vec![version],
                    termination: None,
                }),
            );
        }
        Body::AgreementAmended(b) => {
            let version = new_version(
                c,
                at,
                b.version.get(),
                VersionTerms {
                    title: &b.title,
                    term: b.term,
                    categories: &b.categories,
                    goals: &b.goals,
                    meetings: b.meetings,
                    obligations: &b.obligations,
                },
            );
            let agreement = state.agreements.get_mut(&b.agreement).expect("checked");
            agreement.versions.push(version);
        }
        Body::AgreementSigned(b) => {
            let agreement = state.agreements.get_mut(&b.agreement).expect("checked");
            if let Some(version) = agreement.versions.last_mut() {
                version.signatures.insert(author, at);
            }
        }
        Body::AgreementTerminated(b) => {
            let agreement = state.agreements.get_mut(&b.agreement).expect("checked");
            agreement.termination = Some(Termination {
                by: author,
                reason: b.reason.clone(),
                effective: b.effective,
                at,
            });
        }
        Body::ResultReported(b) => {
            let version = state
                .agreements
                .get(&b.agreement)
                .and_then(|a| a.in_force_on(at.date()))
                .map(|v| v.version)
                .expect("checked: in force");
            state.results.insert(
                b.result.clone(),
                Box::new(ResultRecord {
                    id: b.result.clone(),
                    agreement: b.agreement.clone(),
                    version,
                    obligation: b.obligation.clone(),
                    reporter: author,
                    date: b.date,
                    category: b.category,
                    summary: b.summary.clone(),
                    metrics: metric_values(&b.metrics),
                    evidence: b.evidence.to_vec(),
                    at,
                    reviews: Reviews::default(),
                }),
            );
        }
        Body::ResultConfirmed(b) => {
            if let Some(record) = state.results.get_mut(&b.result) {
                record.reviews.insert(author, Review::Confirmed { at });
            }
        }
        Body::ResultDisputed(b) => {
            if let Some(record) = state.results.get_mut(&b.result) {
                record.reviews.insert(
                    author,
                    Review::Disputed {
                        at,
                        reason: b.reason.clone(),
                    },
                );
            }
        }
        Body::EvaluationRecorded(b) => state.evaluations.push(Evaluation {
            subject: b.subject.clone(),
            period: b.period,
            grade: b.grade,
            score: b.score.map(|s| s.get()),
            comment: b.comment.clone(),
            by: author,
            at,
        }),
        Body::CardIssued(b) => {
            state.cards.insert(
                b.card.clone(),
                Card {
                    id: b.card.clone(),
                    color: b.color,
                    agreement: b.agreement.clone(),
                    obligation: b.obligation.clone(),
                    issuer: author,
                    reason: b.reason.clone(),
                    at,
                    lifted: None,
                },
            );
        }
        Body::CardLifted(b) => {
            if let Some(card) = state.cards.get_mut(&b.card) {
                card.lifted = Some(CardLift {
                    by: author,
                    reason: b.reason.clone(),
                    at,
                });
            }
        }
        Body::NeedPosted(b) => {
            state.needs.insert(
                b.need.clone(),
                Need {
                    id: b.need.clone(),
                    poster: author,
                    title: b.title.clone(),
                    category: b.category,
                    description: b.description.clone(),
                    agreement: b.agreement.clone(),
                    posted: at,
                    status: NeedStatus::Open,
                    claim: None,
                    fulfilment: None,
                    closing: None,
                },
            );
        }
        Body::NeedClaimed(b) => {
            if let Some(need) = state.needs.get_mut(&b.need) {
                need.status = NeedStatus::Claimed;
                need.claim = Some((author, at));
            }
        }
        Body::NeedFulfilled(b) => {
            if let Some(need) = state.needs.get_mut(&b.need) {
                need.status = NeedStatus::Fulfilled;
                need.fulfilment = Some(NeedFulfilment {
                    summary: b.summary.clone(),
                    metrics: metric_values(&b.metrics),
                    at,
                });
            }
        }
        Body::NeedClosed(b) => {
            if let Some(need) = state.needs.get_mut(&b.need) {
                need.closing = Some(NeedClosing {
                    satisfied: b.satisfied,
                    rating: b.rating.map(|r| r.get()),
                    withdrawn: need.status == NeedStatus::Open,
                    at,
                });
                need.status = NeedStatus::Closed;
            }
        }
    }
}

struct VersionTerms<'a> {
    title: &'a pactlog_statement::ids::Title,
    term: Term,
    categories: &'a [pactlog_statement::ids::Category],
    goals: &'a [pactlog_statement::ids::Goal],
    meetings: Meetings,
    obligations: &'a [Obligation],
}

fn new_version(
    c: Candidate<'_>,
    at: At,
    version: u64,
    terms: VersionTerms<'_>,
) -> AgreementVersion {
    AgreementVersion {
        version,
        statement: c.id(),
        author: c.statement.author.clone(),
        at,
        title: terms.title.clone(),
        term: terms.term,
        categories: terms.categories.to_vec(),
        goals: terms.goals.to_vec(),
        meetings: terms.meetings,
        obligations: terms.obligations.to_vec(),
        // The proposal or amendment counts as its author's signature (SPEC §4).
        signatures: SmallMap::from_iter([(c.statement.author.clone(), at)]),
    }
}
