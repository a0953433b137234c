# Asterisk 22 from Debian sid, run with the configuration `ivr render` (the compose file's
# `setup` service) writes into the shared data volume. No configuration is baked in.
FROM debian:sid-slim

ARG APT_MIRROR=""
RUN if [ -n "$APT_MIRROR" ]; then \
        for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do \
            if [ -f "$f" ]; then sed -i -E "s#^URIs: \S+/debian/?\$#URIs: $APT_MIRROR#; \
                s#^deb \S+/debian/? #deb $APT_MIRROR #" "$f"; fi; \
        done; \
    fi \
    && apt-get -o Acquire::Check-Valid-Until=false update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        asterisk asterisk-core-sounds-en-gsm \
    && rm -rf /var/lib/apt/lists/*

# The hotline image's user id: the data volume is 0700, Asterisk writes recordings there
# that the FastAGI and web services read. Asterisk runs as this user from the start (no -U).
RUN groupadd --system --gid 10001 city-hotline \
    && useradd --uid 10001 --gid city-hotline --home-dir /var/lib/city-hotline \
        --shell /usr/sbin/nologin city-hotline \
    && install -d -o city-hotline -g city-hotline -m 0700 /var/lib/city-hotline \
    && chown -R city-hotline:city-hotline /var/lib/asterisk /var/log/asterisk \
        /var/spool/asterisk

USER city-hotline
VOLUME /var/lib/city-hotline
ENV ASTERISK_CONF=/var/lib/city-hotline/run/etc/asterisk/asterisk.conf
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s \
    CMD asterisk -C "$ASTERISK_CONF" -rx "core show uptime" >/dev/null || exit 1
CMD ["sh", "-c", "exec asterisk -f -n -C \"$ASTERISK_CONF\""]
