import { describe, expect, it } from 'vitest'
import { DEFAULT_SCHEMAS } from '../../../storage/postgres/factory/default-schemas.js'
import {
  compileSchema,
  resourceAjv,
  ResourceSchema,
} from '../../../operators/factory/resource-schema.rules.js'
import { mapHeader, rowData, validateRow } from '../../../operators/factory/row-validate.rules.js'

const ajv = resourceAjv()
const user = compileSchema(ajv, ResourceSchema.parse(DEFAULT_SCHEMAS.user))
const header = [
  'Name of the Person *',
  'phone number',
  'Role',
  'Employment Type',
  'Boundary Code',
  'Notes',
]
const mapping = mapHeader(user, header)
const boundaries = new Set(['KA', 'KA_BLR'])
const row = (cells: Partial<Record<string, string>>) =>
  validateRow(
    user,
    mapping,
    {
      'Name of the Person *': 'Asha',
      'phone number': '9876543210',
      Role: 'Distributor',
      'Employment Type': 'Temporary',
      'Boundary Code': 'KA_BLR',
      ...cells,
    },
    boundaries,
  )

describe('validateRow', () => {
  it('should map headers by label or key ignoring case and a required mark', () => {
    expect([...mapping.columns.keys()]).toEqual([
      'name',
      'phoneNumber',
      'role',
      'employmentType',
      'boundaryCode',
    ])
    expect(mapHeader(user, ['Nom']).missing.map((c) => c.key)).toEqual([
      'name',
      'phoneNumber',
      'role',
      'employmentType',
      'boundaryCode',
    ])
  })

  it('should pass a good row with typed values', () => {
    expect(row({})).toEqual({
      data: {
        name: 'Asha',
        phoneNumber: '9876543210',
        role: 'Distributor',
        employmentType: 'Temporary',
        boundaryCode: 'KA_BLR',
      },
      errors: [],
    })
  })

  it('should report every problem of a row at once, by header', () => {
    const { errors } = row({
      'Name of the Person *': ' ',
      'phone number': '12345',
      Role: 'Chief',
      'Boundary Code': 'TN',
    })
    expect(errors).toEqual([
      { column: 'Name of the Person', code: 'required', message: 'Name of the Person is required' },
      {
        column: 'Phone Number',
        code: 'pattern',
        message: 'Phone Number: Ten digits, starting with 6 to 9',
      },
      {
        column: 'Role',
        code: 'enum',
        message:
          'Role must be one of Distributor, Supervisor, Warehouse Manager, Health Facility Supervisor',
      },
      {
        column: 'Boundary Code',
        code: 'unknown_boundary',
        message: 'Boundary Code TN is not a boundary of the campaign',
      },
    ])
  })

  it('should coerce numbers and booleans of a facility', () => {
    const facility = compileSchema(ajv, ResourceSchema.parse(DEFAULT_SCHEMAS.facility))
    const m = mapHeader(facility, [
      'Facility Name',
      'Facility Usage',
      'Permanent',
      'Capacity',
      'Boundary Code',
    ])
    const cells = {
      'Facility Name': 'Depot 1',
      'Facility Usage': 'Warehouse',
      Permanent: 'true',
      Capacity: '250',
      'Boundary Code': 'KA',
    }
    expect(validateRow(facility, m, cells, boundaries).data).toMatchObject({
      isPermanent: true,
      capacity: 250,
    })
    expect(validateRow(facility, m, { ...cells, Capacity: '2.5' }, boundaries).errors).toEqual([
      { column: 'Capacity', code: 'type', message: 'Capacity must be integer' },
    ])
  })
})

describe('rowData', () => {
  it('should read stored cells as the typed values validation made of them', () => {
    const facility = compileSchema(ajv, ResourceSchema.parse(DEFAULT_SCHEMAS.facility))
    const dataOf = rowData(facility)
    const cells = {
      'Facility Name': 'Depot',
      'Facility Usage': 'Warehouse',
      Permanent: 'false',
      Capacity: '7',
      'Boundary Code': 'KA',
    }
    expect(dataOf(cells)).toEqual({
      name: 'Depot',
      facilityUsage: 'Warehouse',
      isPermanent: false,
      capacity: 7,
      boundaryCode: 'KA',
    })
    expect(dataOf({ ...cells, Capacity: '8' })).toMatchObject({ capacity: 8 })
  })
})
