// Layer rules of docs/architecture.md, checked by `npm run layers` (part of `npm test`).
// A job folder may reach into another job's folder only through an exception listed here,
// each with its reason.
const JOBS = ['outreach', 'scoring', 'factory', 'reports', 'replay']

/** @type {{ from: string, to: string, because: string }[]} */
const JOB_EXCEPTIONS = []

const jobRules = JOBS.map((job) => {
  const others = JOBS.filter((j) => j !== job).join('|')
  const allowed = JOB_EXCEPTIONS.filter((e) => e.from === job).map((e) => e.to)
  return {
    name: `job-${job}-alone`,
    comment: `${job}/ folders import another job's folders only through JOB_EXCEPTIONS`,
    severity: 'error',
    from: { path: `(^|/)${job}/` },
    to: { path: `(^|/)(${others})/`, ...(allowed.length > 0 ? { pathNot: allowed } : {}) },
  }
})

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycles',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'operators-stand-alone',
      comment: 'operators/ imports only operators/ and libraries: pure code, no I/O',
      severity: 'error',
      from: { path: '^operators/' },
      to: { dependencyTypesNot: ['npm', 'core'], pathNot: '^operators/' },
    },
    {
      name: 'storage-below-everything',
      comment: 'storage/ imports no pipelines/, http/ or operators/ (row types live in storage)',
      severity: 'error',
      from: { path: '^storage/' },
      to: { path: '^(pipelines|http|operators)/' },
    },
    {
      name: 'http-calls-commands-not-actors',
      comment: "http/ calls a job's commands and queries, never an actor",
      severity: 'error',
      from: { path: '^http/' },
      to: { path: '\\.actor\\.ts$' },
    },
    {
      name: 'shared-pipelines-job-neutral',
      comment:
        'the runtime, the file intake and the outbound policy import no job (domain errors are shared)',
      severity: 'error',
      from: { path: '^pipelines/(runtime|files|outbound)/' },
      to: {
        path: `^pipelines/(?!runtime/|files/|outbound/|domain-error\\.ts$)|(^|/)(${JOBS.join('|')})/`,
      },
    },
    {
      name: 'nothing-imports-the-entry-points',
      comment: 'cli.ts is the top; nothing below imports it',
      severity: 'error',
      from: {},
      to: { path: '^cli\\.ts$' },
    },
    ...jobRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
}
