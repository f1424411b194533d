# The Tributary container image: one image for both long-running processes.
#
#   docker build -t tributary:0.1.0 .
#   docker run --rm tributary:0.1.0 driver   --host 0.0.0.0 --port 7077 --health-port 7078 --redis redis:6379 ...
#   docker run --rm tributary:0.1.0 executor --driver driver:7077 --host <address others reach> --port 7079 --health-port 7078 ...
#
# The entry point is the `tributary` command line (packages/client/src/cli/main.ts): the first
# argument is the subcommand. Ports: 7077 the driver's gRPC port, 7079 an executor's gRPC port,
# 7078 the plaintext health port (grpc.health.v1 only) of either. See docs/deployment.md.

# --- build: compile the TypeScript workspaces, then keep only the production dependencies ---
FROM node:20-bookworm-slim AS build
WORKDIR /src
# Manifests first, so the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY packages/common/package.json packages/common/
COPY packages/executor/package.json packages/executor/
COPY packages/driver/package.json packages/driver/
COPY packages/client/package.json packages/client/
RUN npm ci --no-audit --no-fund
COPY proto proto
COPY packages packages
RUN npx tsc --build packages/client \
 && npm prune --omit=dev --no-audit --no-fund \
 && find packages -path '*/dist/*' \( -name '*.test.js' -o -name '*.test.d.ts' -o -name '*.conformance.js' -o -name '*.map' \) -delete

# --- runtime: Node.js, the compiled packages, the production node_modules and the .proto files ---
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /opt/tributary
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/proto proto
COPY --from=build /src/packages/common/package.json packages/common/
COPY --from=build /src/packages/common/dist packages/common/dist
COPY --from=build /src/packages/executor/package.json packages/executor/
COPY --from=build /src/packages/executor/dist packages/executor/dist
COPY --from=build /src/packages/driver/package.json packages/driver/
COPY --from=build /src/packages/driver/dist packages/driver/dist
COPY --from=build /src/packages/driver/dashboard packages/driver/dashboard
COPY --from=build /src/packages/client/package.json packages/client/
COPY --from=build /src/packages/client/dist packages/client/dist
COPY --from=build /src/packages/client/bin packages/client/bin
# A non-root user of its own (no shell, no home to write); the working directory for a driver's
# local state is a volume in production (docs/deployment.md).
RUN groupadd --system --gid 10001 tributary \
 && useradd --system --uid 10001 --gid tributary --no-create-home --shell /usr/sbin/nologin tributary \
 && mkdir -p /var/lib/tributary \
 && chown tributary:tributary /var/lib/tributary
USER 10001:10001
WORKDIR /var/lib/tributary
EXPOSE 7077 7078 7079
ENTRYPOINT ["node", "/opt/tributary/packages/client/bin/tributary.js"]
CMD ["help"]
