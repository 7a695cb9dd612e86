# Multi-stage build of the shopgraph binary. (No Docker engine runs on the development machines,
# so this file is checked by reading, not by building; see the operations issue.)
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p api --bin shopgraph

FROM debian:bookworm-slim
RUN useradd --uid 1001 --create-home --home-dir /app shopgraph \
    && mkdir -p /app/data && chown shopgraph:shopgraph /app/data
COPY --from=build /src/target/release/shopgraph /usr/local/bin/shopgraph
USER 1001
WORKDIR /app
ENV SHOPGRAPH_DATA_DIR=/app/data \
    SHOPGRAPH_HOST=0.0.0.0 \
    SHOPGRAPH_PORT=8000 \
    SHOPGRAPH_LOG_FORMAT=json
VOLUME /app/data
EXPOSE 8000
CMD ["shopgraph", "serve"]
