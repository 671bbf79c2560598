//! Which project a name means when two clients each have one of that name, and whether a new
//! track or expense repeats one that is already recorded.
//!
//! Project names are unique per client (migration V1: two clients may each have a "Support"),
//! so a name alone can be ambiguous; the tools that place work on a project (`create_track`,
//! `start_timer`, `update_track`, `list_tracks`) take `client` to pick among them. An exact
//! repeat of a track or an expense (an assistant sending the same call twice without a
//! `request_id`) is refused with the id of the one recorded, unless the caller says it is meant
//! (`allow_duplicate`).

use super::catalog::{as_id, resolve_client, resolve_project};
use super::{Ctx, Result, ServiceError};
use stint_domain::ProjectId;
use stint_domain::msg;
use stint_domain::words::{Act, Arg, Name};
use stint_store::projects;

/// Most projects of a client an unknown-name error lists.
const MAX_LISTED: usize = 10;

/// The project reference to resolve for `project` sent with `client`: with a client, the id
/// (as text) of the client's project of that id or name; without one, `project` as sent, after
/// checking that a name is not ambiguous. Blank `project` is `None` (no project), unless a
/// client was sent.
///
/// # Errors
/// [`ServiceError::Conflict`] for a client without a project, or a project id of another
/// client; [`ServiceError::NotFound`] for an unknown client, or a project the client does not have
/// (listing its projects); [`ServiceError::Ambiguous`] for a name that several clients' projects
/// share, sent without a client (listing each with its id and client).
pub(crate) fn project_within(
    ctx: &Ctx<'_>,
    project: Option<&str>,
    client: Option<&str>,
) -> Result<Option<String>> {
    let project = project.map(str::trim).filter(|p| !p.is_empty());
    let client = client.map(str::trim).filter(|c| !c.is_empty());
    match (project, client) {
        (None, None) => Ok(None),
        (None, Some(c)) => Err(ServiceError::Conflict(msg![
            "client ",
            Name(c),
            " picks among projects of one name; give the ",
            Arg::Project,
            " too",
        ])),
        (Some(p), None) => match resolve_project(ctx, p) {
            Err(ServiceError::Ambiguous(m)) => Err(ServiceError::Ambiguous(msg![
                m,
                "; or give the ",
                Arg::Client,
                " to say whose",
            ])),
            // Unknown names go on as sent: a caller that creates missing projects creates it.
            _ => Ok(Some(p.to_owned())),
        },
        (Some(p), Some(c)) => {
            let client = resolve_client(ctx, c)?;
            if let Some(id) = as_id(p)
                && let Some(found) = projects::get(ctx.tx, ProjectId(id))?
            {
                if found.client_id == Some(client.id) {
                    return Ok(Some(found.id.0.to_string()));
                }
                return Err(ServiceError::Conflict(msg![
                    format!("project {} is ", found.id),
                    Name(found.label()),
                    ", not a project of client ",
                    Name(client.name.as_str()),
                    "; give the right pair, or leave the ",
                    Arg::Client,
                    " out",
                ]));
            }
            let found = projects::find_by_name(ctx.tx, p)?
                .into_iter()
                .find(|x| x.client_id == Some(client.id));
            match found {
                Some(x) => Ok(Some(x.id.0.to_string())),
                None => {
                    let own = projects::list(
                        ctx.tx,
                        &projects::ProjectFilter {
                            client_id: Some(client.id),
                            include_archived: false,
                            ..Default::default()
                        },
                        None,
                        MAX_LISTED + 1,
                    )?;
                    let names = own
                        .iter()
                        .take(MAX_LISTED)
                        .map(|x| format!("{:?}", x.name))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let listed = match own.len() {
                        0 => "it has none yet".to_owned(),
                        n if n > MAX_LISTED => format!("its projects include {names}"),
                        _ => format!("its projects: {names}"),
                    };
                    Err(ServiceError::NotFound(msg![
                        "client ",
                        Name(client.name.as_str()),
                        " has no project named or numbered ",
                        Name(p),
                        format!("; {listed}. Give one of those, or create it with "),
                        Act::CreateProject,
                    ]))
                }
            }
        }
    }
}

/// The refusal of an exact repeat of `what` (`"track"`, `"expense"`) recorded as `id`.
pub(crate) fn duplicate(what: &str, id: i64, edit: Act) -> ServiceError {
    ServiceError::Conflict(msg![
        format!(
            "this {what} is already recorded as {what} {id} (same project, {}, description); \
             nothing was added. If it really happened twice, give ",
            if what == "track" {
                "start, end"
            } else {
                "date, amount, currency"
            }
        ),
        Arg::AllowDuplicate,
        "; to change the one recorded, use ",
        edit,
    ])
}
