# Sourced by the benchmarks (from the repository's root): the settings blockshift's own dev servers
# run with, from their one place, as the array server_settings. BENCH_SERVER_SETTINGS=default leaves
# them out (the Temporal CLI's defaults), to measure what they give.
server_settings=()
if [ "${BENCH_SERVER_SETTINGS:-blockshift}" != default ]; then
  while read -r option value; do
    server_settings+=("$option" "$value")
  done < <(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' worker/src/main/resources/io/blockshift/worker/dev-server.settings)
fi
