#!/usr/bin/env bash
# Checks the release archive cargo-dist makes for this machine:
#   - installs `dist` (cargo-dist, the version dist-workspace.toml pins) into this machine's
#     cache, $STINT_TOOLS_CACHE (default ~/.cache/stint-dev), shared by every checkout, unless
#     that version is already there or on PATH (idempotent; the first time on a machine
#     compiles it, which takes minutes; a fresh clone after that does not);
#   - `dist build --artifacts=local --target HOST` makes target/distrib/stint-HOST.tar.xz (or
#     .zip on Windows) and its .sha256;
#   - the checksum file matches the archive;
#   - unpacked into a temp dir, the archive holds stint-HOST/stint, README.md and CHANGELOG.md;
#   - that `stint` answers `initialize` then `tools/list` on stdin (raw JSON-RPC lines, a
#     throw-away database and HOME) with the tools packaging/mcpb/manifest.json lists.
# Ends with one line "N passed, M failed".
#
# Usage:  scripts/dist-check.sh              (builds with the `dist` cargo profile)
#         scripts/dist-check.sh --no-build   (checks the archive already in target/distrib)
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

build=1
[[ "${1:-}" == "--no-build" ]] && build=0
# shellcheck source=scripts/checks.sh
source "$root/scripts/checks.sh"

version="$(sed -n 's/^cargo-dist-version = "\(.*\)"$/\1/p' dist-workspace.toml)"
host="$(rustc -vV | sed -n 's/^host: //p')"
tools="${STINT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stint-dev}/cargo-dist-$version"
dist=""
find_dist() {
    local candidate
    for candidate in "$tools/bin/dist" "$root/target/dist-tool/bin/dist" "$(command -v dist || true)"; do
        if [[ -n "$candidate" && -x "$candidate" ]] && [[ "$("$candidate" --version)" == "cargo-dist $version" ]]; then
            dist="$candidate"
            return 0
        fi
    done
    return 1
}
install_dist() {
    find_dist && return 0
    echo "dist-check: installing cargo-dist $version into $tools (takes minutes, once a machine)" >&2
    cargo install cargo-dist --version "$version" --locked --root "$tools" >&2 && find_dist
}
if [[ $build -eq 1 ]]; then
    check "cargo-dist $version is installed" install_dist
    [[ -n "$dist" ]] || finish
    check "dist build --artifacts=local --target $host" "$dist" build --artifacts=local --target "$host"
fi
ext=tar.xz
[[ "$host" == *windows* ]] && ext=zip
archive="target/distrib/stint-$host.$ext"
check "the archive $archive exists" test -f "$archive"
[[ -f "$archive" ]] || finish
sum_matches() {
    local want got
    want="$(cut -d' ' -f1 "$archive.sha256")"
    got="$(sha256sum "$archive" | cut -d' ' -f1)"
    [[ -n "$want" && "$want" == "$got" ]]
}
check "$archive.sha256 matches the archive" sum_matches

work="$(mktemp -d "${TMPDIR:-/tmp}/stint-dist.XXXXXX")"
trap 'rm -rf "$work"' EXIT
if [[ "$ext" == zip ]]; then
    check "the archive unpacks" unzip -q "$archive" -d "$work"
else
    check "the archive unpacks" tar -xJf "$archive" -C "$work"
fi
dir="$work/stint-$host"
exe="$dir/stint"
[[ "$host" == *windows* ]] && exe="$dir/stint.exe"
check "it holds an executable stint, README.md and CHANGELOG.md" \
    test -x "$exe" -a -f "$dir/README.md" -a -f "$dir/CHANGELOG.md"
[[ -x "$exe" ]] || finish

mkdir -p "$work/home"
answers="$work/answers.jsonl"
printf '%s\n' \
    '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"dist-check","version":"1"}}}' \
    '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
    '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}' |
    HOME="$work/home" STINT_DB="$work/stint.db" "$exe" mcp > "$answers" 2> "$work/stderr"
tools_match() {
    python3 - "$answers" packaging/mcpb/manifest.json <<'PY'
import json, sys
answers = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
listed = next((a for a in answers if a.get("id") == 1), {}).get("result", {}).get("tools", [])
want = [t["name"] for t in json.load(open(sys.argv[2]))["tools"]]
got = [t["name"] for t in listed]
print(f"           tools/list: {len(got)} tools")
if got != want:
    print(f"           got  {got}\n           want {want}")
sys.exit(0 if got and got == want else 1)
PY
}
check "the archive's stint answers tools/list with the manifest's tools" tools_match
[[ $failed -eq 0 ]] || { echo "--- stderr of stint mcp"; cat "$work/stderr"; }
finish
