import { sql, type RawBuilder } from 'kysely'

/**
 * The rules about outreach tasks that several statements apply, as SQL conditions. Each takes
 * the names its statement gives the columns (`t.phone`, say), so that one rule is written once.
 */
export const taskRules = {
  /** The number is negative for its contacts request, or on the global do-not-call list. */
  negative(requestId: string, phone: string): RawBuilder<boolean> {
    return sql<boolean>`(EXISTS (SELECT 1 FROM negative_number n
        WHERE n.request_id = ${sql.ref(requestId)} AND n.phone = ${sql.ref(phone)})
      OR EXISTS (SELECT 1 FROM do_not_call d WHERE d.phone = ${sql.ref(phone)}))`
  },

  /** The task's upload was withdrawn: it must not be called again. */
  withdrawn(requestId: string): RawBuilder<boolean> {
    return sql<boolean>`EXISTS (SELECT 1 FROM upload_request u
      WHERE u.id = ${sql.ref(requestId)} AND u.withdrawn_at IS NOT NULL)`
  },

  /** The task was never attempted and is still pending: it can be cancelled or failed. */
  notYetExecuted(task: string): RawBuilder<boolean> {
    return sql<boolean>`(${sql.ref(`${task}.status`)} = 'IN_PROGRESS' AND ${sql.ref(`${task}.attempts`)} = 0)`
  },

  /**
   * The task still waits for a call (never called, retriggered, or waiting for a retry) and no
   * call of it is in flight: it may be settled without one (a call in flight records its own
   * result).
   */
  awaitingCall(task: string): RawBuilder<boolean> {
    return sql<boolean>`(${sql.ref(`${task}.status`)} = 'IN_PROGRESS' AND NOT ${taskRules.openAttempt(task)})`
  },

  /**
   * A call of the task began and has not reported: it may be running, or its executor died
   * mid-call (and the call may have happened).
   */
  openAttempt(task: string): RawBuilder<boolean> {
    return sql<boolean>`EXISTS (SELECT 1 FROM task_attempt a
      WHERE a.task_id = ${sql.ref(`${task}.id`)} AND a.ended_at IS NULL)`
  },
}
