# Helpers shared by the infra/ start scripts (sourced, not run).

port_open() {  # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && exec 3>&- 3<&-
}

wait_for_port() {  # name host port seconds
  local name=$1 host=$2 port=$3 seconds=$4 i
  for ((i = 0; i < seconds * 4; i++)); do
    port_open "$host" "$port" && return 0
    sleep 0.25
  done
  echo "$name: nothing answers on $host:$port after ${seconds}s" >&2
  return 1
}

apt_updated=""
apt_install() {  # package...
  if [ "$(id -u)" != 0 ]; then
    echo "need root to install $*: run 'sudo apt-get install $*' or set the service URL" >&2
    return 1
  fi
  if [ -z "$apt_updated" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
