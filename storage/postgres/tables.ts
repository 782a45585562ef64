// Every table's interface, gathered as the Database that Kysely is typed with.
import type { CampaignTable } from './campaign.table.js'
import type { CampaignWinnerTable } from './scoring/campaign-winner.table.js'
import type { CurrencyRateTable } from './scoring/currency-rate.table.js'
import type { DeadLetterTable } from './dead-letter.table.js'
import type { PurchaseTotalTable } from './scoring/purchase-total.table.js'
import type { ScoredPurchaseTable } from './scoring/scored-purchase.table.js'
import type {
  DoNotCallImportTable,
  DoNotCallTable,
  FlowTaskTable,
  NegativeNumberTable,
  OutreachRecordTable,
  TaskAttemptTable,
  TaskCounterTable,
} from './outreach/flow-task.table.js'
import type { UploadErrorTable, UploadRequestTable } from './outreach/upload-request.table.js'
import type { StoredFileTable } from './stored-file.table.js'
import type {
  BoundaryHierarchyTable,
  BoundaryTable,
  FactoryJobTable,
  FactoryRowTable,
  FactorySchemaTable,
  GeneratedResourceTable,
  RegistryResourceTable,
} from './factory/factory.table.js'
import type { CampaignViewerTable, ReportTemplateTable } from './reports/report-template.table.js'
import type { ReportScheduleTable } from './reports/report-schedule.table.js'
import type { JobRequestTable, ReportJobMappingTable } from './reports/job-request.table.js'
import type { ReplayClientTable } from './replay/replay-client.table.js'
import type { ReplayRowTable, ReplayRunTable } from './replay/replay-run.table.js'

/** Every table the application reads or writes. */
export interface Database {
  campaign: CampaignTable
  campaign_winner: CampaignWinnerTable
  currency_rate: CurrencyRateTable
  purchase_total: PurchaseTotalTable
  scored_purchase: ScoredPurchaseTable
  upload_request: UploadRequestTable
  upload_error: UploadErrorTable
  outreach_record: OutreachRecordTable
  flow_task: FlowTaskTable
  task_attempt: TaskAttemptTable
  task_counter: TaskCounterTable
  negative_number: NegativeNumberTable
  do_not_call: DoNotCallTable
  do_not_call_import: DoNotCallImportTable
  dead_letter: DeadLetterTable
  stored_file: StoredFileTable
  factory_schema: FactorySchemaTable
  boundary_hierarchy: BoundaryHierarchyTable
  boundary: BoundaryTable
  factory_job: FactoryJobTable
  factory_row: FactoryRowTable
  registry_resource: RegistryResourceTable
  generated_resource: GeneratedResourceTable
  report_template: ReportTemplateTable
  campaign_viewer: CampaignViewerTable
  report_schedule: ReportScheduleTable
  job_requests: JobRequestTable
  report_job_mapping: ReportJobMappingTable
  replay_client: ReplayClientTable
  replay_run: ReplayRunTable
  replay_row: ReplayRowTable
}
