import { Gauge } from 'prom-client'
import { PREFIX, oncePerScrape, type Metrics } from './metrics.js'

/** What a job's gauges show: its jobs by status, and the running ones stalled. */
export interface JobGaugeState {
  byStatus: Record<string, number>
  stalled: number
}

/**
 * Registers `<name>{status}` and `<name>_stalled`, read by `read` once per scrape (from
 * Postgres, say); when it fails, the series are left out of that scrape.
 */
export function registerJobGauges(
  metrics: Pick<Metrics, 'registry'>,
  gauges: { name: string; help: string; stalledHelp: string },
  read: () => Promise<JobGaugeState>,
): void {
  const state = oncePerScrape(read)
  const registers = [metrics.registry]
  new Gauge({
    name: `${PREFIX}${gauges.name}`,
    help: gauges.help,
    labelNames: ['status'],
    registers,
    async collect() {
      this.reset()
      for (const [status, n] of Object.entries((await state())?.byStatus ?? {}))
        this.set({ status }, n)
    },
  })
  new Gauge({
    name: `${PREFIX}${gauges.name}_stalled`,
    help: gauges.stalledHelp,
    registers,
    async collect() {
      this.reset()
      const s = await state()
      if (s !== undefined) this.set(s.stalled)
    },
  })
}
