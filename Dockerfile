# shopgraph: a small runtime image with one binary.
# (No Docker engine runs on the development machines, so this file is checked by reading and by
# the commands it runs being tested elsewhere: `shopgraph healthcheck` has a test of its own.)

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --profile dist --locked -p api --bin shopgraph \
    && strip target/dist/shopgraph

FROM debian:bookworm-slim
# ca-certificates for TLS to a managed PostgreSQL; nothing else is needed at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 1001 --user-group --home-dir /app --create-home shopgraph \
    && mkdir -p /app/data \
    && chown -R 1001:1001 /app \
    && chmod 700 /app/data
COPY --from=build /src/target/dist/shopgraph /usr/local/bin/shopgraph
USER 1001
WORKDIR /app
ENV SHOPGRAPH_DATA_DIR=/app/data \
    SHOPGRAPH_HOST=0.0.0.0 \
    SHOPGRAPH_PORT=8000 \
    SHOPGRAPH_LOG_FORMAT=json \
    SHOPGRAPH_ENV=production
VOLUME /app/data
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["shopgraph", "healthcheck"]
CMD ["shopgraph", "serve"]
