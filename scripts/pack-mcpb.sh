#!/usr/bin/env bash
# Packs an MCP Bundle for Claude Desktop: target/mcpb/stint-VERSION-TARGET.mcpb, a zip of
#   manifest.json   packaging/mcpb/manifest.json, for this platform: `compatibility.platforms`
#                   names it alone, `user_config.database.default` is stint's own default
#                   database there (the `directories` crate's data dir), and on Windows the
#                   entry point is server/stint.exe
#   icon.png        packaging/mcpb/icon.png
#   server/stint    the release binary (server/stint.exe on Windows)
# then validates the staged manifest with `mcpb validate`, and writes target/mcpb/server.json:
# server.json with the `fileSha256` of every bundle present in target/mcpb filled in.
#
# Usage:  cargo build --release && scripts/pack-mcpb.sh [BIN [TARGET]]
#         BIN     default $STINT_BIN, else target/release/stint
#         TARGET  the Rust target triple BIN was built for (default: the host's)
#
# Uses the MCPB CLI (@anthropic-ai/mcpb, pinned) from target/npm-tools, installed with npm on
# first use (needs network once). Prints the bundle's path last.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

mcpb_version="2.1.2"
bin="${1:-${STINT_BIN:-target/release/stint}}"
target="${2:-$(rustc -vV | sed -n 's/^host: //p')}"
if [[ ! -f "$bin" ]]; then
    echo "pack-mcpb: no stint binary at '$bin'; run 'cargo build --release' or pass BIN" >&2
    exit 2
fi

tools="$root/target/npm-tools"
mcpb="$tools/node_modules/.bin/mcpb"
if [[ ! -x "$mcpb" ]] || [[ "$("$mcpb" --version)" != "$mcpb_version" ]]; then
    echo "pack-mcpb: installing @anthropic-ai/mcpb@$mcpb_version into $tools" >&2
    mkdir -p "$tools"
    [[ -f "$tools/package.json" ]] || echo '{"private": true}' > "$tools/package.json"
    npm install --prefix "$tools" --no-fund --no-audit --silent "@anthropic-ai/mcpb@$mcpb_version"
fi

case "$target" in
    *-apple-darwin) platform=darwin ;;
    *-windows-*) platform=win32 ;;
    *-linux-*) platform=linux ;;
    *) echo "pack-mcpb: no MCPB platform for target '$target'" >&2; exit 2 ;;
esac

version="$(node -p 'require("./packaging/mcpb/manifest.json").version')"
cargo_version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)"
if [[ "$version" != "$cargo_version" ]]; then
    echo "pack-mcpb: packaging/mcpb/manifest.json says version $version, Cargo.toml $cargo_version" >&2
    exit 1
fi

out_dir="$root/target/mcpb"
stage="$out_dir/stage-$target"
rm -rf "$stage"
mkdir -p "$stage/server"
exe=stint
[[ "$platform" == win32 ]] && exe=stint.exe
cp "$bin" "$stage/server/$exe"
chmod 755 "$stage/server/$exe"
cp packaging/mcpb/icon.png "$stage/icon.png"
PLATFORM="$platform" EXE="$exe" node -e '
const fs = require("fs");
const m = JSON.parse(fs.readFileSync("packaging/mcpb/manifest.json", "utf8"));
const platform = process.env.PLATFORM;
m.compatibility.platforms = [platform];
m.server.entry_point = "server/" + process.env.EXE;
// stint'"'"'s own default database on each platform (directories::ProjectDirs("", "", "stint")).
m.user_config.database.default = {
  linux: "${HOME}/.local/share/stint/stint.db",
  darwin: "${HOME}/Library/Application Support/stint/stint.db",
  win32: "${HOME}/AppData/Roaming/stint/data/stint.db",
}[platform];
fs.writeFileSync(process.argv[1], JSON.stringify(m, null, 2) + "\n");
' "$stage/manifest.json"

"$mcpb" validate "$stage/manifest.json"
bundle="$out_dir/stint-$version-$target.mcpb"
rm -f "$bundle"
"$mcpb" pack "$stage" "$bundle" >&2
rm -rf "$stage"

# server.json for this release, with the hashes of the bundles built so far.
node -e '
const fs = require("fs");
const crypto = require("crypto");
const path = require("path");
const [outDir] = process.argv.slice(1);
const s = JSON.parse(fs.readFileSync("server.json", "utf8"));
for (const p of s.packages) {
  const file = path.join(outDir, path.basename(p.identifier));
  if (fs.existsSync(file)) {
    p.fileSha256 = crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  }
}
fs.writeFileSync(path.join(outDir, "server.json"), JSON.stringify(s, null, 2) + "\n");
' "$out_dir"
echo "$bundle"
