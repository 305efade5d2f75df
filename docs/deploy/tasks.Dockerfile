# The tasks example with its tasks and sessions in Redis: the same image
# serves requests (`tasks`) or runs workers (`tasks --worker`).
# From the repository root:
#   docker build -f docs/deploy/tasks.Dockerfile -t mcp-tasks .
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --example tasks --features redis

FROM debian:bookworm-slim
COPY --from=build /src/target/release/examples/tasks /usr/local/bin/tasks
ENV MCP_HOST=0.0.0.0 MCP_PORT=8000
EXPOSE 8000
USER 65534:65534
CMD ["tasks"]
