# Sourced by scripts/bench-sync.sh and scripts/bench-sync-log.sh: the binary ($BIN, from
# STINT_BIN), a scratch folder ($T, removed on exit), UTC, a sync key on devices a, b and c
# when ENCRYPT=1, and a and b joined to the empty folder $T/folder (auto-sync off, so nothing
# but the timed steps syncs).
BIN=${STINT_BIN:-target/release/stint}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export TZ=UTC
if [ "${ENCRYPT:-0}" = 1 ]; then
    KEY=$("$BIN" --db "$T/a.db" sync key new 2>/dev/null)
    "$BIN" --db "$T/b.db" sync key set "$KEY" >/dev/null
    "$BIN" --db "$T/c.db" sync key set "$KEY" >/dev/null
fi
for d in a b c; do "$BIN" --db "$T/$d.db" sync auto off >/dev/null; done
"$BIN" --db "$T/a.db" sync "$T/folder" >/dev/null
"$BIN" --db "$T/b.db" sync "$T/folder" >/dev/null
