/** Rows an Excel sheet holds (1,048,576) less its header: the most data rows a part has. */
export const EXCEL_MAX_DATA_ROWS = 1_048_575

/** Characters an Excel cell holds. */
export const EXCEL_MAX_CELL_CHARS = 32_767

/** One part of a report's output: which of its data rows (1-based) it holds. */
export interface PartPlan {
  part: number
  firstRow: number
  lastRow: number
  rows: number
}

/**
 * How `total` rows split into parts of at most `perPart` (capped at {@link EXCEL_MAX_DATA_ROWS}):
 * as few parts as that allows, each full but the last. An empty report is one part with only
 * its header.
 */
export function planParts(total: number, perPart: number): PartPlan[] {
  const size = Math.max(1, Math.min(EXCEL_MAX_DATA_ROWS, Math.floor(perPart)))
  const count = Math.max(1, Math.ceil(total / size))
  return Array.from({ length: count }, (_, i) => {
    const firstRow = i * size + 1
    const lastRow = Math.min(total, (i + 1) * size)
    return { part: i + 1, firstRow, lastRow, rows: Math.max(0, lastRow - firstRow + 1) }
  })
}

/** A name that is safe as a file name: letters, digits, `.`, `_` and `-`; runs of others are `-`. */
export function fileSlug(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 100)
  return slug === '' ? 'report' : slug
}

/**
 * A part's file name: `<template>-<date>-part-001-of-003.<ext>`, or `<template>-<date>.<ext>`
 * when the report is one part. Part numbers have at least three digits.
 */
export function partName(
  template: string,
  date: string,
  part: number,
  parts: number,
  extension: string,
): string {
  const base = `${fileSlug(template)}-${date}`
  if (parts === 1) return `${base}.${extension}`
  const digits = Math.max(3, String(parts).length)
  const pad = (n: number) => String(n).padStart(digits, '0')
  return `${base}-part-${pad(part)}-of-${pad(parts)}.${extension}`
}
