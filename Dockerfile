# Settle's worker and API (and the simulators, for the demo compose file): one image, the command picks.
#   docker build -t settle .
#   docker run settle                      # the worker
#   docker run settle node dist/api/main.js

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY activities ./activities
COPY api ./api
COPY cli ./cli
COPY config ./config
COPY domain ./domain
COPY oms ./oms
COPY providers ./providers
COPY scripts ./scripts
COPY sim ./sim
COPY worker ./worker
COPY workflows ./workflows
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    LISTEN_HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The worker loads dist/workflow-bundle.js, which npm run build made; it runs as the unprivileged `node` user.
USER node
EXPOSE 3000
CMD ["node", "dist/worker/main.js"]
