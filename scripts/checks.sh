# Sourced by the check scripts (dist-check.sh, mcpb-check.sh): counts checks and prints the
# "N passed, M failed" line .ci/run adds up.
passed=0
failed=0
check() {  # check WHAT CMD...: runs CMD, counts it.
    local what="$1"
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "[      ok] $what"
    else
        failed=$((failed + 1))
        echo "[  FAILED] $what"
    fi
}
finish() {  # prints the totals and exits: non-zero when a check failed.
    echo "$passed passed, $failed failed"
    [[ $failed -eq 0 ]]
    exit
}
