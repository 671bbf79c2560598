//! The people of an import: the users another tracker's export names (Toggl's and Clockify's
//! `User`, Harvest's `First Name` and `Last Name`), matched to the team or added to it.

use std::collections::{HashMap, HashSet};

use super::{ImportSummary, Row, invalid};
use crate::{Ctx, Result, Service};
use stint_domain::PersonId;
use stint_domain::names::name_key;
use stint_domain::people::Role;
use stint_store::people::{self, PersonFields};

impl Service {
    /// The person of each user named in `rows`, by [`name_key`] (`None`: the owner), creating
    /// the missing ones (role member, named as the file first writes them; listed in
    /// `summary.created_people`). In one transaction with the rows, so undoing the import
    /// removes them too, and a dry run creates nothing.
    ///
    /// Who a user is: the owner when the name is the owner's (`stint person edit owner
    /// --name`, setting `owner.name`), else the person of that name (case-insensitive, the
    /// rule of `create_person`, archived people too), else a new member. A database with no
    /// people besides the owner that imports a file of one user reads it as the owner's own
    /// export: a solo user's Toggl file does not make a team. A caller acting for a person
    /// (a token) keeps every row as its own, as before.
    ///
    /// # Errors
    /// A user whose name cannot be a person's (`me`, `owner`, a number): the message names
    /// the user and says what to do.
    pub(super) fn import_people(
        &self,
        ctx: &Ctx<'_>,
        rows: &[Row],
        summary: &mut ImportSummary,
    ) -> Result<HashMap<String, Option<PersonId>>> {
        let mut users: Vec<(String, &str)> = Vec::new();
        let mut keys = HashSet::new();
        for u in rows.iter().filter_map(|r| r.user.as_deref()) {
            // Rows share one copy of each name: fold each distinct text once.
            if users.last().is_some_and(|(_, last)| std::ptr::eq(*last, u)) {
                continue;
            }
            let key = name_key(u);
            if keys.insert(key.clone()) {
                users.push((key, u));
            }
        }
        let mut found = HashMap::with_capacity(users.len());
        if users.is_empty() || ctx.acting.person.is_some() || ctx.acting.role != Role::Owner {
            return Ok(found);
        }
        let owner = people::owner(ctx.tx)?;
        let solo = users.len() == 1 && people::list(ctx.tx, true)?.is_empty();
        for (key, name) in users {
            let person = if solo || key == name_key(&owner.name) {
                None
            } else if let Some(p) = people::find_by_name(ctx.tx, name)? {
                p.id
            } else {
                if summary.created_people.len() >= stint_domain::limits::MAX_IMPORT_PEOPLE {
                    return Err(invalid(format!(
                        "the file names more than {} users who are not people here; stint adds \
                         at most {} people in one import. Add the team first (`stint person \
                         add`), or split the file by user (nothing was imported)",
                        stint_domain::limits::MAX_IMPORT_PEOPLE,
                        stint_domain::limits::MAX_IMPORT_PEOPLE
                    )));
                }
                let name = crate::people::check_name(name).map_err(|e| {
                    invalid(format!(
                        "the file's user {name:?} cannot be a person ({e}); rename the user in \
                         the file, or add the person under another name first (nothing was \
                         imported)"
                    ))
                })?;
                let id = people::insert(
                    ctx.tx,
                    &PersonFields {
                        name: name.clone(),
                        email: None,
                        weekly_capacity_hours: None,
                        cost_rate: None,
                        currency: None,
                        role: Role::Member,
                        archived: false,
                    },
                    ctx.now,
                )?;
                ctx.audit("person", &[id.0], Some(&format!("{name} (import)")))?;
                summary.created_people.push(name);
                Some(id)
            };
            found.insert(key, person);
        }
        Ok(found)
    }
}
