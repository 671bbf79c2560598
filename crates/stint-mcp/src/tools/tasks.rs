//! Tasks under projects: create, list, update, delete (toolset `catalog`, in a module of their
//! own).
//!
//! Titles, annotations and the HTTP scope of each tool come from the table in
//! [`crate::catalog`]; this module holds what each tool does.

use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::{tool, tool_router};

use crate::server::{StintServer, fail};
use stint_api::dto_changes::Replayable;
use stint_api::dto_tasks::*;

#[tool_router(router = tasks_router, vis = "pub(super)")]
impl StintServer {
    #[tool(name = "create_task", description = "Create a task under a project.")]
    async fn create_task(
        &self,
        Parameters(a): Parameters<CreateTaskArgs>,
    ) -> Result<Json<Replayable<TaskResultOut>>, String> {
        let rid = a.request_id.clone();
        let assignee = a.assignee.clone();
        let (k, replayed) = (self.svc)
            .once(rid.as_deref(), |s| {
                s.create_task_for(a.into(), assignee.as_deref())
            })
            .map_err(fail)?;
        Ok(crate::replayable(
            TaskResultOut { task: (&k).into() },
            replayed,
        ))
    }

    #[tool(name = "list_tasks", description = "List tasks with time tracked.")]
    async fn list_tasks(
        &self,
        Parameters(a): Parameters<ListTasksArgs>,
    ) -> Result<Json<TaskPageOut>, String> {
        let assignee = a.assignee.clone();
        let page = (self.svc)
            .list_tasks_for(a.into(), assignee.as_deref())
            .map_err(fail)?;
        Ok(Json(TaskPageOut {
            tasks: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    #[tool(name = "update_task", description = "Change a task.")]
    async fn update_task(
        &self,
        Parameters(a): Parameters<UpdateTaskArgs>,
    ) -> Result<Json<TaskResultOut>, String> {
        let assignee = a.assignee.clone();
        let (task, project, changes) = a.into_parts();
        let k = (self.svc)
            .update_task_for(&task, project.as_deref(), changes, assignee.as_deref())
            .map_err(fail)?;
        Ok(Json(TaskResultOut { task: (&k).into() }))
    }

    #[tool(
        name = "delete_task",
        description = "Delete a task; with tracks, only with `force`."
    )]
    async fn delete_task(
        &self,
        Parameters(a): Parameters<DeleteTaskArgs>,
    ) -> Result<Json<TaskDeletedOut>, String> {
        let d = self.svc.delete_task(a.into()).map_err(fail)?;
        Ok(Json(TaskDeletedOut { deleted: d.into() }))
    }
}
