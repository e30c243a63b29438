# Build: the whole dependency tree compiles from crates.io (SQLite and libpq are bundled).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
COPY config config
COPY benches benches
# The pages' templates are compiled in.
COPY templates templates
# The demo embeds the example draft call and firm population.
COPY docs/examples docs/examples
RUN cargo build --release --locked --bin equal-terms

# Run: a small image, a non-root user, production configuration.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin equal-terms \
    && mkdir -p /app/data \
    && chown equal-terms /app/data
WORKDIR /app
COPY --from=build /src/target/release/equal-terms /usr/local/bin/equal-terms
COPY config /app/config
USER equal-terms
ENV EQUAL_TERMS_ENV=production \
    EQUAL_TERMS_CONFIG_DIR=/app/config
EXPOSE 8080
# Secrets come from the environment: EQUAL_TERMS__AUTH__JWT_SECRET (or auth.jwks_file),
# EQUAL_TERMS__PSEUDONYM__SECRET: the server refuses to start in production without them.
# DATABASE_URL names PostgreSQL; without it the embedded SQLite file is /app/data/equal-terms.db.
ENTRYPOINT ["equal-terms"]
CMD ["serve"]
