//! Diagnostic tools that the MCP conformance suite's `server-stateless` scenario calls to
//! exercise protocol rules a time tracker never triggers on its own: refusing a call that needs
//! a capability the client did not declare (`-32021`, HTTP 400), a response stream with no
//! independent requests, and no log notifications without `_meta` `logLevel`.
//!
//! They are served only when the environment variable `STINT_CONFORMANCE_FIXTURES` is `1`
//! (scripts/conformance.sh sets it), then to every caller (they read and write nothing); they
//! are not in the catalogue table, and the default `tools/list` never shows them.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{CallToolResult, ClientCapabilities, ContentBlock};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, tool, tool_router};

use super::StintServer;

/// The environment variable that turns the diagnostic tools on.
pub(crate) const ENV: &str = "STINT_CONFORMANCE_FIXTURES";

/// Whether this process serves the diagnostic tools.
pub(crate) fn enabled() -> bool {
    std::env::var(ENV).is_ok_and(|v| v == "1")
}

/// The names of the diagnostic tools.
pub(crate) const FIXTURES: [&str; 3] = [
    "test_missing_capability",
    "test_streaming_elicitation",
    "test_logging_tool",
];

/// Whether `tool` is one of the diagnostic tools.
pub(crate) fn is_fixture(tool: &str) -> bool {
    FIXTURES.contains(&tool)
}

#[tool_router(router = conformance_router, vis = "pub(crate)")]
impl StintServer {
    #[tool(
        name = "test_missing_capability",
        description = "Conformance diagnostic: needs the client's sampling capability and is refused with -32021 without it."
    )]
    async fn test_missing_capability(
        &self,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let declared = context
            .client_capabilities()
            .is_some_and(|c| c.sampling.is_some());
        if !declared {
            // The suite names sampling, deprecated by SEP-2577 but still a client capability.
            #[allow(deprecated)]
            return Err(ErrorData::missing_required_client_capability(
                ClientCapabilities::builder().enable_sampling().build(),
            ));
        }
        Ok(CallToolResult::success(vec![ContentBlock::text(
            "the client declared sampling",
        )]))
    }

    #[tool(
        name = "test_streaming_elicitation",
        description = "Conformance diagnostic: answers on the request's own stream without sending the client any request."
    )]
    async fn test_streaming_elicitation(&self) -> Result<CallToolResult, ErrorData> {
        Ok(CallToolResult::success(vec![ContentBlock::text(
            "stint never sends requests to the client while answering one",
        )]))
    }

    #[tool(
        name = "test_logging_tool",
        description = "Conformance diagnostic: stint sends no log notifications; its logs go to stderr."
    )]
    async fn test_logging_tool(&self) -> Result<CallToolResult, ErrorData> {
        Ok(CallToolResult::success(vec![ContentBlock::text(
            "no log notifications: stint logs to stderr only",
        )]))
    }
}

/// The diagnostic tools as a router to merge into the server's.
pub(crate) fn router() -> ToolRouter<StintServer> {
    StintServer::conformance_router()
}
