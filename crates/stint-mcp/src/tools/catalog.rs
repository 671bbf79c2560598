//! Projects, tags and clients: create, list, get, update, delete.
//!
//! Titles, annotations and the HTTP scope of each tool come from the table in
//! [`crate::catalog`]; this module holds what each tool does.

use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::{tool, tool_router};

use crate::server::{StintServer, fail};
use stint_api::dto::*;
use stint_api::dto_changes::Replayable;
use stint_service::{DeleteClient, DeleteProject, DeleteTag, ListClients, ListProjects, ListTags};

#[tool_router(router = catalog_router, vis = "pub(super)")]
impl StintServer {
    #[tool(
        name = "create_project",
        description = "Create a project, optionally for a client, with rate, currency and budget."
    )]
    async fn create_project(
        &self,
        Parameters(a): Parameters<CreateProjectArgs>,
    ) -> Result<Json<Replayable<ProjectResultOut>>, String> {
        let rid = a.request_id.clone();
        let (p, replayed) = (self.svc)
            .once(rid.as_deref(), |s| s.create_project(a.into()))
            .map_err(fail)?;
        let project = (&p).into();
        Ok(crate::replayable(ProjectResultOut { project }, replayed))
    }

    #[tool(
        name = "list_projects",
        description = "List projects by name, of a client or all, archived ones on request."
    )]
    async fn list_projects(
        &self,
        Parameters(a): Parameters<ListProjectsArgs>,
    ) -> Result<Json<ProjectPageOut>, String> {
        let page = self
            .svc
            .list_projects(ListProjects {
                client: a.client.map(|r| r.0),
                include_archived: a.include_archived.unwrap_or(false),
                search: a.search,
                limit: a.limit,
                cursor: a.cursor,
            })
            .map_err(fail)?;
        Ok(Json(ProjectPageOut {
            projects: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    #[tool(
        name = "get_project",
        description = "Get one project by id or exact name."
    )]
    async fn get_project(
        &self,
        Parameters(a): Parameters<ProjectRefArgs>,
    ) -> Result<Json<ProjectResultOut>, String> {
        let p = self.svc.get_project(&a.project.0).map_err(fail)?;
        Ok(Json(ProjectResultOut {
            project: (&p).into(),
        }))
    }

    #[tool(
        name = "update_project",
        description = "Change a project's fields, budget or archived flag."
    )]
    async fn update_project(
        &self,
        Parameters(a): Parameters<UpdateProjectArgs>,
    ) -> Result<Json<ProjectResultOut>, String> {
        let (project, changes) = a.into_parts();
        let p = self.svc.update_project(&project, changes).map_err(fail)?;
        Ok(Json(ProjectResultOut {
            project: (&p).into(),
        }))
    }

    #[tool(
        name = "delete_project",
        description = "Delete a project without tracks, or archive it with `archive` to keep its tracks."
    )]
    async fn delete_project(
        &self,
        Parameters(a): Parameters<DeleteProjectArgs>,
    ) -> Result<Json<DeletedOut>, String> {
        let d = self
            .svc
            .delete_project(DeleteProject {
                project: a.project.0,
                archive: a.archive.unwrap_or(false),
            })
            .map_err(fail)?;
        Ok(Json(d.into()))
    }

    #[tool(
        name = "create_tag",
        description = "Create a tag to label tracks, such as \"meeting\" or \"review\"."
    )]
    async fn create_tag(
        &self,
        Parameters(a): Parameters<CreateTagArgs>,
    ) -> Result<Json<Replayable<TagResultOut>>, String> {
        let (t, replayed) = (self.svc)
            .once(a.request_id.as_deref(), |s| s.create_tag(&a.name))
            .map_err(fail)?;
        Ok(crate::replayable(
            TagResultOut { tag: (&t).into() },
            replayed,
        ))
    }

    #[tool(
        name = "list_tags",
        description = "List tags by name with how many tracks carry each, one page at a time."
    )]
    async fn list_tags(
        &self,
        Parameters(a): Parameters<ListTagsArgs>,
    ) -> Result<Json<TagPageOut>, String> {
        let page = self
            .svc
            .list_tags(ListTags {
                search: a.search,
                limit: a.limit,
                cursor: a.cursor,
            })
            .map_err(fail)?;
        Ok(Json(TagPageOut {
            tags: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    #[tool(name = "update_tag", description = "Rename a tag.")]
    async fn update_tag(
        &self,
        Parameters(a): Parameters<UpdateTagArgs>,
    ) -> Result<Json<TagResultOut>, String> {
        let t = self.svc.update_tag(&a.tag.0, &a.name).map_err(fail)?;
        Ok(Json(TagResultOut { tag: (&t).into() }))
    }

    #[tool(
        name = "delete_tag",
        description = "Delete a tag; a tag in use needs `force`, which removes it from its tracks."
    )]
    async fn delete_tag(
        &self,
        Parameters(a): Parameters<DeleteTagArgs>,
    ) -> Result<Json<DeletedOut>, String> {
        let d = self
            .svc
            .delete_tag(DeleteTag {
                tag: a.tag.0,
                force: a.force.unwrap_or(false),
            })
            .map_err(fail)?;
        Ok(Json(d.into()))
    }

    #[tool(
        name = "create_client",
        description = "Create a client with contact details, rate and currency."
    )]
    async fn create_client(
        &self,
        Parameters(a): Parameters<CreateClientArgs>,
    ) -> Result<Json<Replayable<ClientResultOut>>, String> {
        let rid = a.request_id.clone();
        let (c, replayed) = (self.svc)
            .once(rid.as_deref(), |s| s.create_client(a.into()))
            .map_err(fail)?;
        let client = (&c).into();
        Ok(crate::replayable(ClientResultOut { client }, replayed))
    }

    #[tool(
        name = "list_clients",
        description = "List clients by name, archived ones on request."
    )]
    async fn list_clients(
        &self,
        Parameters(a): Parameters<ListClientsArgs>,
    ) -> Result<Json<ClientPageOut>, String> {
        let page = self
            .svc
            .list_clients(ListClients {
                include_archived: a.include_archived.unwrap_or(false),
                search: a.search,
                limit: a.limit,
                cursor: a.cursor,
            })
            .map_err(fail)?;
        Ok(Json(ClientPageOut {
            clients: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    #[tool(
        name = "get_client",
        description = "Get one client by id or exact name."
    )]
    async fn get_client(
        &self,
        Parameters(a): Parameters<ClientRefArgs>,
    ) -> Result<Json<ClientResultOut>, String> {
        let c = self.svc.get_client(&a.client.0).map_err(fail)?;
        Ok(Json(ClientResultOut {
            client: (&c).into(),
        }))
    }

    #[tool(
        name = "update_client",
        description = "Change a client's fields or archived flag."
    )]
    async fn update_client(
        &self,
        Parameters(a): Parameters<UpdateClientArgs>,
    ) -> Result<Json<ClientResultOut>, String> {
        let (client, changes) = a.into_parts();
        let c = self.svc.update_client(&client, changes).map_err(fail)?;
        Ok(Json(ClientResultOut {
            client: (&c).into(),
        }))
    }

    #[tool(
        name = "delete_client",
        description = "Delete a client without tracks or issued invoices, or archive it with `archive`."
    )]
    async fn delete_client(
        &self,
        Parameters(a): Parameters<DeleteClientArgs>,
    ) -> Result<Json<DeletedOut>, String> {
        let d = self
            .svc
            .delete_client(DeleteClient {
                client: a.client.0,
                archive: a.archive.unwrap_or(false),
            })
            .map_err(fail)?;
        Ok(Json(d.into()))
    }
}
