//! The team tools for milestones and drafts (toolset `team`, see [`crate::catalog::TEAM_TOOLS`]).
//!
//! Titles, annotations and the HTTP scope of each tool come from the table in
//! [`crate::catalog`]; this module holds what each tool does.

use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::{tool, tool_router};

use crate::server::{StintServer, fail};
use stint_api::dto_team::*;

#[tool_router(router = milestones_router, vis = "pub(super)")]
impl StintServer {
    #[tool(
        name = "create_milestone",
        description = "Create a milestone of a project."
    )]
    async fn create_milestone(
        &self,
        Parameters(a): Parameters<CreateMilestoneArgs>,
    ) -> Result<Json<MilestoneResultOut>, String> {
        let m = self.svc.create_milestone(a.into()).map_err(fail)?;
        Ok(Json(MilestoneResultOut {
            milestone: (&m).into(),
        }))
    }

    #[tool(
        name = "list_milestones",
        description = "List milestones by due date, with task counts and time."
    )]
    async fn list_milestones(
        &self,
        Parameters(a): Parameters<ListMilestonesArgs>,
    ) -> Result<Json<MilestoneListOut>, String> {
        let ms = self.svc.list_milestones(a.into()).map_err(fail)?;
        Ok(Json(MilestoneListOut {
            milestones: ms.iter().map(Into::into).collect(),
        }))
    }

    #[tool(name = "update_milestone", description = "Change a milestone.")]
    async fn update_milestone(
        &self,
        Parameters(a): Parameters<UpdateMilestoneArgs>,
    ) -> Result<Json<MilestoneResultOut>, String> {
        let (m, changes) = a.into_parts();
        let m = self.svc.update_milestone(&m, None, changes).map_err(fail)?;
        Ok(Json(MilestoneResultOut {
            milestone: (&m).into(),
        }))
    }

    #[tool(
        name = "complete_milestone",
        description = "Complete a milestone and close its open tasks (one undo)."
    )]
    async fn complete_milestone(
        &self,
        Parameters(a): Parameters<CompleteMilestoneArgs>,
    ) -> Result<Json<MilestoneCompletedOut>, String> {
        let c = (self.svc)
            .complete_milestone(&a.milestone.0, None)
            .map_err(fail)?;
        Ok(Json((&c).into()))
    }

    #[tool(
        name = "list_drafts",
        description = "Drafts waiting for approval; counted nowhere yet."
    )]
    async fn list_drafts(&self) -> Result<Json<DraftsOut>, String> {
        let d = self.svc.list_drafts().map_err(fail)?;
        Ok(Json(DraftsOut::new(&d, self.svc.now())))
    }

    #[tool(
        name = "approve_drafts",
        description = "Approve drafts (these ids, else all)."
    )]
    async fn approve_drafts(
        &self,
        Parameters(a): Parameters<DraftIdsArgs>,
    ) -> Result<Json<DraftsOut>, String> {
        let d = self.svc.approve_drafts(a.into()).map_err(fail)?;
        Ok(Json(DraftsOut::new(&d, self.svc.now())))
    }

    #[tool(
        name = "discard_drafts",
        description = "Discard drafts (the ids, else all)."
    )]
    async fn discard_drafts(
        &self,
        Parameters(a): Parameters<DraftIdsArgs>,
    ) -> Result<Json<DraftsOut>, String> {
        let d = self.svc.discard_drafts(a.into()).map_err(fail)?;
        Ok(Json(DraftsOut::new(&d, self.svc.now())))
    }
}
