#!/usr/bin/env bash
# The edge container: renders nginx's configuration from the environment,
# serves HTTPS at once (a self-signed certificate until a real one exists),
# obtains and renews certificates for DOMAINS over HTTP-01 without a
# restart, and follows the gateway replicas behind GATEWAY_HOST (nginx 1.22
# resolves upstream names only when it loads its configuration).
#
# Settings: DOMAINS (space or comma separated; empty: self-signed only),
# ACME_EMAIL, ACME_DIRECTORY (default Let's Encrypt production; STAGE=1 uses
# its staging directory), GATEWAY_HOST (web-gateway), GATEWAY_PORT (8081),
# TOCSIN_MAX_REQUEST_BODY (1048576), TOCSIN_RATE_LIMITS (on),
# ACME_RENEW_EVERY (seconds between renewal checks, 43200), ACME_RENEW_JITTER
# (on: certbot's random wait before a renewal),
# TOCSIN_STATIC_ROOT (/srv/static: the volume the gateways export to).
#
# TOCSIN_EDGE_MODE=behind-proxy (Kubernetes, behind an ingress that ends
# TLS): plain HTTP on TOCSIN_EDGE_PORT (8080), no redirect, no ACME, the
# client address and scheme taken from X-Forwarded-For/-Proto sent by
# TOCSIN_EDGE_TRUSTED_PROXIES (space-separated CIDRs); runs as any user,
# with its configuration and temporary files under TOCSIN_EDGE_CONF_DIR
# (/tmp/nginx), so the root filesystem may be read-only.
set -euo pipefail

MODE=${TOCSIN_EDGE_MODE:-edge}
case $MODE in
  edge) CONF=/etc/nginx ;;
  behind-proxy) CONF=${TOCSIN_EDGE_CONF_DIR:-/tmp/nginx}; DOMAINS="" ;;
  *) echo "TOCSIN_EDGE_MODE: must be edge or behind-proxy" >&2; exit 2 ;;
esac
DOMAINS=$(echo "${DOMAINS:-}" | tr ',' ' ' | xargs)
GATEWAY_HOST=${GATEWAY_HOST:-web-gateway}
GATEWAY_PORT=${GATEWAY_PORT:-8081}
CERTS=/etc/letsencrypt
LIVE=$CERTS/tocsin
WEBROOT=/var/www/acme
if [[ ${STAGE:-0} == 1 ]]; then
  ACME_DIRECTORY=${ACME_DIRECTORY:-https://acme-staging-v02.api.letsencrypt.org/directory}
else
  ACME_DIRECTORY=${ACME_DIRECTORY:-https://acme-v02.api.letsencrypt.org/directory}
fi
log() { printf '{"time":"%s","service":"edge","msg":"%s"}\n' "$(date -u +%FT%TZ)" "$*"; }

if [[ $MODE == edge ]]; then
  mkdir -p "$LIVE" "$WEBROOT"
fi
mkdir -p "$CONF/conf.d" "$CONF/tmp"

# A certificate nginx can start with: the ACME one when present, else a
# self-signed one made once and kept in the volume.
ensure_certificate() {
  if [[ -s $LIVE/fullchain.pem && -s $LIVE/privkey.pem ]]; then return; fi
  local cn=${DOMAINS%% *}
  log "creating a self-signed certificate for ${cn:-localhost}"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=${cn:-localhost}" \
    -keyout "$LIVE/privkey.pem" -out "$LIVE/fullchain.pem" 2>/dev/null
  chmod 600 "$LIVE/privkey.pem"
}

gateway_servers() {
  local ips
  ips=$(getent ahostsv4 "$GATEWAY_HOST" | awk '{print $1}' | sort -u || true)
  if [[ -z $ips ]]; then
    # Not resolvable yet: keep the name; nginx answers 502 until it is.
    echo "server $GATEWAY_HOST:$GATEWAY_PORT;"
    return
  fi
  for ip in $ips; do printf 'server %s:%s; ' "$ip" "$GATEWAY_PORT"; done
}

render() {
  local servers=$1 limits="" listen tls proto
  if [[ $MODE == behind-proxy ]]; then
    listen="listen ${TOCSIN_EDGE_PORT:-8080} reuseport backlog=4096;"
    tls=""
    proto='$tocsin_forwarded_proto'
  else
    listen="listen 443 ssl http2 reuseport backlog=4096; listen [::]:443 ssl http2;"
    proto='$scheme'
  fi
  [[ ${TOCSIN_RATE_LIMITS:-on} == off ]] && limits="# "
  # HSTS and OCSP stapling only here: the local stack's certificate is
  # self-signed, and HSTS would stick to localhost in browsers.
  [[ $MODE == edge ]] && tls="ssl_certificate $LIVE/fullchain.pem; ssl_certificate_key $LIVE/privkey.pem; \
include /etc/tocsin/tls-profile.conf; ssl_stapling on; ssl_stapling_verify on; \
add_header Strict-Transport-Security \"max-age=63072000\" always;"
  sed -e "s|@GATEWAY_SERVERS@|$servers|" \
      -e "s|@LISTEN@|$listen|" \
      -e "s|@FORWARDED_PROTO@|$proto|" \
      -e "s|@TLS@|$tls|" \
      -e "s|@MAX_BODY@|${TOCSIN_MAX_REQUEST_BODY:-1048576}|" \
      -e "s|@ACCESS_LOG@|access_log /dev/stdout tocsin_json;|" \
      -e "s|@LIMITS@|$limits|" \
      -e "s|@STATIC_ROOT@|${TOCSIN_STATIC_ROOT:-/srv/static}|" \
      /etc/tocsin/tocsin-site.conf.template >"$CONF/conf.d/tocsin.conf"
  [[ $MODE == edge ]] || return 0
  cat >"$CONF/conf.d/http.conf" <<CONF
# Port 80: ACME challenges, and a redirect to HTTPS for everything else.
server {
    listen 80 default_server;
    listen [::]:80 default_server;
    server_tokens off;
    location /.well-known/acme-challenge/ { root $WEBROOT; }
    location / { return 301 https://\$host\$request_uri; }
}
CONF
}

write_nginx_conf() {
  local user_line="" realip=""
  # The master binds 80/443 as root in the compose edge; workers drop to
  # www-data. Run as any other user, nginx stays that user.
  [[ $(id -u) -eq 0 ]] && user_line="user www-data;"
  if [[ $MODE == behind-proxy ]]; then
    realip="real_ip_header X-Forwarded-For; real_ip_recursive on;"
    for cidr in ${TOCSIN_EDGE_TRUSTED_PROXIES:-10.0.0.0/8 172.16.0.0/12 192.168.0.0/16}; do
      realip+=" set_real_ip_from $cidr;"
    done
    # The scheme the client used, as the TLS proxy says (only it reaches us).
    realip+=' map $http_x_forwarded_proto $tocsin_forwarded_proto { "" $scheme; default $http_x_forwarded_proto; }'
  fi
  cat >"$CONF/nginx.conf" <<CONF
$user_line
worker_processes auto;
pid $CONF/nginx.pid;
error_log /dev/stderr warn;
events { worker_connections 8192; }
worker_rlimit_nofile 20000;
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    keepalive_requests 100000;
    resolver_timeout 5s;
    client_body_temp_path $CONF/tmp/body;
    proxy_temp_path $CONF/tmp/proxy;
    fastcgi_temp_path $CONF/tmp/fastcgi;
    uwsgi_temp_path $CONF/tmp/uwsgi;
    scgi_temp_path $CONF/tmp/scgi;
    $realip
    include $CONF/conf.d/*.conf;
}
CONF
}

# Obtains the certificate when the volume has none for DOMAINS (returns 1
# when that failed), else renews it if due: certbot renews only what is due
# (renew_before_expiry in the lineage's renewal file, 30 days by default),
# and nginx reloads onto the new files without a restart.
certificate_work() {
  [[ -n $DOMAINS ]] || return 0
  if [[ ! -s $CERTS/live/tocsin-acme/fullchain.pem ]]; then
    local args=()
    for d in $DOMAINS; do args+=(-d "$d"); done
    if [[ -n ${ACME_EMAIL:-} ]]; then args+=(--email "$ACME_EMAIL"); else args+=(--register-unsafely-without-email); fi
    if ! certbot certonly --webroot -w "$WEBROOT" --cert-name tocsin-acme "${args[@]}" \
        --server "$ACME_DIRECTORY" --agree-tos --non-interactive --keep-until-expiring \
        >/tmp/certbot.log 2>&1; then
      log "could not obtain a certificate for $DOMAINS (serving the current one; will try again): $(tail -n 3 /tmp/certbot.log | tr '\n"' '  ')"
      return 1
    fi
    log "certificate for $DOMAINS obtained"
  else
    rm -f /tmp/tocsin-renewed
    # certbot waits a random time (up to 8 minutes) before renewing, to
    # spread the load on the CA; ACME_RENEW_JITTER=off skips that (tests).
    local jitter=()
    [[ ${ACME_RENEW_JITTER:-on} == off ]] && jitter=(--no-random-sleep-on-renew)
    if ! certbot renew --cert-name tocsin-acme --webroot -w "$WEBROOT" --non-interactive \
        "${jitter[@]}" --deploy-hook "touch /tmp/tocsin-renewed" >/tmp/certbot-renew.log 2>&1; then
      log "renewal failed (will try again): $(tail -n 2 /tmp/certbot-renew.log | tr '\n"' '  ')"
      return 0
    fi
    if [[ -e /tmp/tocsin-renewed ]]; then
      log "certificate for $DOMAINS renewed"
    elif [[ -L $LIVE/fullchain.pem ]]; then
      return 0
    fi
  fi
  # The served files are links into certbot's live directory (which itself
  # follows each renewal); a reload makes nginx read them again.
  if [[ ! -L $LIVE/fullchain.pem ]]; then
    ln -sf "$CERTS/live/tocsin-acme/fullchain.pem" "$LIVE/fullchain.pem.new"
    ln -sf "$CERTS/live/tocsin-acme/privkey.pem" "$LIVE/privkey.pem.new"
    mv -T "$LIVE/privkey.pem.new" "$LIVE/privkey.pem"
    mv -T "$LIVE/fullchain.pem.new" "$LIVE/fullchain.pem"
  fi
  ngx -s reload && log "serving the certificate for $DOMAINS"
}

# nginx with our configuration file (errors to stderr before it is read).
ngx() { nginx -e stderr -c "$CONF/nginx.conf" "$@"; }

[[ $MODE == edge ]] && ensure_certificate
write_nginx_conf
servers=$(gateway_servers)
render "$servers"
ngx -t -q
# Started directly, not through ngx: $! must be nginx itself (the signals
# below go to it).
nginx -e stderr -c "$CONF/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
trap 'kill -QUIT $nginx_pid 2>/dev/null; wait $nginx_pid; exit 0' TERM INT QUIT

# Certificate work runs beside the loop (an ACME exchange can take a
# while): at start, then every ACME_RENEW_EVERY seconds; a failed first
# issuance is retried after 1, 2, 4 ... minutes (at most the renew interval).
renew_every=${ACME_RENEW_EVERY:-43200}
cert_pid=""; next_cert=$(( $(date +%s) + 2 )); retry=60
while kill -0 "$nginx_pid" 2>/dev/null; do
  sleep 5 & wait $!
  now_servers=$(gateway_servers)
  if [[ $now_servers != "$servers" ]]; then
    servers=$now_servers
    render "$servers"
    if ngx -t -q 2>/dev/null; then
      ngx -s reload
      log "gateway replicas changed: $servers"
    fi
  fi
  [[ -n $DOMAINS ]] || continue
  if [[ -n $cert_pid ]] && ! kill -0 "$cert_pid" 2>/dev/null; then
    if wait "$cert_pid"; then
      next_cert=$(( $(date +%s) + renew_every )); retry=60
    else
      next_cert=$(( $(date +%s) + retry )); retry=$(( retry * 2 > renew_every ? renew_every : retry * 2 ))
    fi
    cert_pid=""
  fi
  if [[ -z $cert_pid && $(date +%s) -ge $next_cert ]]; then
    certificate_work &
    cert_pid=$!
  fi
done
wait "$nginx_pid"
