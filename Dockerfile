# campaign-streams: one image for every role (start, serve, work --actors …, migrate, rebuild).

# Compiles the TypeScript (with the dev dependencies) into dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json cli.ts config.ts ./
COPY pipelines ./pipelines
COPY operators ./operators
COPY http ./http
COPY storage ./storage
RUN npm run build

# Runs the compiled JavaScript: no TypeScript loader in the process (~55 MB less RSS each, and a
# faster start).
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
# The compose file mounts a named volume here; Docker copies this directory's owner to a new
# volume, so the app (not root) can write uploads into it.
RUN mkdir -p /data/files && chown node:node /data/files
USER node
EXPOSE 3000
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["start"]
