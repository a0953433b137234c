# The hotline's Python services (FastAGI, AMI, roster, web) and the one-shot setup
# (`ivr db upgrade` and `ivr render`): one image, the command picks the service.
# Debian packages for the system parts, pyproject.toml for the Python ones.
FROM debian:bookworm-slim

# An apt mirror to use instead of the image's own (e.g. a site's; empty: the image's).
ARG APT_MIRROR=""
RUN if [ -n "$APT_MIRROR" ]; then \
        for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do \
            if [ -f "$f" ]; then sed -i -E "s#^URIs: \S+/debian/?\$#URIs: $APT_MIRROR#; \
                s#^deb \S+/debian/? #deb $APT_MIRROR #" "$f"; fi; \
        done; \
    fi \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv espeak-ng sox ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# The same user id in the Asterisk image: both write the shared data volume (0700).
RUN groupadd --system --gid 10001 city-hotline \
    && useradd --uid 10001 --gid city-hotline --home-dir /var/lib/city-hotline \
        --shell /usr/sbin/nologin city-hotline \
    && install -d -o city-hotline -g city-hotline -m 0700 /var/lib/city-hotline

# The checkout is the install (templates, dialplan, recordings are read from it), so the
# package is installed editable from it. Dependencies first, for the build cache.
WORKDIR /opt/city-hotline
# The CA bundle pip trusts (a site's own, mounted at build time, where TLS is intercepted).
ARG PIP_CERT=/etc/ssl/certs/ca-certificates.crt
COPY pyproject.toml README.md ./
RUN python3 -m venv /opt/city-hotline/.venv \
    && mkdir ivr && touch ivr/__init__.py \
    && .venv/bin/pip install --no-cache-dir -e . \
    && rm -rf ivr
COPY ivr ivr
COPY agi_scripts agi_scripts
COPY asterisk_conf asterisk_conf
COPY dialplan dialplan
COPY recordings recordings
COPY scripts scripts
RUN .venv/bin/pip install --no-cache-dir --no-deps -e . && .venv/bin/ivr --help >/dev/null

ENV PATH=/opt/city-hotline/.venv/bin:$PATH \
    IVR_DATA_DIR=/var/lib/city-hotline \
    PYTHONUNBUFFERED=1
USER city-hotline
VOLUME /var/lib/city-hotline
ENTRYPOINT ["ivr"]
CMD ["--help"]
