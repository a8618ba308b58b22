# Hive Gateway for docker-compose.yml's `gateway` service: the image the
# federation check runs as npm packages (graph/federation/package.json,
# the same versions), with Hive Router's query planner and executor
# (@graphql-hive/router-runtime), which HIVE_ROUTER_RUNTIME turns on. The
# config and the supergraph are mounted at run time.
FROM ghcr.io/graphql-hive/gateway:2.15.1
RUN npm install --no-save --no-audit --no-fund @graphql-hive/router-runtime@1.4.23
