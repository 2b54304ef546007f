# Settle's worker and API (and the simulators, for the demo compose file): one image, the command picks.
#   docker build -t settle .
#   docker run settle                      # the worker
#   docker run settle node dist/api/main.js

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
# Every folder the build compiles (test/unit/deployments.test.ts checks the list against the imports).
COPY activities ./activities
COPY api ./api
COPY cli ./cli
COPY http ./http
COPY config ./config
COPY domain ./domain
COPY oms ./oms
COPY providers ./providers
COPY scripts ./scripts
COPY sim ./sim
COPY worker ./worker
COPY workflows ./workflows
# The compiled code and the workflow bundle, then only the production dependencies for the runtime stage.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim AS runtime
# The worker serves Prometheus metrics at :9464/metrics, which its health check asks. NODE_OPTIONS: V8's
# young generation kept small and its old generation capped in each isolate (the worker's main thread and its
# workflow thread), which keeps a worker with thousands of waiting payments under 400 MB (bench/README.md,
# "Tuning"; the benchmark runs its processes with the options set here).
ENV NODE_ENV=production \
    LISTEN_HOST=0.0.0.0 \
    METRICS_PORT=9464 \
    NODE_OPTIONS="--max-old-space-size=160 --max-semi-space-size=4"
WORKDIR /app
COPY package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY deploy/docker/healthcheck.cjs ./
# The worker loads dist/workflow-bundle.js, which npm run build made; it runs as the unprivileged `node` user.
USER node
EXPOSE 3000 9464
# The API's /health, else the worker's /metrics (a simulator's compose service names its own URL).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "healthcheck.cjs"]
CMD ["node", "dist/worker/main.js"]
