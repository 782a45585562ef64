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
USER node
EXPOSE 3000
ENTRYPOINT ["node", "--import", "tsx", "cli.ts"]
CMD ["start"]
