#!/usr/bin/env bash
# nginx in front of bench_server (loopback), both on the harness's CPU: what
# the lightest proxies cost, beside mcp-proxy (bench/proxy-server.sh).
#
#   bench/nginx-proxy.sh http   # an HTTP reverse proxy, keep-alive upstream connections
#   bench/nginx-proxy.sh tcp    # bytes forwarded as they come (nginx's stream module)
#
# As a server of bench/server/run.sh:
#   bench/server/run.sh --server 'nginx-http=bench/nginx-proxy.sh http' --server 'nginx-tcp=bench/nginx-proxy.sh tcp'
# nginx comes from Debian's packages: apt-get install -y nginx libnginx-mod-stream
set -euo pipefail
kind=${1:?usage: $0 http|tcp}
up=$((MCP_PORT + 1))
MCP_PORT=$up target/release/examples/bench_server &
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$up/mcp" && break; sleep 0.05; done

dir=$(mktemp -d /tmp/nginx-proxy.XXXXXX)
modules= proxying=
case $kind in
  http) proxying="http {
    access_log off;
    upstream mcp { server 127.0.0.1:$up; keepalive 64; }
    server {
        listen 127.0.0.1:$MCP_PORT;
        location / {
            proxy_pass http://mcp;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host \$http_host;
            proxy_buffering off;
        }
    }
}" ;;
  tcp)
    modules="load_module /usr/lib/nginx/modules/ngx_stream_module.so;"
    proxying="stream { server { listen 127.0.0.1:$MCP_PORT; proxy_pass 127.0.0.1:$up; } }" ;;
  *) echo "usage: $0 http|tcp" >&2; exit 2 ;;
esac
cat >"$dir/nginx.conf" <<EOF
$modules
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
$proxying
EOF
exec nginx -p "$dir" -c "$dir/nginx.conf"
