/**
 * The resource schemas the factory ships with (version 1 of each type), installed by `migrate`.
 * JSON Schema (draft 2020-12 as ajv reads it) plus the factory's keywords: `x-label` (a column's
 * header), `x-order` (column order), `x-unique` (columns unique within a sheet) and `x-boundary`
 * (a column of boundary codes, which must belong to the campaign).
 */
export const DEFAULT_SCHEMAS = {
  facility: {
    title: 'Facility',
    type: 'object',
    required: ['name', 'facilityUsage', 'isPermanent', 'boundaryCode'],
    properties: {
      name: {
        type: 'string',
        minLength: 2,
        maxLength: 128,
        pattern: '^[^$<>?\\\\~`!@#%^()+={}\\[\\]*:;"]+$',
        'x-label': 'Facility Name',
      },
      facilityUsage: {
        type: 'string',
        enum: ['Warehouse', 'Health Facility', 'Storing Resource'],
        'x-label': 'Facility Usage',
      },
      isPermanent: { type: 'boolean', 'x-label': 'Permanent' },
      capacity: { type: 'integer', minimum: 0, maximum: 100_000_000, 'x-label': 'Capacity' },
      boundaryCode: { type: 'string', 'x-boundary': true, 'x-label': 'Boundary Code' },
    },
    'x-order': ['name', 'facilityUsage', 'isPermanent', 'capacity', 'boundaryCode'],
    'x-unique': ['name'],
  },
  user: {
    title: 'User',
    type: 'object',
    required: ['name', 'phoneNumber', 'role', 'employmentType', 'boundaryCode'],
    properties: {
      name: { type: 'string', minLength: 2, maxLength: 128, 'x-label': 'Name of the Person' },
      phoneNumber: {
        type: 'string',
        pattern: '^[6-9][0-9]{9}$',
        'x-label': 'Phone Number',
        description: 'Ten digits, starting with 6 to 9',
      },
      role: {
        type: 'string',
        enum: ['Distributor', 'Supervisor', 'Warehouse Manager', 'Health Facility Supervisor'],
        'x-label': 'Role',
      },
      employmentType: {
        type: 'string',
        enum: ['Temporary', 'Permanent'],
        'x-label': 'Employment Type',
      },
      email: { type: 'string', format: 'email', maxLength: 254, 'x-label': 'Email' },
      boundaryCode: { type: 'string', 'x-boundary': true, 'x-label': 'Boundary Code' },
    },
    'x-order': ['name', 'phoneNumber', 'role', 'employmentType', 'email', 'boundaryCode'],
    'x-unique': ['phoneNumber'],
  },
  boundary: {
    title: 'Boundary',
    type: 'object',
    required: ['code', 'name', 'level'],
    properties: {
      code: {
        type: 'string',
        pattern: '^[A-Za-z0-9_.-]{1,64}$',
        'x-label': 'Boundary Code',
      },
      name: { type: 'string', minLength: 1, maxLength: 128, 'x-label': 'Boundary Name' },
      level: { type: 'string', minLength: 1, maxLength: 64, 'x-label': 'Level' },
      parentCode: {
        type: 'string',
        pattern: '^[A-Za-z0-9_.-]{1,64}$',
        'x-label': 'Parent Code',
      },
    },
    'x-order': ['code', 'name', 'level', 'parentCode'],
    'x-unique': ['code'],
  },
} as const
