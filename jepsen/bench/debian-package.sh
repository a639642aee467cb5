# Sourced by the bench scripts: need_command TOOL COMMAND PACKAGE installs Debian's PACKAGE (as root, with apt-get)
# when COMMAND is missing, and exits naming the package when it still is. TOOL names the caller in its messages.
need_command() {
  local tool="$1" command="$2" package="$3"
  if ! command -v "$command" >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "$tool: installing Debian's $package" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "$package" >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null && apt-get install -y -q "$package" >/dev/null; }
  fi
  command -v "$command" >/dev/null || { echo "$tool: needs $command (Debian: apt-get install $package)" >&2; exit 1; }
}
