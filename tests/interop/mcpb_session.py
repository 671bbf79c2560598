#!/usr/bin/env python3
"""Interop check: run the server inside an unpacked MCP Bundle the way Claude Desktop does.

Reads DIR/manifest.json, takes `server.mcp_config` (with the `platform_overrides` entry of this
platform), substitutes `${__dirname}` with DIR and `${user_config.database}` with the setting's
default (its `${HOME}` being a fresh home folder in WORKDIR, as if the person kept the default),
and starts that command with those args and env through the official MCP Python SDK. Then:
  1. initialize: serverInfo is stint, at the manifest's version;
  2. tools/list and prompts/list name exactly the manifest's tools and prompts;
  3. create_track, then list_tracks finds it (same id, description, duration);
  4. the database is the file the default names (created on first use, folders too).

Usage:  python mcpb_session.py DIR [WORKDIR]   (needs `mcp==2.3.0`)
Prints one line per step and ends with "N passed, M failed"; exits 1 when anything failed.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback

import anyio
from mcp import Client, StdioServerParameters

from checks import Checks, text_of

C = Checks()


def substitute(value: str, variables: dict[str, str]) -> str:
    for name, replacement in variables.items():
        value = value.replace("${" + name + "}", replacement)
    return value


def launch(bundle: str, home: str) -> tuple[StdioServerParameters, str, dict]:
    """The command Claude Desktop would start for the bundle at `bundle`, the database path it
    would pass, and the manifest."""
    with open(os.path.join(bundle, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    config = dict(manifest["server"]["mcp_config"])
    platform = "win32" if sys.platform.startswith("win") else sys.platform
    override = config.pop("platform_overrides", {}).get(platform, {})
    config.update(override)
    database = substitute(manifest["user_config"]["database"]["default"], {"HOME": home})
    variables = {"__dirname": bundle, "user_config.database": database, "HOME": home}
    command = substitute(config["command"], variables)
    args = [substitute(a, variables) for a in config.get("args", [])]
    env = {k: substitute(v, variables) for k, v in config.get("env", {}).items()}
    # What the app's own environment adds: a PATH and the person's home.
    env.update(PATH=os.environ.get("PATH", "/usr/bin:/bin"), HOME=home)
    return StdioServerParameters(command=command, args=args, env=env), database, manifest


async def session(bundle: str, workdir: str) -> None:
    home = os.path.join(workdir, "home")
    os.makedirs(home, exist_ok=True)
    params, database, manifest = launch(bundle, home)
    C.step("the manifest's command is the bundled binary")
    C.check(os.path.isfile(params.command) and os.access(params.command, os.X_OK),
            "the command is an executable file inside the bundle", params.command)
    C.equal(os.path.commonpath([params.command, bundle]), bundle, "the command lies in the bundle")
    C.equal(params.args, ["mcp"], "args are ['mcp']")
    C.equal(params.env.get("STINT_DB"), database, "STINT_DB is the database setting")

    C.step("initialize")
    async with Client(params) as c:
        C.check(c.server_info is not None and c.server_info.name == "stint",
                "serverInfo.name is 'stint'", f"server_info={c.server_info}")
        C.equal(getattr(c.server_info, "version", None), manifest["version"],
                "serverInfo.version is the manifest's version")

        C.step("tools/list and prompts/list match the manifest")
        tools = [t.name for t in (await c.list_tools()).tools]
        C.equal(tools, [t["name"] for t in manifest["tools"]], "tools/list names the manifest's tools")
        prompts = [p.name for p in (await c.list_prompts()).prompts]
        C.equal(prompts, [p["name"] for p in manifest["prompts"]],
                "prompts/list names the manifest's prompts")

        C.step("create_track, then list_tracks")
        r = await c.call_tool("create_track", {"start": "2026-11-02 09:00", "duration": "1h30m",
                                               "description": "installed from the bundle"})
        C.check(not r.is_error and isinstance(r.structured_content, dict), "create_track succeeds",
                text_of(r)[:400])
        track = (r.structured_content or {}).get("track", {})
        C.equal(track.get("duration_seconds"), 5400, "the track lasts 1 h 30 min")
        r = await c.call_tool("list_tracks", {})
        C.check(not r.is_error, "list_tracks succeeds", text_of(r)[:400])
        listed = (r.structured_content or {}).get("tracks", [])
        C.equal([(t.get("id"), t.get("description"), t.get("duration_seconds")) for t in listed],
                [(track.get("id"), "installed from the bundle", 5400)],
                "list_tracks finds exactly that track")

    C.step("the database is the default file")
    C.check(os.path.isfile(database), "the database file exists where the setting's default says",
            database)


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    bundle = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="stint-mcpb-") as tmp:
        workdir = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else tmp
        try:
            anyio.run(session, bundle, workdir)
        except Exception as e:  # noqa: BLE001 - a crash is one failed check
            C.check(False, "the bundle session ran to the end",
                    "".join(traceback.format_exception(e))[-3000:])
        C.end()
    print(f"{C.passed} passed, {C.failed} failed")
    return 0 if C.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
