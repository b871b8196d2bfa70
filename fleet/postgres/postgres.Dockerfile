# The fleet's database: Debian 12's PostgreSQL 15, standing in for RDS. Built from the local
# debian:bookworm-slim stand-in; data on a named volume; the password arrives as a mounted file.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/sbin/postgres-entrypoint
# SIGINT is PostgreSQL's fast shutdown: open sessions are rolled back instead of waited for.
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/sbin/postgres-entrypoint"]
