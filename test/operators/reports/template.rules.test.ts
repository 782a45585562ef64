import { describe, expect, it } from 'vitest'
import {
  templateProblems,
  type Catalogue,
  type TemplateDefinition,
} from '../../../operators/reports/template.rules.js'

const catalogue: Catalogue = {
  purchase_totals: {
    campaign_id: 'integer',
    user_id: 'string',
    total: 'money',
    reached_at: 'datetime',
    day: 'date',
    won: 'boolean',
  },
}
const base: TemplateDefinition = {
  dataset: 'purchase_totals',
  columns: [{ column: 'user_id' }, { column: 'total', label: 'Total spent' }],
  filters: [],
  sort: [{ column: 'total', direction: 'desc' }],
}

describe('templateProblems', () => {
  it('should take a good template, relative dates and ranges included', () => {
    expect(
      templateProblems(catalogue, {
        ...base,
        filters: [
          { column: 'day', op: 'between', value: ['2026-11-01', 'yesterday'] },
          { column: 'campaign_id', op: 'in', value: [1, 2] },
          { column: 'user_id', op: 'contains', value: '42' },
          { column: 'total', op: 'gte', value: '100.00' },
          { column: 'won', op: 'isNull' },
          { column: 'reached_at', op: 'lt', value: 'today' },
        ],
      }),
    ).toEqual([])
  })

  it('should name an unknown dataset with the ones there are', () => {
    expect(templateProblems(catalogue, { ...base, dataset: 'users' })).toEqual([
      { field: 'dataset', message: 'must be one of purchase_totals' },
    ])
  })

  it('should report every problem by field at once', () => {
    expect(
      templateProblems(catalogue, {
        ...base,
        columns: [{ column: 'user_id' }, { column: 'nope' }, { column: 'user_id' }],
        filters: [
          { column: 'user_id', op: 'gt', value: 'a' },
          { column: 'total', op: 'eq', value: 'ten' },
          { column: 'day', op: 'eq', value: 'next_week' },
          { column: 'campaign_id', op: 'between', value: [1] },
          { column: 'campaign_id', op: 'in', value: [1, 'x'] },
          { column: 'won', op: 'eq', value: 'yes' },
        ],
        sort: [{ column: 'total', direction: 'up' }],
      }),
    ).toEqual([
      { field: 'columns.1.column', message: 'purchase_totals has no column nope' },
      { field: 'columns.2.column', message: 'user_id is shown twice' },
      {
        field: 'filters.0.op',
        message: 'must be one of eq, ne, in, contains, isNull for a string column',
      },
      { field: 'filters.1.value', message: 'must be a decimal number such as "12.50"' },
      {
        field: 'filters.2.value',
        message:
          'must be a date (YYYY-MM-DD) or one of today, yesterday, last_7_days, this_month, last_month',
      },
      { field: 'filters.3.value', message: 'must be a list of two values: from and to' },
      { field: 'filters.4.value.1', message: 'must be a whole number' },
      { field: 'filters.5.value', message: 'must be true or false' },
      { field: 'sort.0.direction', message: 'must be asc or desc' },
    ])
  })
})
