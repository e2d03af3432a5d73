# Switchyard in production: `docker build -t switchyard .`, then one container per role
# (`web`, `worker`, or `all`), see compose.yaml. Node 20, plain JavaScript (no tsx), non-root.

# --- build: compile TypeScript to dist/ with the dev dependencies ---
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json main.ts ./
COPY src ./src
COPY commands ./commands
RUN npm run build

# --- runtime: production dependencies and the build only ---
FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/app/data \
    CONFIG_DIR=/app/config \
    WORKFLOWS_DIR=/app/workflows
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config ./config
COPY workflows ./workflows
COPY runbooks ./runbooks
COPY scripts ./scripts
COPY manifest.yml ./
# The local workspace's browser page serves these as they are (tsc does not copy them to dist/).
COPY src/local-slack/ui/assets ./src/local-slack/ui/assets
RUN mkdir -p /app/data && chown -R node:node /app/data
USER node
EXPOSE 3000
# /healthz answers while the process lives (also while it drains after SIGTERM); /readyz is for
# load balancers. node:20-slim has no curl: ask with Node's own fetch.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1's child under `init: true` (compose) and receives SIGTERM itself, so a
# stopping worker drains its running stages (SHUTDOWN_GRACE_MS) instead of being cut off.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/main.js"]
CMD ["all"]
