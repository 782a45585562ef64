import { describe, expect, it } from 'vitest'
import { DEFAULT_SCHEMAS } from '../../../storage/postgres/factory/default-schemas.js'
import {
  columnsOf,
  resourceAjv,
  ResourceSchema,
  schemaProblems,
} from '../../../operators/factory/resource-schema.rules.js'

const ajv = resourceAjv()

describe('resource schemas', () => {
  it('should order columns by x-order and label them', () => {
    expect(columnsOf(ResourceSchema.parse(DEFAULT_SCHEMAS.facility)).map((c) => c.label)).toEqual([
      'Facility Name',
      'Facility Usage',
      'Permanent',
      'Capacity',
      'Boundary Code',
    ])
  })

  it('should ship default schemas that compile', () => {
    for (const schema of Object.values(DEFAULT_SCHEMAS))
      expect(schemaProblems(ajv, schema)).toEqual([])
  })

  it('should refuse a schema naming unknown columns, sharing a header, or not JSON Schema', () => {
    expect(
      schemaProblems(ajv, {
        type: 'object',
        properties: {
          a: { type: 'string', 'x-label': 'A' },
          b: { type: 'string', 'x-label': 'a' },
        },
        required: ['c'],
        'x-unique': ['d'],
      }),
    ).toEqual([
      { field: 'required', message: 'names no column c' },
      { field: 'x-unique', message: 'names no column d' },
      { field: 'properties.b', message: 'has the header of a (a)' },
    ])
    expect(
      schemaProblems(ajv, {
        type: 'object',
        properties: { a: { type: 'string', minLength: 'x' } },
      })[0]?.message,
    ).toMatch(/not a usable JSON Schema/)
    expect(schemaProblems(ajv, { type: 'array' })[0]?.field).toBe('type')
  })
})
