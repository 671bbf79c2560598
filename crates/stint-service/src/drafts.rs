//! Drafts: an assistant proposes, a person decides (issue 21, item 7; docs/rules.md, "Drafts").
//!
//! A caller in drafts mode (a token created `--drafts`, or `stint mcp --drafts`; see
//! [`crate::Caller::drafts`]) writes tracks and expenses as drafts:
//! - a track or expense it creates is a draft (a timer it starts too: its track stays a draft
//!   when stopped);
//! - an edit of an approved track or expense (a stop of an approved timer included) is held back
//!   as a draft of the change: a draft row with `draft_of` naming the original, which stays as
//!   it was and counted until the draft is approved; further edits change that one draft;
//! - an edit of a draft changes the draft; deleting an approved track or expense is refused
//!   (a person deletes it), deleting a draft is allowed.
//!
//! Drafts are listed with the person's tracks and expenses (marked `draft`) but counted in no
//! total, report, budget, unbilled summary, invoice or export until approved. Approving a new
//! draft makes it an ordinary row; approving a held edit writes it onto the original (refused
//! while the original is on an invoice) and removes the draft. Each approve or discard is one
//! change in the change log, so one undo reverts it whole. A caller in drafts mode cannot
//! approve.
//!
//! Drafts are not yet per person: every draft is the owner's (the seam for people is
//! [`DraftSelection`], which would gain a person).

use super::tracks::{ensure_not_invoiced, load_track};
use super::{Ctx, Result, Service, ServiceError};
use stint_domain::entities::{Expense, Track};
use stint_domain::msg;
use stint_domain::{ExpenseId, TagId, TrackId};
use stint_store::expenses;
use stint_store::tracks::{self, TrackFields};

/// Most drafts of each kind one call lists, approves or discards; the rest wait for the next
/// call (the answer says how many remain).
pub const MAX_DRAFTS_PER_CALL: usize = 500;

/// Which drafts a call means: track and expense ids; both empty means every draft.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftSelection {
    pub tracks: Vec<i64>,
    pub expenses: Vec<i64>,
}

impl DraftSelection {
    /// Whether the selection names no id (every draft).
    pub(crate) fn is_all(&self) -> bool {
        self.tracks.is_empty() && self.expenses.is_empty()
    }
}

/// Drafts listed, approved or discarded: at most [`MAX_DRAFTS_PER_CALL`] of each kind, oldest
/// first, and how many drafts are left (not in this answer) after the call.
#[derive(Debug, Clone, Default)]
pub struct Drafts {
    /// Tracks: after an approval, as they are now counted (a held edit shows as the original
    /// it changed).
    pub tracks: Vec<Track>,
    pub expenses: Vec<Expense>,
    /// Drafts not in this answer: listed, those past the cap; approved or discarded, those
    /// still waiting.
    pub remaining: i64,
}

/// What to edit when a caller changes `track`: in drafts mode, the draft already holding back
/// an edit of an approved track (so edits add up), else the track itself.
pub(crate) fn edit_base(ctx: &Ctx<'_>, track: &Track) -> Result<Track> {
    if ctx.drafts()
        && !track.draft
        && let Some(id) = tracks::draft_edit_of(ctx.tx, track.id)?
    {
        return load_track(ctx, id.0);
    }
    Ok(track.clone())
}

/// Writes `f` (and `tags`, when given) as the new state of `base` and returns the id of the
/// row written: `base` itself, or in drafts mode for an approved `base` a new draft holding
/// the edit back (with `base`'s tags unless `tags` are given).
pub(crate) fn write_track_edit(
    ctx: &Ctx<'_>,
    base: &Track,
    f: &TrackFields,
    tags: Option<&[TagId]>,
) -> Result<TrackId> {
    if !ctx.drafts() || base.draft {
        tracks::update(ctx.tx, base.id, f, ctx.now)?;
        if let Some(tags) = tags {
            tracks::set_tags(ctx.tx, base.id, tags)?;
        }
        return Ok(base.id);
    }
    let held = TrackFields {
        draft: true,
        draft_of: Some(base.id),
        ..f.clone()
    };
    let id = tracks::insert(ctx.tx, &held, ctx.now)?;
    let kept: Vec<TagId> = base.tags.iter().map(|(id, _)| *id).collect();
    tracks::set_tags(ctx.tx, id, tags.unwrap_or(&kept))?;
    Ok(id)
}

/// Refuses, in drafts mode, to delete an approved track (a person deletes it).
pub(crate) fn may_delete_track(ctx: &Ctx<'_>, track: &Track) -> Result<()> {
    if ctx.drafts() && !track.draft {
        return Err(ServiceError::Conflict(msg![format!(
            "track {} is approved, and this session writes drafts: it cannot delete approved \
             tracks; ask the person to delete it (stint delete {}), or propose an edit instead",
            track.id, track.id
        )]));
    }
    Ok(())
}

/// What to edit when a caller changes expense `e`: in drafts mode, the draft already holding
/// back an edit of an approved expense, else `e`.
pub(crate) fn expense_edit_base(ctx: &Ctx<'_>, e: Expense) -> Result<Expense> {
    if ctx.drafts()
        && !e.draft
        && let Some(id) = expenses::draft_edit_of(ctx.tx, e.id)?
        && let Some(held) = expenses::get(ctx.tx, id)?
    {
        return Ok(held);
    }
    Ok(e)
}

/// Writes expense `e` (every field but its invoice) and returns the id of the row written:
/// `e` itself, or in drafts mode for an approved `e` a new draft holding the edit back.
pub(crate) fn write_expense_edit(ctx: &Ctx<'_>, e: &Expense) -> Result<ExpenseId> {
    if !ctx.drafts() || e.draft {
        expenses::update(ctx.tx, e, ctx.now)?;
        return Ok(e.id);
    }
    let held = Expense {
        draft: true,
        draft_of: Some(e.id),
        ..e.clone()
    };
    Ok(expenses::insert(ctx.tx, &held, ctx.now)?)
}

/// Refuses, in drafts mode, to delete an approved expense.
pub(crate) fn may_delete_expense(ctx: &Ctx<'_>, e: &Expense) -> Result<()> {
    if ctx.drafts() && !e.draft {
        return Err(ServiceError::Conflict(msg![format!(
            "expense {} is approved, and this session writes drafts: it cannot delete approved \
             expenses; ask the person to delete it (stint expense delete {})",
            e.id, e.id
        )]));
    }
    Ok(())
}

/// The drafts `sel` names (every draft when it names none), at most `limit` of each kind.
///
/// # Errors
/// [`ServiceError::NotFound`] for an id that is not a draft.
fn selected(
    ctx: &Ctx<'_>,
    sel: &DraftSelection,
    limit: usize,
) -> Result<(Vec<Track>, Vec<Expense>)> {
    if sel.tracks.len() > MAX_DRAFTS_PER_CALL || sel.expenses.len() > MAX_DRAFTS_PER_CALL {
        return Err(stint_domain::DomainError::Invalid(
            format!(
                "at most {MAX_DRAFTS_PER_CALL} track ids and {MAX_DRAFTS_PER_CALL} expense ids \
                 at once; give the rest next time, or no ids for every draft"
            )
            .into(),
        )
        .into());
    }
    if sel.is_all() {
        return Ok((
            tracks::drafts(ctx.tx, &[], limit)?,
            expenses::drafts(ctx.tx, &[], limit)?,
        ));
    }
    let track_ids: Vec<TrackId> = sel.tracks.iter().copied().map(TrackId).collect();
    let expense_ids: Vec<ExpenseId> = sel.expenses.iter().copied().map(ExpenseId).collect();
    let ts = if track_ids.is_empty() {
        Vec::new()
    } else {
        tracks::drafts(ctx.tx, &track_ids, limit)?
    };
    let es = if expense_ids.is_empty() {
        Vec::new()
    } else {
        expenses::drafts(ctx.tx, &expense_ids, limit)?
    };
    let missing_tracks: Vec<String> = track_ids
        .iter()
        .filter(|id| !ts.iter().any(|t| t.id == **id))
        .map(ToString::to_string)
        .collect();
    let missing_expenses: Vec<String> = expense_ids
        .iter()
        .filter(|id| !es.iter().any(|e| e.id == **id))
        .map(ToString::to_string)
        .collect();
    if !missing_tracks.is_empty() || !missing_expenses.is_empty() {
        let mut what = Vec::new();
        if !missing_tracks.is_empty() {
            what.push(format!("tracks {}", missing_tracks.join(", ")));
        }
        if !missing_expenses.is_empty() {
            what.push(format!("expenses {}", missing_expenses.join(", ")));
        }
        return Err(ServiceError::NotFound(
            format!(
                "{} are not drafts (approved already, discarded, or no such id); list the \
                 drafts with list_drafts (stint drafts)",
                what.join(" and ")
            )
            .into(),
        ));
    }
    Ok((ts, es))
}

/// How many drafts there are in all.
fn draft_count(ctx: &Ctx<'_>) -> Result<i64> {
    Ok(tracks::draft_count(ctx.tx)? + expenses::draft_count(ctx.tx)?)
}

fn refuse_in_drafts_mode(ctx: &Ctx<'_>, what: &str) -> Result<()> {
    if ctx.drafts() {
        return Err(ServiceError::Conflict(
            format!(
                "this session writes drafts, so it cannot {what} them: a person decides (stint \
                 drafts approve, or a token without --drafts)"
            )
            .into(),
        ));
    }
    Ok(())
}

/// Approves draft track `d`; returns the track now counted.
fn approve_track(ctx: &Ctx<'_>, d: &Track) -> Result<TrackId> {
    let Some(original) = d.draft_of else {
        tracks::set_draft(ctx.tx, d.id, false, ctx.now)?;
        return Ok(d.id);
    };
    let o = load_track(ctx, original.0)?;
    ensure_not_invoiced(ctx, &o, "changed by approving a draft")?;
    let f = TrackFields {
        draft: false,
        draft_of: None,
        ..TrackFields::from(d)
    };
    tracks::update(ctx.tx, o.id, &f, ctx.now)?;
    let tags: Vec<TagId> = d.tags.iter().map(|(id, _)| *id).collect();
    tracks::set_tags(ctx.tx, o.id, &tags)?;
    tracks::delete(ctx.tx, d.id)?;
    Ok(o.id)
}

/// Approves draft expense `d`; returns the expense now counted.
fn approve_expense(ctx: &Ctx<'_>, d: &Expense) -> Result<ExpenseId> {
    let Some(original) = d.draft_of else {
        expenses::set_draft(ctx.tx, d.id, false, ctx.now)?;
        return Ok(d.id);
    };
    let Some(o) = expenses::get(ctx.tx, original)? else {
        return Err(ServiceError::NotFound(
            format!("expense {original}, which draft {} changes, is gone", d.id).into(),
        ));
    };
    super::expenses::unlocked(ctx, &o, "changed by approving a draft")?;
    expenses::update(
        ctx.tx,
        &Expense {
            id: o.id,
            ..d.clone()
        },
        ctx.now,
    )?;
    expenses::delete(ctx.tx, d.id)?;
    Ok(o.id)
}

impl Service {
    /// Drafts waiting for a person, oldest first: at most [`MAX_DRAFTS_PER_CALL`] tracks and
    /// as many expenses, and how many more there are.
    pub fn list_drafts(&self) -> Result<Drafts> {
        self.read(|ctx| {
            let (tracks, expenses) =
                selected(ctx, &DraftSelection::default(), MAX_DRAFTS_PER_CALL)?;
            let shown = i64::try_from(tracks.len() + expenses.len()).unwrap_or(i64::MAX);
            Ok(Drafts {
                remaining: draft_count(ctx)? - shown,
                tracks,
                expenses,
            })
        })
    }

    /// Approves the drafts `sel` names (every draft, up to [`MAX_DRAFTS_PER_CALL`] of each
    /// kind, when it names none), as one change: from now on they count in every total. A
    /// held edit is written onto its original. Answers the tracks and expenses as they now
    /// count.
    ///
    /// # Errors
    /// A caller in drafts mode; an id that is not a draft; a held edit of a track or expense
    /// that an invoice holds since (nothing is approved then).
    pub fn approve_drafts(&self, sel: DraftSelection) -> Result<Drafts> {
        self.write("approve_drafts", |ctx| {
            refuse_in_drafts_mode(ctx, "approve")?;
            let (ts, es) = selected(ctx, &sel, MAX_DRAFTS_PER_CALL)?;
            let mut track_ids = Vec::new();
            for d in &ts {
                track_ids.push(approve_track(ctx, d)?);
            }
            let mut expense_ids = Vec::new();
            for d in &es {
                expense_ids.push(approve_expense(ctx, d)?);
            }
            let ids: Vec<i64> = track_ids
                .iter()
                .map(|t| t.0)
                .chain(expense_ids.iter().map(|e| e.0))
                .collect();
            ctx.audit(
                "draft",
                &ids,
                Some(&format!(
                    "approved {} tracks, {} expenses",
                    ts.len(),
                    es.len()
                )),
            )?;
            Ok(Drafts {
                tracks: track_ids
                    .iter()
                    .map(|id| load_track(ctx, id.0))
                    .collect::<Result<_>>()?,
                expenses: expense_ids
                    .iter()
                    .filter_map(|id| expenses::get(ctx.tx, *id).transpose())
                    .collect::<std::result::Result<_, _>>()?,
                remaining: draft_count(ctx)?,
            })
        })
    }

    /// Discards the drafts `sel` names (every draft, up to [`MAX_DRAFTS_PER_CALL`] of each
    /// kind, when it names none), as one change; a held edit's original stays as it was.
    /// Answers the drafts as they were.
    ///
    /// # Errors
    /// An id that is not a draft.
    pub fn discard_drafts(&self, sel: DraftSelection) -> Result<Drafts> {
        self.write("discard_drafts", |ctx| {
            let (ts, es) = selected(ctx, &sel, MAX_DRAFTS_PER_CALL)?;
            for d in &ts {
                tracks::delete(ctx.tx, d.id)?;
            }
            for d in &es {
                expenses::delete(ctx.tx, d.id)?;
            }
            let ids: Vec<i64> = ts
                .iter()
                .map(|t| t.id.0)
                .chain(es.iter().map(|e| e.id.0))
                .collect();
            ctx.audit(
                "draft",
                &ids,
                Some(&format!(
                    "discarded {} tracks, {} expenses",
                    ts.len(),
                    es.len()
                )),
            )?;
            Ok(Drafts {
                tracks: ts,
                expenses: es,
                remaining: draft_count(ctx)?,
            })
        })
    }
}
