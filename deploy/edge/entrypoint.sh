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
# ACME_RENEW_EVERY (seconds between renewal checks, 43200).
set -euo pipefail

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

mkdir -p "$LIVE" "$WEBROOT" /etc/nginx/conf.d

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
  local servers=$1 limits=""
  [[ ${TOCSIN_RATE_LIMITS:-on} == off ]] && limits="# "
  local tls="ssl_certificate $LIVE/fullchain.pem; ssl_certificate_key $LIVE/privkey.pem; \
ssl_protocols TLSv1.2 TLSv1.3; \
ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305; \
ssl_prefer_server_ciphers off; ssl_session_cache shared:tocsin_tls:10m; \
ssl_session_timeout 1d; ssl_session_tickets off; ssl_stapling on; ssl_stapling_verify on; \
add_header Strict-Transport-Security \"max-age=63072000\" always;"
  sed -e "s|@GATEWAY_SERVERS@|$servers|" \
      -e "s|@LISTEN@|listen 443 ssl http2 reuseport backlog=4096; listen [::]:443 ssl http2;|" \
      -e "s|@TLS@|$tls|" \
      -e "s|@MAX_BODY@|${TOCSIN_MAX_REQUEST_BODY:-1048576}|" \
      -e "s|@ACCESS_LOG@|access_log /dev/stdout tocsin_json;|" \
      -e "s|@LIMITS@|$limits|" \
      /etc/tocsin/tocsin-site.conf.template >/etc/nginx/conf.d/tocsin.conf
  cat >/etc/nginx/conf.d/http.conf <<CONF
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
  cat >/etc/nginx/nginx.conf <<CONF
user www-data;
worker_processes auto;
pid /run/nginx.pid;
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
    include /etc/nginx/conf.d/*.conf;
}
CONF
}

obtain_certificate() {
  [[ -n $DOMAINS ]] || return 0
  local args=()
  for d in $DOMAINS; do args+=(-d "$d"); done
  if [[ -n ${ACME_EMAIL:-} ]]; then args+=(--email "$ACME_EMAIL"); else args+=(--register-unsafely-without-email); fi
  if certbot certonly --webroot -w "$WEBROOT" --cert-name tocsin-acme "${args[@]}" \
      --server "$ACME_DIRECTORY" --agree-tos --non-interactive --keep-until-expiring \
      --deploy-hook "ln -sf $CERTS/live/tocsin-acme/fullchain.pem $LIVE/fullchain.pem && ln -sf $CERTS/live/tocsin-acme/privkey.pem $LIVE/privkey.pem && nginx -s reload" \
      >/tmp/certbot.log 2>&1; then
    # Certificates kept from an earlier run are linked too.
    if [[ -s $CERTS/live/tocsin-acme/fullchain.pem && ! -L $LIVE/fullchain.pem ]]; then
      ln -sf "$CERTS/live/tocsin-acme/fullchain.pem" "$LIVE/fullchain.pem"
      ln -sf "$CERTS/live/tocsin-acme/privkey.pem" "$LIVE/privkey.pem"
      nginx -s reload
    fi
    log "certificate for $DOMAINS is in place"
  else
    log "could not obtain a certificate for $DOMAINS (serving the current one): $(tail -n 3 /tmp/certbot.log | tr '\n"' '  ')"
  fi
}

ensure_certificate
write_nginx_conf
servers=$(gateway_servers)
render "$servers"
nginx -t -q
nginx -g 'daemon off;' &
nginx_pid=$!
trap 'kill -QUIT $nginx_pid 2>/dev/null; wait $nginx_pid; exit 0' TERM INT QUIT

( sleep 2; obtain_certificate ) &
next_renew=$(( $(date +%s) + ${ACME_RENEW_EVERY:-43200} ))
while kill -0 "$nginx_pid" 2>/dev/null; do
  sleep 5 & wait $!
  now_servers=$(gateway_servers)
  if [[ $now_servers != "$servers" ]]; then
    servers=$now_servers
    render "$servers"
    if nginx -t -q 2>/dev/null; then
      nginx -s reload
      log "gateway replicas changed: $servers"
    fi
  fi
  if [[ -n $DOMAINS && $(date +%s) -ge $next_renew ]]; then
    next_renew=$(( $(date +%s) + ${ACME_RENEW_EVERY:-43200} ))
    certbot renew --cert-name tocsin-acme --webroot -w "$WEBROOT" --non-interactive \
      --deploy-hook "nginx -s reload" >/tmp/certbot-renew.log 2>&1 || \
      log "renewal failed: $(tail -n 2 /tmp/certbot-renew.log | tr '\n"' '  ')"
  fi
done
wait "$nginx_pid"
