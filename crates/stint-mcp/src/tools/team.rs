//! People and utilization (toolset `team`). Listed only where a team exists (a person
//! besides the owner, or a token speaking for one) or when asked for (`--toolsets team`);
//! always callable, so an assistant can add the first person.
//!
//! Titles, annotations and the HTTP scope of each tool come from the table in
//! [`crate::catalog`]; this module holds what each tool does.

use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::{tool, tool_router};

use crate::server::{StintServer, fail};
use stint_api::dto_people::*;

#[tool_router(router = team_router, vis = "pub(super)")]
impl StintServer {
    #[tool(name = "create_person", description = "Add a person to the team.")]
    async fn create_person(
        &self,
        Parameters(a): Parameters<CreatePersonArgs>,
    ) -> Result<Json<PersonResultOut>, String> {
        let p = self.svc.create_person(a.into()).map_err(fail)?;
        Ok(Json(PersonResultOut {
            person: (&p).into(),
        }))
    }

    #[tool(name = "list_people", description = "List the team.")]
    async fn list_people(
        &self,
        Parameters(a): Parameters<ListPeopleArgs>,
    ) -> Result<Json<PeopleOut>, String> {
        let people = (self.svc)
            .list_people(a.archived.unwrap_or(false))
            .map_err(fail)?;
        Ok(Json(PeopleOut {
            people: people.iter().map(Into::into).collect(),
        }))
    }

    #[tool(name = "update_person", description = "Change a person.")]
    async fn update_person(
        &self,
        Parameters(a): Parameters<UpdatePersonArgs>,
    ) -> Result<Json<PersonResultOut>, String> {
        let (who, changes) = a.into_parts();
        let p = self.svc.update_person(&who, changes).map_err(fail)?;
        Ok(Json(PersonResultOut {
            person: (&p).into(),
        }))
    }

    #[tool(
        name = "delete_person",
        description = "Delete a person who has no tracks."
    )]
    async fn delete_person(
        &self,
        Parameters(a): Parameters<PersonArgs>,
    ) -> Result<Json<PersonResultOut>, String> {
        let p = self.svc.delete_person(&a.person.0).map_err(fail)?;
        Ok(Json(PersonResultOut {
            person: (&p).into(),
        }))
    }

    #[tool(
        name = "utilization",
        description = "Utilization per person; cost and margin per project."
    )]
    async fn utilization(
        &self,
        Parameters(a): Parameters<UtilizationArgs>,
    ) -> Result<Json<UtilizationOut>, String> {
        let u = (self.svc)
            .utilization(a.from.as_deref(), a.to.as_deref(), a.person.as_deref())
            .map_err(fail)?;
        Ok(Json((&u).into()))
    }
}
