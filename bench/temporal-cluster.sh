# Sourced by benchmarks: the Temporal server as four services on a PostgreSQL of their own, as
# TestTemporalCluster starts it for the tests, from the same config
# (worker/src/test/resources/io/blockshift/worker/temporal-cluster.yaml) and the binaries run-tests
# builds. cluster_start DIR sets cluster_address and cluster_pids; everything lives in DIR.
temporal_server_dir=${BLOCKSHIFT_TEMPORAL_SERVER_DIR:-/var/cache/blockshift/temporal-server-v1.29.1}
pg_bin=/usr/lib/postgresql/15/bin

free_port() { # below 32768 (the server keeps membership ports in a smallint), not listening
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    ss -Hltn "sport = :$port" | grep -q . || { echo "$port"; return; }
  done
}

cluster_start() { # DIR
  local dir=$1 pg_port config=worker/src/test/resources/io/blockshift/worker/temporal-cluster.yaml
  [ -x "$temporal_server_dir/server" ] && [ -x "$temporal_server_dir/sql" ] ||
    { echo "no Temporal server in $temporal_server_dir: run ./run-tests once, which builds it" >&2; return 1; }
  mkdir -p "$dir/config"; chmod 777 "$dir"
  pg_port=$(free_port)
  local -a sed_args=(-e "s|@POSTGRES_PORT@|$pg_port|g" -e "s|@DATABASE@|temporal|g"
    -e "s|@VISIBILITY_DATABASE@|temporal_visibility|g" -e "s|@DYNAMIC_CONFIG@|$dir/dynamicconfig.yaml|g")
  local name port history_port
  for name in FRONTEND FRONTEND_MEMBERSHIP FRONTEND_HTTP MATCHING MATCHING_MEMBERSHIP HISTORY HISTORY_MEMBERSHIP \
      WORKER WORKER_MEMBERSHIP; do
    port=$(free_port)
    sed_args+=(-e "s|@${name}_PORT@|$port|g")
    [ "$name" = FRONTEND ] && cluster_address=127.0.0.1:$port
    [ "$name" = HISTORY ] && history_port=$port
  done
  sed "${sed_args[@]}" "$config" >"$dir/config/cluster.yaml"
  printf 'system.forceSearchAttributesCacheRefreshOnRead:\n  - value: true\n' >"$dir/dynamicconfig.yaml"
  setpriv --reuid postgres --regid postgres --init-groups -- "$pg_bin/initdb" -D "$dir/pg" -U temporal --auth=trust \
    -E UTF8 >"$dir/initdb.log" 2>&1
  setpriv --reuid postgres --regid postgres --init-groups -- "$pg_bin/postgres" -D "$dir/pg" -p "$pg_port" -k "$dir" \
    -c listen_addresses=127.0.0.1 >"$dir/postgres.log" 2>&1 &
  cluster_pids=($!)
  for _ in $(seq 100); do "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" && break; sleep 0.2; done
  local db schema
  for db in temporal:temporal temporal_visibility:visibility; do
    schema=postgresql/v12/${db#*:}; db=${db%%:*}
    for step in "create-database" "setup-schema -v 0.0" "update-schema --schema-name $schema"; do
      # shellcheck disable=SC2086 # the step's words are separate arguments
      "$temporal_server_dir/sql" --plugin postgres12 --ep 127.0.0.1 -p "$pg_port" -u temporal --db "$db" $step \
        >>"$dir/schema.log" 2>&1
    done
  done
  local service
  for service in history matching frontend worker; do
    (cd "$dir" && exec "$temporal_server_dir/server" --root "$dir" --config config --env cluster --allow-no-auth \
      start --service "$service" >"$dir/$service.log" 2>&1) &
    cluster_pids+=($!)
    # History first, alone: services that start before any has written the cluster's metadata all
    # try to, and all but one exit ("failed to initialize current cluster metadata").
    if [ "$service" = history ]; then
      for _ in $(seq 300); do ss -Hltn "sport = :$history_port" | grep -q . && break; sleep 0.2; done
    fi
  done
  for _ in $(seq 300); do
    temporal operator namespace create --address "$cluster_address" --retention 24h default >/dev/null 2>&1 && break
    temporal operator namespace describe --address "$cluster_address" default >/dev/null 2>&1 && break
    sleep 0.3
  done
  # The frontend's namespace cache learns of it on its next refresh.
  for _ in $(seq 100); do
    temporal workflow list --address "$cluster_address" --limit 1 >/dev/null 2>&1 && return 0
    sleep 0.3
  done
  echo "the Temporal cluster in $dir did not start; see $dir/*.log" >&2
  return 1
}
