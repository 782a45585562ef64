# campaign-streams: one image for every role (start, serve, work --actors …, migrate, rebuild).
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json cli.ts config.ts ./
COPY pipelines ./pipelines
COPY operators ./operators
COPY http ./http
COPY storage ./storage
# The compose file mounts a named volume here; Docker copies this directory's owner to a new
# volume, so the app (not root) can write uploads into it.
RUN mkdir -p /data/files && chown node:node /data/files
USER node
EXPOSE 3000
ENTRYPOINT ["node", "--import", "tsx", "cli.ts"]
CMD ["start"]
